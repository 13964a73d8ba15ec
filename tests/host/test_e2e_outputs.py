"""End to end, outputs: switch, dimmer, light, blinds, doorbell on one simulated board
(DEMO_HEAP) against the Sinric Pro and Yango doubles: request -> pins and a signed,
canonical response; button -> event; a bad value, a tampered and an unsigned request move
nothing. The doubles check every message: server.problems and yango.violations stay empty."""

import pytest
from e2e_rig import checked, sid

SWITCH, DIMMER, LIGHT, BLINDS, BELL = (sid(n) for n in range(1, 6))
DEVICES = [
    {"name": "lamp", "type": "switch", "sinric_id": SWITCH, "yango_id": "lamp", "relay": 5,
     "button": 0, "debounce_ms": 30},
    {"name": "dimmer", "type": "dimmer", "sinric_id": DIMMER, "yango_id": "dimmer", "pwm": 12,
     "button": 14, "debounce_ms": 30},
    {"name": "strip", "type": "light", "sinric_id": LIGHT, "yango_id": "strip", "red": 25,
     "green": 26, "blue": 27, "warm": 32, "cold": 33},
    {"name": "blinds", "type": "blinds", "sinric_id": BLINDS, "yango_id": "blinds", "up": 18,
     "down": 19, "travel_ms": 600},
    {"name": "bell", "type": "doorbell", "sinric_id": BELL, "yango_id": "bell", "button": 17,
     "debounce_ms": 30},
]
FULL = 65535


@pytest.fixture(scope="module")
def rig():
    yield from checked(DEVICES)


def ok(resp, value):
    assert resp["success"] is True, resp
    assert resp["message"] == "OK"
    assert resp["value"] == value
    return resp


def refused(resp, message=None):
    assert resp["success"] is False, resp
    if message is not None:
        assert resp["message"] == message
    return resp


def duty(rig, gpio):
    return rig.board.get(gpio)["duty_u16"]


def test_switch_request_button_event_and_yango(rig):
    ok(rig.request(SWITCH, "setPowerState", {"state": "On"}), {"state": "On"})
    assert rig.board.get(5)["value"] == 1
    rig.wait_yango("lamp", "on_off", "on", True)
    m = rig.events_mark()
    rig.board.press(0)
    e = rig.wait_event(SWITCH, "setPowerState", m)
    assert e["value"] == {"state": "Off"} and e["cause"] == {"type": "PHYSICAL_INTERACTION"}
    assert rig.board.get(5)["value"] == 0
    rig.wait_yango("lamp", "on_off", "on", False)
    assert rig.sinric.problems == []


def test_switch_bad_value_moves_nothing(rig):
    before = rig.board.get(5)["value"]
    r = refused(rig.request(SWITCH, "setPowerState", {"state": "Maybe"}))
    assert "setPowerState" in r["message"] and "state" in r["message"]
    assert rig.board.get(5)["value"] == before
    refused(rig.request(SWITCH, "setPowerState", {"state": 1}))
    assert rig.board.get(5)["value"] == before


def test_tampered_and_unsigned_requests_move_nothing(rig):
    assert rig.board.get(5)["value"] == 0
    r = rig.request(SWITCH, "setPowerState", {"state": "Off"}, tamper={"state": "On"})
    refused(r, "Signature is invalid")
    assert rig.board.get(5)["value"] == 0
    r = rig.request_unsigned(SWITCH, "setPowerState", {"state": "On"})
    refused(r, "Signature is invalid")
    assert rig.board.get(5)["value"] == 0
    # the refusals are signed responses too: the double verified them
    assert rig.sinric.problems == []


def test_dimmer_level_to_pwm_button_and_yango(rig):
    ok(rig.request(DIMMER, "setPowerState", {"state": "On"}), {"state": "On"})
    ok(rig.request(DIMMER, "setPowerLevel", {"powerLevel": 40}), {"powerLevel": 40})
    assert abs(duty(rig, 12) - 0.4 * FULL) < FULL / 100
    ok(rig.request(DIMMER, "adjustPowerLevel", {"powerLevelDelta": -15}), {"powerLevel": 25})
    assert abs(duty(rig, 12) - 0.25 * FULL) < FULL / 100
    rig.wait_yango("dimmer", "range", "brightness", 25)
    rig.wait_yango("dimmer", "on_off", "on", True)
    refused(rig.request(DIMMER, "setPowerLevel", {"powerLevel": 140}))
    assert abs(duty(rig, 12) - 0.25 * FULL) < FULL / 100
    r = rig.request(DIMMER, "setPowerLevel", {"powerLevel": 25}, tamper={"powerLevel": 90})
    refused(r, "Signature is invalid")
    assert abs(duty(rig, 12) - 0.25 * FULL) < FULL / 100
    m = rig.events_mark()
    rig.board.press(14)
    rig.wait_event(DIMMER, "setPowerState", m, {"state": "Off"})
    assert duty(rig, 12) == 0
    rig.wait_yango("dimmer", "on_off", "on", False)


def test_light_colour_temperature_brightness_and_yango_integers(rig):
    ok(rig.request(LIGHT, "setPowerState", {"state": "On"}), {"state": "On"})
    ok(rig.request(LIGHT, "setColor", {"color": {"r": 255, "g": 0, "b": 0}}),
       {"color": {"r": 255, "g": 0, "b": 0}})
    p = rig.pins(25, 26, 27, 32, 33)
    assert p[25]["duty_u16"] == FULL and p[26]["duty_u16"] == 0 and p[27]["duty_u16"] == 0
    assert p[32]["duty_u16"] == 0 and p[33]["duty_u16"] == 0
    s = rig.wait_yango("strip", "color_setting", "rgb", 0xFF0000)
    assert type(s["value"]) is int
    ok(rig.request(LIGHT, "setColorTemperature", {"colorTemperature": 2200}),
       {"colorTemperature": 2200})
    p = rig.pins(25, 32, 33)
    assert p[25]["duty_u16"] == 0 and p[32]["duty_u16"] == FULL and p[33]["duty_u16"] == 0
    s = rig.wait_yango("strip", "color_setting", "temperature_k", 2200)
    assert type(s["value"]) is int
    ok(rig.request(LIGHT, "setBrightness", {"brightness": 50}), {"brightness": 50})
    assert abs(duty(rig, 32) - FULL / 2) < FULL / 100
    rig.wait_yango("strip", "range", "brightness", 50)
    refused(rig.request(LIGHT, "setBrightness", {"brightness": 101}))
    refused(rig.request(LIGHT, "setColor", {"color": {"r": 300, "g": 0, "b": 0}}))
    assert abs(duty(rig, 32) - FULL / 2) < FULL / 100 and duty(rig, 25) == 0


def test_blinds_run_to_the_end_and_stop(rig):
    refused(rig.request(BLINDS, "setRangeValue", {"rangeValue": -5}))
    assert rig.board.get(18)["value"] == 0 and rig.board.get(19)["value"] == 0
    ok(rig.request(BLINDS, "setRangeValue", {"rangeValue": 100}), {"rangeValue": 100})
    assert rig.board.get(18)["value"] == 1 and rig.board.get(19)["value"] == 0
    rig.wait_yango("blinds", "range", "open", 100)
    rig.wait_pin(18, lambda p: p["value"] == 0)  # travel plus the end-stop overrun
    assert rig.board.get(19)["value"] == 0
    ok(rig.request(BLINDS, "setRangeValue", {"rangeValue": 0}), {"rangeValue": 0})
    rig.wait_pin(19, lambda p: p["value"] == 1)  # after the reversal pause
    assert rig.board.get(18)["value"] == 0
    ok(rig.request(BLINDS, "setPowerState", {"state": "Off"}), {"state": "Off"})
    assert rig.board.get(18)["value"] == 0 and rig.board.get(19)["value"] == 0


def test_doorbell_press_event_and_yango_click(rig):
    ok(rig.request(BELL, "setPowerState", {"state": "On"}), {"state": "On"})
    m = rig.events_mark()
    n = len(rig.yango.states)
    rig.board.press(17)
    e = rig.wait_event(BELL, "DoorbellPress", m)
    assert e["value"] == {"state": "pressed"}
    assert e["cause"] == {"type": "PHYSICAL_INTERACTION"}
    rig.yango.wait_for(lambda y: any(s["device"] == "bell" and s["value"] == "click"
                                     for s in y.states[n:]), 20)
