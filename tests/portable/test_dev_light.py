# light: RGB and tunable-white PWM, brightness, colour, colour temperature.
from fakehw import Board, snapshot
from support import raises

COLOR = "devices.capabilities.color_setting"
RGBW = {"name": "strip", "type": "light", "yango_id": "strip", "red": 25, "green": 26,
        "blue": 27, "warm": 32, "cold": 33, "button": 0}
RGB = {"name": "rgb", "type": "light", "yango_id": "rgb", "red": 25, "green": 26, "blue": 27}
CW = {"name": "cw", "type": "light", "yango_id": "cw", "warm": 32, "cold": 33}


def duties(b, *gpios):
    return tuple(b.pin(g).duty_u16 for g in gpios)


def test_colour_then_white_on_an_rgbw_strip():
    b = Board()
    lt = b.make(RGBW)
    assert duties(b, 25, 26, 27, 32, 33) == (0, 0, 0, 0, 0)
    lt.handle("setPowerState", {"state": "On"}, None)
    assert duties(b, 25, 26, 27) == (0, 0, 0) and b.pin(32).duty_u16 > b.pin(33).duty_u16
    r = lt.handle("setColor", {"color": {"r": 255, "g": 0, "b": 51}}, None)
    assert r == {"color": {"r": 255, "g": 0, "b": 51}}
    assert duties(b, 25, 26, 27, 32, 33) == (65535, 0, 13107, 0, 0)
    assert lt.handle("setBrightness", {"brightness": 50}, None) == {"brightness": 50}
    assert duties(b, 25, 26, 27) == (32768, 0, 6554)
    r = lt.handle("setColorTemperature", {"colorTemperature": 7000}, None)
    assert r == {"colorTemperature": 7000}
    assert duties(b, 25, 26, 27, 32, 33) == (0, 0, 0, 0, 32768)
    assert lt.handle("adjustBrightness", {"brightnessDelta": -80}, None) == {"brightness": 0}
    assert duties(b, 32, 33) == (0, 0)
    rep = [r[2:] for r in b.out.yango_reports]
    assert rep == [("on", True), ("rgb", 0xFF0033), ("brightness", 50), ("temperature_k", 7000),
                   ("brightness", 0)]
    assert isinstance(rep[1][1], int) and isinstance(rep[3][1], int)


def test_colour_temperature_steps_through_alexas_values():
    b = Board()
    lt = b.make(CW)
    assert lt.handle("increaseColorTemperature", {}, None) == {"colorTemperature": 4000}
    assert lt.handle("increaseColorTemperature", {}, None) == {"colorTemperature": 5500}
    assert lt.handle("increaseColorTemperature", {}, None) == {"colorTemperature": 7000}
    assert lt.handle("increaseColorTemperature", {}, None) == {"colorTemperature": 7000}
    lt.handle("setColorTemperature", {"colorTemperature": 3000}, None)
    assert lt.handle("decreaseColorTemperature", {}, None) == {"colorTemperature": 2700}
    assert lt.handle("decreaseColorTemperature", {}, None) == {"colorTemperature": 2200}
    assert lt.handle("decreaseColorTemperature", {}, None) == {"colorTemperature": 2200}
    lt.handle("setPowerState", {"state": "On"}, None)
    assert duties(b, 32, 33) == (65535, 0)


def test_rgb_only_light_mixes_white_from_rgb():
    b = Board()
    lt = b.make(dict(RGB, power_on="on"))
    assert duties(b, 25, 26, 27) == (65535, 65535, 65535)  # colour white until asked for K
    lt.handle("setColorTemperature", {"colorTemperature": 2200}, None)
    warm = duties(b, 25, 26, 27)
    assert warm[0] > warm[1] > warm[2] > 0
    lt.handle("setColorTemperature", {"colorTemperature": 7000}, None)
    cold = duties(b, 25, 26, 27)
    assert cold[2] > warm[2] and cold[0] < warm[0]


def test_bad_values_move_nothing():
    b = Board()
    lt = b.make(dict(RGBW, power_on="on"))
    cw = b.make(CW)
    before = snapshot()
    for dev, action, value in (
            (lt, "setColor", {"color": {"r": 256, "g": 0, "b": 0}}),
            (lt, "setColor", {"color": {"r": 1, "g": 2}}), (lt, "setColor", {"color": "red"}),
            (lt, "setColor", {"color": {"r": -1, "g": 0, "b": 0}}),
            (lt, "setBrightness", {"brightness": -1}), (lt, "setBrightness", {}),
            (lt, "adjustBrightness", {"brightnessDelta": "5"}),
            (lt, "setColorTemperature", {"colorTemperature": 1000}),
            (lt, "setColorTemperature", {"colorTemperature": None}),
            (cw, "setColor", {"color": {"r": 1, "g": 2, "b": 3}})):
        with raises(ValueError, match=action):
            dev.handle(action, value, None)
    assert snapshot() == before and b.out.yango_reports == []


def test_restore_and_button():
    b = Board()
    saved = {"on": True, "brightness": 20, "color": [0, 255, 0], "kelvin": 4000, "white": False}
    lt = b.make(dict(RGBW, power_on="restore"), saved)
    assert lt.saved() == saved
    assert duties(b, 25, 26, 27, 32, 33) == (0, 13107, 0, 0, 0)
    b.press(lt, 0, bounces=4)
    assert duties(b, 25, 26, 27) == (0, 0, 0)
    assert b.out.sinric_events == [("strip", "setPowerState", {"state": "Off"},
                                    "PHYSICAL_INTERACTION")]
    b2 = Board()
    lt = b2.make(dict(RGBW, power_on="restore"), dict(saved, kelvin=99999))
    assert lt.brightness == 100 and "saved state ignored" in b2.logs[0]


def test_yango_discovery_and_state():
    from firmware.devices.discovery import entry

    b = Board()
    caps = entry(b.make(RGBW))["capabilities"]
    assert caps[2] == {"type": COLOR, "retrievable": True, "reportable": True, "parameters": {
        "color_model": "rgb", "temperature_k": {"min": 2200, "max": 7000}}}
    lt = b.make(CW)
    assert "color_model" not in entry(lt)["capabilities"][2]["parameters"]
    assert lt.yango_state()[2] == (COLOR, "temperature_k", 2700)
    lt = b.make(RGB)
    lt.handle("setColor", {"color": {"r": 1, "g": 2, "b": 3}}, None)
    assert lt.yango_state()[2] == (COLOR, "rgb", 0x010203)
