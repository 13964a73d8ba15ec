"""The board's validator (firmware/config*.py) and the host's JSON Schema agree: the same
fields per device type and section, the same numeric ranges, so a config `make config`
accepts is never refused by the board, and the other way round."""

import json

from mpy import ROOT

from firmware import config, config_types

SCHEMA = json.loads((ROOT / "config.schema.json").read_text())
DEFS = SCHEMA["$defs"]


def resolve(prop):
    while "$ref" in prop:
        extra = {k: v for k, v in prop.items() if k != "$ref"}
        prop = dict(DEFS[prop["$ref"].rsplit("/", 1)[1]], **extra)
    return prop


def bounds(prop):
    p = resolve(prop)
    lo = p.get("minimum", p.get("exclusiveMinimum"))
    return lo, p.get("maximum")


def check_specs(specs, props, where):
    assert {s[0] for s in specs} == set(props), where
    for spec in specs:
        name, kind = spec[0], spec[1]
        if kind in (config.INT, config.NUM):
            assert tuple(spec[3:5]) == bounds(props[name]), "%s.%s" % (where, name)
            assert "exclusiveMinimum" not in resolve(props[name]), "%s.%s" % (where, name)


def test_device_types_match_the_schema():
    common = DEFS["device"]["properties"]
    assert set(config_types.TYPES) == set(DEFS["device"]["properties"]["type"]["enum"])
    for t, specs in config_types.TYPES.items():
        props = dict(common, **DEFS[t]["properties"])
        check_specs(config_types.COMMON + specs, props, t)


def test_sections_match_the_schema():
    for name, specs, required in config.SECTIONS:
        props = SCHEMA["properties"][name]["properties"]
        check_specs(specs, props, name)
        assert (name in SCHEMA["required"]) == required, name
