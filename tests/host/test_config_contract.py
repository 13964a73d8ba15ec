"""The board's validator (firmware/config*.py) and the host's JSON Schema (config.schema.json)
agree on everything a config can say: the same fields per device type and section, the same
required fields and defaults, and for every field the same verdict on values at and around
each limit (types, ranges, enums, lengths, patterns). So a config `make config` accepts is
never refused by the board, and the other way round. A new field kind fails here until it
has probe values below."""

import json
import re

import pytest
from mpy import ROOT

from firmware import VERSION, config, config_fields, config_types
from firmware.config_fields import REQ, check
from tools.config_check import Validator

SCHEMA = json.loads((ROOT / "config.schema.json").read_text())
DEFS = SCHEMA["$defs"]
F = config_fields
UUID = "de305d54-75b4-431b-adb2-eb6b9e546014"


def resolve(prop):
    while "$ref" in prop:
        extra = {k: v for k, v in prop.items() if k != "$ref"}
        prop = dict(DEFS[prop["$ref"].rsplit("/", 1)[1]], **extra)
    return prop


def schema_accepts(prop, value):
    return Validator(dict(prop, **{"$defs": DEFS})).is_valid(value)


def probes(spec):
    """Values on both sides of every limit the board's kind has, and of the wrong type."""
    kind, args = spec[1], spec[3:]
    wrong = [None, [], {}]
    if kind == F.PIN:
        return wrong + [-1, 0, 5, F.MAX_GPIO, F.MAX_GPIO + 1, 1.5, True, "3"]
    if kind == F.BOOL:
        return wrong + [True, False, 0, 1, "true"]
    if kind == F.INT:
        lo, hi = args
        return wrong + [lo, hi, lo - 1, hi + 1, (lo + hi) // 2, lo + 0.5, float(hi), True,
                        str(lo)]
    if kind == F.NUM:
        lo, hi = args
        return wrong + [lo, hi, lo - 0.01, hi + 0.01, (lo + hi) / 2, int(hi), True, str(lo)]
    if kind == F.ONE_OF:
        return wrong + list(args[0]) + [o.upper() for o in args[0]] + ["", "nope", 1]
    n = args[0] if args and isinstance(args[0], int) else 64  # STR and ID: the length limit
    strings = {
        F.STR: ["", "x", "a b", "x" * n, "x" * (n + 1)],
        F.ID: ["", "x", "lamp-1", "a b", "a\tb", "x" * n, "x" * (n + 1)],
        F._PASSWORD: ["", "x" * 7, "x" * 8, "p a s s w d", "x" * 64, "x" * 65],
        F._SECRET: ["x" * 31, "x" * 32, "x" * 200],
        F.HEX24: ["a" * 24, "0123456789abcdef01234567", "A" * 24, "a" * 23, "a" * 25,
                  "g" * 24],
        F._UUID: [UUID, UUID.upper(), UUID[:-1], UUID.replace("-", ""), "x" + UUID[1:]],
        F._WS_URL: ["ws://h", "wss://h:1/x", "wss://ws.sinric.pro", "http://h", "ws://",
                    "wss://h h", "WSS://h"],
        F._HTTP_URL: ["http://h", "https://h:8443/p", "ws://h", "http://", "https://h h"],
        F._SEMVER: ["1.0.0", VERSION, "10.20.30", "1.0", "1.a.0", "1.0.0-rc1", ""],
        F._HOSTNAME: ["a", "node-1", "-a", "a-", "a" * 32, "a" * 33, "a_b", ""],
        F._TOKEN: ["", "y0_AgAAAA-._~+/=", "a b", "a:b", "\u00e9", "x" * 2048, "x" * 2049],
        F._VISIBLE: ["", "!", "~", "user-1", "a b", "\u00e9", "\x7f", "x" * 64, "x" * 65],
        F._NTP: ["", "pool.ntp.org", "10.0.0.1:123", "h:1", "-h", "h h", "ntp://h", "h/x"],
        F._FILE: ["", "ca/ws.sinric.pro.pem", "/ca.pem", "ca/../x", "a b", "x" * 64,
                  "x" * 65],
        F._WPA_KEY: ["", "x" * 7, "x" * 8, " xxxxxxxx", "xxxxxxxx ", "p a s s w d",
                     "x" * 63, "x" * 64],
    }
    if kind == F._WDT:
        return wrong + [0, 1, 4, 5, 3600, 3601, -1, True, "30"]
    if kind == F._PORT:
        return wrong + [0, 8080, 65535, 65536, -1, True, "80"]
    assert kind in strings, "field %r: a kind without probe values; add them here" % (spec[0],)
    return wrong + [5, True] + strings[kind]


def check_specs(specs, props, required, where):
    assert {s[0] for s in specs} == set(props), where
    assert {s[0] for s in specs if s[2] is REQ} == set(required), where + ": required"
    for spec in specs:
        name, default = spec[0], spec[2]
        prop = resolve(props[name])
        at = "%s.%s" % (where, name)
        # the device type is checked against config_types.TYPES (the enum, tested below)
        for v in probes(spec) if (where, name) != ("device", "type") else ():
            board = check(spec[1], v, spec) is None
            assert board == schema_accepts(props[name], v), "%s = %r: board %s it" % (
                at, v, "accepts" if board else "refuses")
        if name == "firmware_version":  # the project's VERSION: written only in firmware/
            assert "default" not in prop, at
        elif default is REQ or default is None:
            assert "default" not in prop, at + ": the board has no default"
        else:
            assert prop.get("default") == default, at + ": default"
            assert check(spec[1], default, spec) is None, at + ": default is valid"


def test_device_types_match_the_schema():
    common = DEFS["device"]["properties"]
    assert set(config_types.TYPES) == set(common["type"]["enum"])
    for t, specs in config_types.TYPES.items():
        check_specs(config_types.COMMON, common, DEFS["device"]["required"], "device")
        check_specs(specs, DEFS[t]["properties"], DEFS[t].get("required", []), t)


def test_sections_match_the_schema():
    assert set(SCHEMA["properties"]) == {s[0] for s in config.SECTIONS} | {"devices"}
    for name, specs, required in config.SECTIONS:
        sec = SCHEMA["properties"][name]
        assert sec.get("additionalProperties") is False, name
        check_specs(specs, sec["properties"], sec.get("required", []), name)
        assert (name in SCHEMA["required"]) == required, name


@pytest.mark.parametrize("kind", [F.INT, F.STR, F._UUID])
def test_a_disagreement_is_caught(kind):
    # The probes must see a one-off limit: shift the board's side and the check fails.
    spec = {F.INT: ("n", F.INT, 1, 0, 10), F.STR: ("s", F.STR, None, 8),
            F._UUID: ("u", F._UUID, REQ)}[kind]
    prop = {F.INT: {"type": "integer", "minimum": 0, "maximum": 11},
            F.STR: {"type": "string", "minLength": 1, "maxLength": 9},
            F._UUID: {"type": "string", "pattern": "^[0-9a-f-]{36}$"}}[kind]
    with pytest.raises(AssertionError):
        check_specs((spec,), {spec[0]: prop}, [s for s in [spec[0]] if spec[2] is REQ], "x")


def test_device_classes_restate_no_default_of_the_tables():
    # A device reads its fields from the config the loader filled from config_types.TYPES; a
    # class attribute by a field's name (a fallback an instance overrides only when it
    # differs, to keep its dict small: Thermostat.hysteresis) must be the table's default.
    from firmware.devices import DEVICE_TYPES
    from firmware.devices.temperature import Climate

    seen = []
    for t, specs in config_types.TYPES.items():
        for spec in config_types.COMMON + specs:
            for cls in (DEVICE_TYPES[t], Climate):
                v = getattr(cls, spec[0], None)
                if v is None or isinstance(v, property) or callable(v):
                    continue
                seen.append((t, cls.__name__, spec[0]))
                assert spec[2] is not REQ and v == spec[2], (t, cls.__name__, spec[0], v)
    assert ("thermostat", "Thermostat", "hysteresis") in seen  # the check sees the one there is


# Defaults docs/configuration.md gives as how the board derives them (the tables hold None).
DERIVED = {"sinric.ca", "yango.ca", "board.setup_password", "web.port"}


def _doc_value(cell):
    """A Default cell (or a device field's parenthesis) read as the table would hold it."""
    cell = cell.strip()
    word = cell.split(" ")[0].rstrip(",")
    if "required" in cell.split(", "):
        return REQ
    if word in ("none", "true", "false"):
        return {"none": None, "true": True, "false": False}[word]
    if word.startswith("`") and word.endswith("`"):
        return word.strip("`")
    try:
        return float(word) if "." in word else int(word)
    except ValueError:
        return word


def test_the_configuration_page_states_the_tables_defaults():
    text = (ROOT / "docs" / "configuration.md").read_text()
    sections = {n: {s[0]: s for s in specs} for n, specs, _ in config.SECTIONS}
    seen = 0
    for row in re.findall(r"^\| (`[a-z_]+\.[a-z_]+`(?:, `[a-z_.]+`)*) \| [^|]+ \| ([^|]+) \|",
                          text, re.M):
        for name in re.findall(r"`([a-z_.]+)`", row[0]):
            sec, field = name.split(".")
            spec = sections[sec][field]
            seen += 1
            if name == "sinric.firmware_version":  # the version is written in one place
                assert spec[2] == VERSION and "VERSION" in row[1], row
            elif name not in DERIVED:
                assert _doc_value(row[1]) == spec[2], (name, row[1], spec[2])
    assert seen == sum(len(s) for s in sections.values()), seen
    types = dict(config_types.TYPES)
    for t, fields in re.findall(r"^\| `([a-z]+)` \| [^|]+ \| ([^|]+) \|$", text, re.M):
        if t == "type":
            continue
        specs = {s[0]: s for s in types.pop(t)}
        for field, paren in re.findall(r"`([a-z_]+)` \(([^)]*)\)", fields):
            assert _doc_value(paren.replace(" Hz", "").replace(" °C", "")) == \
                specs[field][2], (t, field, paren)
    assert types == {}, sorted(types)  # every type has its row
