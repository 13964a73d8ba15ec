"""Shared bits of the simulated-board tests: a small valid config and a board factory."""

import copy

from tools.sim.run import FAST, SimBoard

BASE = {
    "wifi": {"ssid": "home", "password": "secret-123", "hostname": "sim-node", "timeout_s": 5},
    "board": {"status_led": 2, "watchdog_s": 0, "state_write_interval_s": 60},
    "devices": [{"name": "lamp", "type": "switch", "yango_id": "lamp", "relay": 5}],
}


def config(**board):
    cfg = copy.deepcopy(BASE)
    cfg["board"].update(board)
    return cfg


def board(cfg="base", svc="", module="simsvc", **kw):
    """A SimBoard running the test services named in svc (tests/host/simsvc.py, or the
    module named); cfg None means no config.json at all."""
    kw.setdefault("knobs", FAST)
    return SimBoard(config() if cfg == "base" else cfg, preload=[module] if svc else [],
                    extra_path=["tests/host"], env={"SIMSVC": svc}, **kw)
