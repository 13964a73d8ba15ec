"""Config mistakes that pass a schema but break later: whitespace pasted with a secret or id,
risky pins per chip, an unknown chip, JSON errors (line, column, what it means), quoted
booleans and numbers."""

import copy
import json
import subprocess
import sys

import pytest
from mpy import ROOT
from test_board_config_check import one, problems, real_config

from tools import config_check as cc


def warnings(config, chip=None):
    return [str(w) for w in cc.warnings(config, chip)]


@pytest.mark.parametrize("section,key,value,says", [
    ("sinric", "app_secret", "{}\n", "ends with a newline"),
    ("sinric", "app_secret", "{} ", "ends with a space"),
    ("sinric", "app_key", " {}", "starts with a space"),
    ("yango", "token", "{}\r\n", "ends with a newline"),
    ("wifi", "password", "{}\t", "ends with a tab"),
])
def test_whitespace_around_a_secret_is_named_by_field(section, key, value, says):
    c = real_config()
    c[section][key] = value.format(c[section][key])
    got = one(c)  # the schema's "wrong form" at the same path is not repeated
    assert got.startswith("$.%s.%s: %s (pasted with it?)" % (section, key, says)), got


def test_a_pasted_app_secret_says_what_it_would_break():
    c = real_config()
    c["sinric"]["app_secret"] += "\n"
    assert "signature is invalid" in one(c)


def test_whitespace_around_a_device_id():
    c = real_config()
    c["devices"][0]["sinric_id"] += " "
    c["devices"][1]["yango_id"] = " " + c["devices"][1]["yango_id"]
    got = problems(c)
    assert any(p.startswith("$.devices[0].sinric_id: ends with a space") for p in got), got
    assert any(p.startswith("$.devices[1].yango_id: starts with a space") for p in got), got
    assert not any("wrong form" in p for p in got), got


@pytest.mark.parametrize("chip,field,gpio,why", [
    ("esp32", "relay", 12, "flash voltage"),
    ("esp32", "relay", 0, "download mode"),
    ("esp32", "relay", 15, "PWM signal during boot"),
    ("esp32", "relay", 1, "UART0 TX"),
    ("esp8266", "relay", 15, "must be low at reset"),
    ("esp8266", "button", 16, "no interrupt and no pull-up"),
    ("esp32c3", "relay", 9, "download mode"),
    ("esp32s3", "relay", 19, "USB"),
])
def test_risky_pins_are_warnings_with_why(chip, field, gpio, why):
    c = real_config()
    c["devices"] = [{"name": "lamp", "type": "switch", "yango_id": "lamp",
                     "relay": 4 if field != "relay" else gpio}]
    if chip == "esp8266":  # no TLS on an ESP8266: Sinric over ws://, no Yango
        c["sinric"]["url"] = "ws://ws.sinric.pro"
        c.pop("yango")
        c["devices"][0] = dict(c["devices"][0], sinric_id="5dc1564130aaaaaaaaaaaa01")
        c["devices"][0].pop("yango_id")
        c["board"]["watchdog_s"] = 5  # its watchdog's only timeout (firmware/chips.py)
    if field == "button":
        c["devices"][0]["button"] = gpio
    c["board"].pop("status_led")
    assert problems(c, chip) == []  # it may be pushed ...
    got = warnings(c, chip)  # ... but the user hears why it may bite
    assert len(got) == 1 and got[0].startswith("$.devices[0].%s: GPIO %d on the %s"
                                               % (field, gpio, chip)), got
    assert why in got[0]


def test_an_input_only_pin_without_pull_on_the_esp32():
    c = real_config()
    c["devices"] = [{"name": "window", "type": "contact", "yango_id": "w", "pin": 36}]
    c["board"].pop("status_led")
    assert warnings(c, "esp32") == ["$.devices[0].pin: GPIO 36 on the esp32 has no internal "
                                    "pull-up or pull-down (a button or contact needs an "
                                    "external resistor)"]


def test_an_unknown_chip_is_asked_for():
    got = warnings(real_config())
    assert got == ["$.board.chip: the chip is not known, so the pins were not checked "
                   "against it (pass CHIP=esp32 (esp8266, esp32s2, esp32s3, esp32c3))"]


def test_the_chip_comes_from_the_config():
    schema = cc.load_schema()  # with the board.chip field the board profiles add
    schema = copy.deepcopy(schema)
    schema["properties"]["board"]["properties"]["chip"] = {"type": "string"}
    c = real_config()
    c["board"]["chip"] = "ESP-8266"
    assert cc.config_chip(c) == "esp8266"
    got = [str(p) for p in cc.check(c, schema=schema)]
    assert any("GPIO 25 does not exist on the esp8266" in p for p in got), got
    assert any(w.startswith("$.board.status_led: GPIO 2 on the esp8266")
               for w in map(str, cc.warnings(c, schema=schema)))


@pytest.mark.parametrize("text,where,what", [
    ('{"wifi": {"ssid": "home", "password": "pw\nx"}}', "line 1 column 42",
     "a line break or tab inside a string"),
    ('{"wifi": {"ssid": "home",}}', "line 1 column 26", "a field name is missing"),
    ('{"wifi": {"ssid": "home"\n}\n', "line 3 column 1", "a comma is missing"),
    ('{"wifi": {"ssid": True}}', "line 1 column 19", "a value is missing or is not JSON"),
    ('{"wifi": {"ssid": "home}}', "line 1 column 19", "a string that is never closed"),
    ('{"wifi": {}} {}', "line 1 column 14", "something follows the end"),
    ('{"wifi" {}}', "line 1 column 9", "a ':' is missing"),
])
def test_json_errors_have_line_column_and_meaning(tmp_path, text, where, what):
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(cc.ConfigError) as e:
        cc.load(path)
    msg = str(e.value)
    assert "%s: not valid JSON: %s" % (where, what) in msg, msg
    assert "at at" not in msg and "the line: " in msg


@pytest.mark.parametrize("field,value,hint", [
    ("status_led_active_low", "true", "write true without quotes"),
    ("status_led_active_low", "False", "write false without quotes"),
    ("watchdog_s", "30", "write 30 without quotes"),
])
def test_a_quoted_boolean_or_number_gets_a_hint(field, value, hint):
    c = real_config()
    c["board"][field] = value
    assert hint in one(c)


def test_check_config_prints_the_warnings(tmp_path):
    c = real_config()
    c["devices"][0]["relay"] = 12
    c["devices"][1]["pwm"] = 16
    path = tmp_path / "config.json"
    path.write_text(json.dumps(c))
    p = subprocess.run([sys.executable, "-m", "tools.board", "check-config", str(path),
                        "--chip", "esp32"], cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning: $.devices[0].relay: GPIO 12 on the esp32 (strapping pin (MTDI" in p.stdout
    assert p.stdout.rstrip().endswith("is valid for esp32")


def _paths(node, pre=()):
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for k, v in items:
        yield pre + (k,)
        yield from _paths(v, pre + (k,))


@pytest.mark.parametrize("wrong", [[], {}, None, [1], 2 ** 70])
def test_every_field_of_the_wrong_type_is_a_problem_never_a_crash(wrong):
    """`make check-config` (config, install) died with a TypeError traceback on a device
    "type": [] or a "board": {"chip": []} (unhashable in the schema and chip lookups)."""
    base = json.loads((ROOT / "config.example.json").read_text())
    base["board"]["chip"] = "esp32"
    for path in _paths(base):
        c = copy.deepcopy(base)
        node = c
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = wrong
        for chip in (None, "esp8266"):
            found = cc.check(c, chip)  # raises on a crash
            cc.warnings(c, chip)
            assert found, (path, wrong, chip)  # every field takes one type: this is not it
    for whole in ([], "x", 3, {"devices": [3]}, {"wifi": []}):
        assert cc.check(whole, "esp32")
