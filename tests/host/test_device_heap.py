"""Heap the device layer takes under -X heapsize=40wK (tests/host/mpy.py), with board-like
machine/dht stand-ins.
`pytest -s` prints the figures. Every type's Yango state must match its discovery entry."""

import json
import subprocess

from mpy import ROOT, mp_cmd, mp_env

from firmware.config_types import REQ, TYPES
from tools.board_files import compile_tree

SCRIPT = ROOT / "tests" / "host" / "mp_device_heap.py"
EVENTS = {"open": {"opened", "closed"}, "motion": {"detected", "not_detected"}}


def filled_config(tmp_path):
    """config.example.json with the type defaults filled in, as firmware.config hands the
    devices over on the board (the device classes do not restate them); filled here on the
    host so the measured heap holds only what a board has after boot."""
    cfg = json.loads((ROOT / "config.example.json").read_text())
    for d in cfg["devices"]:
        for spec in TYPES[d["type"]]:
            if spec[0] not in d and spec[2] is not REQ and spec[2] is not None:
                d[spec[0]] = spec[2]
    path = tmp_path / "filled.json"
    path.write_text(json.dumps(cfg))
    return str(path)


def measure(cwd, config, *types, extra_path=()):
    r = subprocess.run(mp_cmd(SCRIPT, config, *types), cwd=cwd,
                       env=mp_env(extra_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    return json.loads(lines[0]), [json.loads(x) for x in lines[1:]]


def declared(entry):
    out = set()
    for c in entry["capabilities"] + entry["properties"]:
        p = c.get("parameters", {})
        if c["type"].endswith("color_setting"):
            out |= {(c["type"], "rgb")} if p.get("color_model") == "rgb" else set()
            out |= {(c["type"], "temperature_k")} if "temperature_k" in p else set()
        else:
            out.add((c["type"], p.get("instance", "on")))
    return out


def check_states_match_discovery(devices):
    for entry, state in devices:
        declared_ = declared(entry)
        assert declared_, entry["id"]
        for type_, instance, value in state:
            assert (type_, instance) in declared_, (entry["id"], type_, instance)
            if type_.endswith("on_off"):
                assert value is True or value is False
            if type_.endswith("event"):
                assert value in EVENTS[instance]


def test_a_four_type_board_fits_from_source(tmp_path):
    m, devices = measure(ROOT, filled_config(tmp_path), "switch", "dimmer", "motion",
                         "temperature")
    assert m["types"] == 4 and m["tasks"] == 4
    check_states_match_discovery(devices)
    print("\n4 types (switch dimmer motion temperature) from source: %(devices)d bytes, "
          "%(free)d of %(free_at_start)d free" % m)


def test_all_eleven_types_fit_from_mpy(tmp_path):
    # From source they do not: compiling the last modules needs blocks the heap lacks then.
    compile_tree(ROOT / "firmware", tmp_path / "firmware")
    m, devices = measure(tmp_path, filled_config(tmp_path), extra_path=[str(tmp_path)])
    assert m["types"] == 11 and len(devices) == 11
    check_states_match_discovery(devices)
    print("\nall 11 types from .mpy: %(devices)d bytes + %(config)d of parsed config, "
          "%(free)d of %(free_at_start)d free" % m)
