"""The Yango double judges with its own vocabulary (tools/yango_oracle.py, from docs/yango.md),
never with the project's Yango code: a word the firmware gets wrong must be refused."""

import ast

import pytest
import yango.payloads as yango_payloads
from mpy import ROOT

import tools.yango.vocab as fw
from tools import yango_oracle as spec
from tools.yango_server import Invalid, check_value

EVENT = "devices.properties.event"


def test_neither_the_double_nor_its_vocabulary_imports_the_projects_yango_code():
    lib = {p.stem for p in (ROOT / "lib").rglob("*.py")} | {"vocab", "discovery", "yango"}
    for name in ("yango_oracle.py", "yango_server.py"):
        text = (ROOT / "tools" / name).read_text()
        mods = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[-1] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods.update(node.module.split("."))
        assert not mods & lib, (name, mods & lib)
        assert "sys.path.insert" not in text


def _table(words):
    return {w.split(":")[0]: (w.split(":")[1].split("|") if w.split(":")[1] else [])
            for w in words.split()}


def test_the_firmware_vocabulary_says_what_the_spec_says():
    # each side written on its own from docs/yango.md: any difference is a mistake in one of them
    assert set(fw.SCENES.split()) == spec.SCENES
    assert set(fw.MODE_VALUES.split()) == spec.MODE_VALUES
    assert set(fw.MODE_INSTANCES.split()) == set(spec.MODE_INSTANCES)
    assert set(fw.TOGGLE_INSTANCES.split()) == set(spec.TOGGLE_INSTANCES)
    assert _table(fw.RANGE_UNITS) == spec.RANGE_UNITS
    assert _table(fw.FLOAT_UNITS) == spec.FLOAT_UNITS
    assert _table(fw.EVENT_VALUES) == spec.EVENT_VALUES


def test_a_wrong_event_word_in_the_firmware_is_refused_by_the_double():
    # a firmware declaring and sending "opend" passes its own checks ...
    decl = {"type": EVENT, "parameters": {"instance": "open",
                                          "events": [{"value": "opend"}]}}
    assert yango_payloads.normalize(EVENT, "open", decl["parameters"], "opend") == "opend"
    assert [(t, i) for t, i, _k in yango_payloads.pairs(decl)] == spec.declared_pairs(decl)
    # ... and the double, judging from the spec, refuses it
    with pytest.raises(Invalid, match="not an event of open"):
        check_value(EVENT, "open", "opend", "payload.devices[0]")
    check_value(EVENT, "open", "opened", "payload.devices[0]")


@pytest.mark.parametrize("decl,pairs", [
    ({"type": "devices.capabilities.on_off"}, [("devices.capabilities.on_off", "on")]),
    ({"type": "devices.capabilities.color_setting",
      "parameters": {"color_model": "hsv", "temperature_k": {"min": 2700, "max": 6500},
                     "color_scene": {"scenes": [{"id": "night"}]}}},
     [("devices.capabilities.color_setting", i) for i in ("hsv", "temperature_k", "scene")]),
    ({"type": "devices.capabilities.video_stream", "parameters": {"protocols": ["hls"]}}, []),
    ({"type": "devices.properties.float",
      "parameters": {"instance": "co2_level", "unit": "unit.ppm"}},
     [("devices.properties.float", "co2_level")]),
])
def test_declared_pairs_agree_with_the_firmware(decl, pairs):
    assert spec.declared_pairs(decl) == pairs
    assert [(t, i) for t, i, _k in yango_payloads.pairs(decl)] == pairs
