# switch and dimmer: requests -> pins and responses, button -> events, power-on policy.
from fakehw import Board, snapshot
from support import raises

ON_OFF = "devices.capabilities.on_off"
RANGE = "devices.capabilities.range"
SWITCH = {"name": "lamp", "type": "switch", "sinric_id": "5dc1564130aaaaaaaaaaaa01",
          "yango_id": "lamp", "relay": 5, "button": 0}
DIMMER = {"name": "dim", "type": "dimmer", "yango_id": "dim", "pwm": 12, "freq": 500,
          "button": 14, "button_active_low": False, "debounce_ms": 20}


def test_switch_request_drives_the_relay_and_reports():
    b = Board()
    sw = b.make(SWITCH)
    assert b.level(5) == 0 and sw.saved() == {"on": False}
    assert sw.handle("setPowerState", {"state": "On"}, None) == {"state": "On"}
    assert b.level(5) == 1
    assert b.out.yango_reports == [("lamp", ON_OFF, "on", True)] and b.out.changes == 1
    assert b.out.sinric_events == []  # the response carries it
    assert sw.handle("setPowerState", {"state": "On"}, None) == {"state": "On"}
    assert b.out.changes == 1  # nothing changed, nothing to persist
    assert sw.handle("setPowerState", {"state": "Off"}, None) == {"state": "Off"}
    assert b.level(5) == 0 and sw.yango_state() == [(ON_OFF, "on", False)]


def test_switch_active_low_relay():
    b = Board()
    sw = b.make(dict(SWITCH, relay_active_low=True))
    assert b.level(5) == 1
    sw.handle("setPowerState", {"state": "On"}, None)
    assert b.level(5) == 0


def test_bad_values_raise_before_any_pin_moves():
    b = Board()
    sw = b.make(SWITCH)
    dim = b.make(DIMMER)
    before = snapshot()
    for dev, action, value in (
            (sw, "setPowerState", {"state": "on"}), (sw, "setPowerState", {}),
            (sw, "setPowerState", {"state": True}), (dim, "setPowerLevel", {"powerLevel": 101}),
            (dim, "setPowerLevel", {"powerLevel": "50"}), (dim, "setPowerLevel", {}),
            (dim, "setPowerLevel", {"powerLevel": True}),
            (dim, "setPowerLevel", {"powerLevel": float("nan")}),
            (dim, "adjustPowerLevel", {"powerLevelDelta": -101}),
            (dim, "adjustPowerLevel", {"powerLevel": 5})):
        with raises(ValueError, match=action):
            dev.handle(action, value, None)
    with raises(ValueError, match="object"):
        sw.handle("setPowerState", "On", None)
    assert snapshot() == before and b.out.changes == 0 and b.out.yango_reports == []


def test_unknown_action_is_not_handled():
    b = Board()
    sw = b.make(SWITCH)
    assert sw.handle("setPowerLevel", {"powerLevel": 5}, None) is None
    assert sw.handle("restore", {"on": True}, None) is None  # only do_ methods are actions
    assert sw.handle("__init__", {}, None) is None
    assert b.level(5) == 0


def test_bouncing_button_toggles_once_and_sends_the_event():
    b = Board()
    sw = b.make(SWITCH)
    b.press(sw, 0, bounces=5)
    assert b.level(5) == 1
    assert b.out.sinric_events == [("lamp", "setPowerState", {"state": "On"},
                                    "PHYSICAL_INTERACTION")]
    assert b.out.yango_reports == [("lamp", ON_OFF, "on", True)] and b.out.changes == 1
    b.press(sw, 0, bounces=5)
    assert b.level(5) == 0 and b.out.sinric_events[-1][2] == {"state": "Off"}
    assert len(b.out.sinric_events) == 2


def test_power_on_policy():
    for policy, saved, level in (("off", {"on": True}, 0), ("on", None, 1),
                                 ("on", {"on": False}, 1), ("restore", {"on": True}, 1),
                                 ("restore", {"on": False}, 0), ("restore", None, 0),
                                 (None, {"on": True}, 0)):
        b = Board()
        cfg = dict(SWITCH)
        if policy:
            cfg["power_on"] = policy
        sw = b.make(cfg, saved)
        assert b.level(5) == level, (policy, saved)
        assert sw.saved() == {"on": bool(level)}


def test_corrupt_saved_state_is_logged_and_ignored():
    for saved in ({"on": True, "level": "x"}, {"level": 500, "on": True}, {"junk": 1}):
        b = Board()
        dim = b.make(dict(DIMMER, power_on="restore"), saved)
        assert b.pin(12).duty_u16 == 0 and dim.level == 100
        assert "saved state ignored" in b.logs[0]


def test_dimmer_power_and_level():
    b = Board()
    dim = b.make(DIMMER)
    assert b.pin(12).mode == "pwm" and b.pin(12).freq == 500 and b.pin(12).duty_u16 == 0
    assert dim.handle("setPowerLevel", {"powerLevel": 40}, None) == {"powerLevel": 40}
    assert b.pin(12).duty_u16 == 0  # still off: the level is kept for "on"
    dim.handle("setPowerState", {"state": "On"}, None)
    assert b.pin(12).duty_u16 == 26214
    assert dim.handle("adjustPowerLevel", {"powerLevelDelta": -25}, None) == {"powerLevel": 15}
    assert dim.handle("adjustPowerLevel", {"powerLevelDelta": -25}, None) == {"powerLevel": 0}
    assert b.pin(12).duty_u16 == 0
    assert dim.handle("adjustPowerLevel", {"powerLevelDelta": 100}, None) == {"powerLevel": 100}
    assert dim.handle("setPowerLevel", {"powerLevel": 33.6}, None) == {"powerLevel": 34}
    assert b.out.yango_reports[0] == ("dim", RANGE, "brightness", 40)
    assert dim.yango_state() == [(ON_OFF, "on", True), (RANGE, "brightness", 34)]
    assert dim.saved() == {"on": True, "level": 34}


def test_dimmer_button_active_high_and_restore():
    b = Board()
    dim = b.make(dict(DIMMER, power_on="restore"), {"on": True, "level": 50})
    assert b.pin(12).duty_u16 == 32768
    b.press(dim, 14, bounces=3, active_low=False)
    assert b.pin(12).duty_u16 == 0
    assert b.out.sinric_events == [("dim", "setPowerState", {"state": "Off"},
                                    "PHYSICAL_INTERACTION")]


def test_yango_entries():
    from firmware.devices.discovery import entry

    b = Board()
    e = entry(b.make(dict(SWITCH, room="Hall")), "Hall")  # the room as firmware.services keeps it
    assert e == {"id": "lamp", "name": "lamp", "type": "devices.types.switch", "room": "Hall",
                 "capabilities": [{"type": ON_OFF, "retrievable": True, "reportable": True}],
                 "properties": []}
    e = entry(b.make(DIMMER))
    assert e["type"] == "devices.types.light"
    assert e["capabilities"][1] == {
        "type": RANGE, "retrievable": True, "reportable": True,
        "parameters": {"instance": "brightness", "unit": "unit.percent", "random_access": True,
                       "range": {"min": 0, "max": 100, "precision": 1}}}
    no_yango = dict(SWITCH)
    del no_yango["yango_id"]
    assert entry(b.make(no_yango)) is None
