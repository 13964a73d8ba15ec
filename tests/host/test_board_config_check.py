"""config.schema.json and tools/config_check.py: every bad input has a path and a hint."""

import copy
import json
import re

import pytest
from jsonschema import Draft202012Validator

from tools import config_check as cc

EXAMPLE = json.loads(cc.EXAMPLE_PATH.read_text())

REAL_SECRETS = {
    "wifi": {"password": "correct horse battery"},
    "sinric": {"app_key": "de305d54-75b4-431b-adb2-eb6b9e546014",
               "app_secret": "5a1d3f0e-8c1b-4b7e-9f3a-2c6d8e0b1a4f-7d2e9c1b-3a5f-4e8d-b6c0"},
    "yango": {"skill_id": "8e3f1c2a-0b4d-4f6e-9a1c-3d5e7f9b1c2d", "token": "y0_AgAAAABkR3q9"},
}


def real_config():
    c = copy.deepcopy(EXAMPLE)
    for section, values in REAL_SECRETS.items():
        c[section].update(values)
    return c


def problems(config, chip=None):
    return [str(p) for p in cc.check(config, chip)]


def one(config, chip=None):
    got = problems(config, chip)
    assert len(got) == 1, got
    return got[0]


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(cc.load_schema())
    assert cc.load_schema()["$schema"].endswith("/2020-12/schema")


def test_example_validates_against_the_schema():
    assert list(Draft202012Validator(cc.load_schema()).iter_errors(EXAMPLE)) == []


def test_example_with_real_secrets_passes_every_check_for_esp32():
    assert problems(real_config(), chip="esp32") == []


def test_example_secrets_are_refused_as_placeholders():
    got = problems(EXAMPLE)
    assert [p.split(":")[0] for p in got] == [
        "$.wifi.password", "$.sinric.app_key", "$.sinric.app_secret", "$.yango.skill_id",
        "$.yango.token"]
    assert all("placeholder" in p for p in got)
    assert "APP SECRET from the Sinric Pro portal" in got[2]


@pytest.mark.parametrize("value", ["change-me", "CHANGEME", "replace-with-the-secret-please-ok!",
                                   "<secret>", "...", "your-app-secret-goes-here-xxxxxxxxxx",
                                   "00000000-0000-0000-0000-000000000000"])
def test_placeholder_forms_are_refused(value):
    c = real_config()
    c["yango"]["token"] = value
    assert one(c).startswith("$.yango.token: %s is a placeholder" % json.dumps(value))


def test_missing_file_and_bad_json_say_where(tmp_path):
    with pytest.raises(cc.ConfigError, match="cannot read the file"):
        cc.load(tmp_path / "nope.json")
    bad = tmp_path / "c.json"
    bad.write_text('{"wifi": {"ssid": "x",}}')
    with pytest.raises(cc.ConfigError, match=r"line 1 column 23: not valid JSON: .*trailing"):
        cc.load(bad)


def test_load_returns_the_exact_bytes(tmp_path):
    p = tmp_path / "c.json"
    text = json.dumps(real_config(), indent=1) + "\n"
    p.write_text(text)
    data, config = cc.load(p)
    assert data == text.encode() and config == real_config()


CASES = [
    # (mutation, expected problem text)
    (lambda c: c["devices"][0].update(relay=49),
     "$.devices[0].relay: 49 is greater than the maximum of 48 (a GPIO number"),
    (lambda c: c["devices"][0].update(relay="5"),
     '$.devices[0].relay: "5" is not of type integer (write 5 without quotes; a GPIO number'),
    (lambda c: c["devices"][0].update(relay_activ_low=True),
     "$.devices[0].relay_activ_low: unknown field 'relay_activ_low' (did you mean "
     "'relay_active_low'?)"),
    (lambda c: c["devices"][1].update(type="swich"),
     '$.devices[1].type: "swich" is not one of "switch", '),
    (lambda c: c["devices"][4].pop("relay"),
     "$.devices[4].relay: missing (a lock needs it: GPIO that drives the lock)"),
    (lambda c: c["devices"][3].pop("travel_ms"),
     "$.devices[3].travel_ms: missing (a blinds needs it: time for a full travel"),
    (lambda c: c["devices"][0].update(sinric_id="5DC1564130AAAAAAAAAAAA01"),
     '$.devices[0].sinric_id: "5DC1564130AAAAAAAAAAAA01" has the wrong form (the device ID '
     "from the Sinric Pro portal: 24 lowercase hex digits)"),
    (lambda c: [c["devices"][3].pop(k) for k in ("sinric_id", "yango_id")],
     "$.devices[3]: a device needs a sinric_id or a yango_id (or both)"),
    (lambda c: c["devices"][0].update(power_on="last"),
     '$.devices[0].power_on: "last" is not one of "off", "on", "restore"'),
    (lambda c: c["devices"][3].update(power_on="on"),
     "$.devices[3].power_on: unknown field 'power_on' (a blinds takes: name, type,"),
    (lambda c: c["devices"][6].update(dht_type="dht21"),
     '$.devices[6].dht_type: "dht21" is not one of "dht22", "dht11" (did you mean'),
    (lambda c: c["sinric"].update(url="https://ws.sinric.pro"),
     '$.sinric.url: "https://ws.sinric.pro" has the wrong form (WebSocket server'),
    (lambda c: c["yango"].update(url="ws://x"),
     '$.yango.url: "ws://x" has the wrong form (callback host, http://host[:port]'),
    (lambda c: c["sinric"].update(app_key="de305d54-75b4-431b-adb2"),
     '$.sinric.app_key: "de305d54-75b4-431b-adb2" has the wrong form (the APP KEY'),
    (lambda c: c["sinric"].update(app_secret="short-secret"),
     "$.sinric.app_secret: 'short-secret' is too short (the APP SECRET"),
    (lambda c: c["sinric"].pop("app_secret"),
     "$.sinric.app_secret: missing (the APP SECRET"),
    (lambda c: c.update(sinirc={}),
     "$.sinirc: unknown field 'sinirc' (did you mean 'sinric'?)"),
    (lambda c: c["wifi"].update(password="short"),
     '$.wifi.password: "short" is not allowed here (the WPA2 passphrase (8 to 63'),
    (lambda c: c["wifi"].update(hostname="-hall"),
     '$.wifi.hostname: "-hall" has the wrong form (DHCP hostname'),
    (lambda c: c["board"].update(watchdog_s=3),
     "$.board.watchdog_s: 3 is not allowed here (hardware watchdog timeout in seconds: 0 "
     "turns it off"),
    (lambda c: c.update(devices={}),
     "$.devices: {} is not of type array (the list of devices; empty for a board just set up"),
    (lambda c: c["devices"][2].pop("blue"),
     "$.devices[2].blue: missing (red, green and blue come together; so do warm and cold)"),
    (lambda c: [c["devices"][2].pop(k) for k in ("red", "green", "blue", "warm")],
     "$.devices[2].warm: missing (red, green and blue come together"),
    (lambda c: c["devices"][6].update(hysteresis=0),
     "$.devices[6].hysteresis: 0 is less than the minimum of 0.1 (switching band"),
    (lambda c: c["devices"][5].update(name="LAMP "),
     '$.devices[5].name: name "LAMP " is already used by $.devices[0] (every device needs'),
    (lambda c: c["devices"][5].update(sinric_id=c["devices"][0]["sinric_id"]),
     '$.devices[5].sinric_id: sinric_id "5dc1564130aaaaaaaaaaaa01" is already used by '
     "$.devices[0]"),
    (lambda c: c["devices"][5].update(yango_id="lamp"),
     '$.devices[5].yango_id: yango_id "lamp" is already used by $.devices[0]'),
    (lambda c: c["devices"][5].update(relay=5),
     "$.devices[5].relay: GPIO 5 is already used by $.devices[0].relay (give each relay"),
    (lambda c: c["board"].update(status_led=25),
     "$.devices[2].red: GPIO 25 is already used by $.board.status_led"),
    (lambda c: c["devices"].append("lamp"),
     '$.devices[11]: "lamp" is not of type object (a device:'),
]


@pytest.mark.parametrize("mutate,expected", CASES, ids=[c[1].split(":")[0] + str(i)
                                                        for i, c in enumerate(CASES)])
def test_each_bad_field_gets_its_path_and_a_hint(mutate, expected):
    c = real_config()
    mutate(c)
    got = problems(c)
    assert any(p.startswith(expected) for p in got), got
    assert len(got) <= 2, got  # no cascade of follow-up noise


def test_the_light_without_channels_is_one_clear_problem():
    c = real_config()
    for k in ("red", "green", "blue", "warm", "cold"):
        c["devices"][2].pop(k)
    assert one(c) == ("$.devices[2]: a light needs red, green and blue, or warm and cold, "
                      "or all five")


def test_an_unknown_type_is_reported_alone_not_with_its_fields():
    c = real_config()
    c["devices"][0]["type"] = "relay"
    assert one(c).startswith('$.devices[0].type: "relay" is not one of')


def test_all_problems_are_reported_at_once():
    c = real_config()
    c["devices"][0]["relay"] = 99
    c["devices"][1]["freq"] = 0
    c["wifi"]["password"] = "change-me"
    got = problems(c)
    assert [p.split(":")[0] for p in got] == [
        "$.devices[0].relay", "$.devices[1].freq", "$.wifi.password"]


@pytest.mark.parametrize("chip,gpio,expected", [
    ("esp32", 7, "GPIO 7 belongs to the esp32's SPI flash"),
    ("esp32", 24, "GPIO 24 does not exist on the esp32 (usable GPIOs: 0-5, 12-23, 25-27, "
                  "32-39)"),
    ("esp8266", 17, "GPIO 17 does not exist on the esp8266 (usable GPIOs: 0-5, 12-16)"),
    ("esp32c3", 14, "GPIO 14 belongs to the esp32c3's SPI flash"),
    ("esp32s3", 30, "GPIO 30 belongs to the esp32s3's SPI flash"),
    ("esp32", 36, "GPIO 36 is input-only on the esp32"),
])
def test_pins_are_checked_against_the_chip(chip, gpio, expected):
    c = {"wifi": {"ssid": "home", "password": ""},
         "devices": [{"name": "a", "type": "switch", "yango_id": "a", "relay": gpio}]}
    assert problems(c) == []
    assert one(c, chip).startswith("$.devices[0].relay: " + expected)


def test_an_input_only_pin_is_fine_for_an_input():
    c = {"wifi": {"ssid": "home", "password": ""},
         "devices": [{"name": "a", "type": "motion", "yango_id": "a", "pin": 36}]}
    assert problems(c, "esp32") == []
    c["devices"][0] = {"name": "a", "type": "temperature", "yango_id": "a", "dht": 36}
    assert "input-only" in one(c, "esp32")  # a DHT line is driven by the board too


def test_sinric_and_yango_may_be_absent_and_open_wifi_is_allowed():
    c = real_config()
    del c["sinric"], c["yango"], c["board"]
    c["wifi"]["password"] = ""
    assert problems(c) == []


def _doc_tables():
    # the field tables of docs/configuration.md (its other sections have none)
    text = (cc.ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Configuration (`config.json`)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows]


def _names(cell):
    return re.findall(r"`([a-z_.\[\]]+)`", re.sub(r"\([^)]*\)", "", cell))


def test_docs_document_exactly_the_schemas_fields():
    schema = cc.load_schema()
    top, common, types = set(), set(), {}
    for cells in _doc_tables():
        first = _names(cells[0])
        if first and first[0] in schema["$defs"]["device"]["properties"]["type"]["enum"]:
            types[first[0]] = set(_names(cells[1]) + _names(cells[2]))
        elif "." in first[0] or first[0] == "devices[]":
            top.update(n.replace("[]", "") for n in first)
        else:
            common.update(first)
    want_top = {"devices"} | {"%s.%s" % (s, k) for s, v in schema["properties"].items()
                              if s != "devices" for k in v["properties"]}
    assert top == want_top
    assert common == set(schema["$defs"]["device"]["properties"])
    assert set(types) == set(schema["$defs"]["device"]["properties"]["type"]["enum"])
    for dtype, fields in types.items():
        assert fields == set(schema["$defs"][dtype]["properties"]), dtype


def test_every_type_in_the_example_and_every_field_used_somewhere():
    schema = cc.load_schema()
    used = {}
    for d in EXAMPLE["devices"]:
        used.setdefault(d["type"], set()).update(d)
    assert set(used) == set(schema["$defs"]["device"]["properties"]["type"]["enum"])
