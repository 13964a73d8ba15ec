from canonical_json import dumps
from support import raises
from yango.payloads import (
    COLOR,
    EVENT,
    FLOAT,
    K_CAP,
    K_EVENT,
    K_FLOAT,
    K_MOMENT,
    MODE,
    ON_OFF,
    RANGE,
    TOGGLE,
    normalize,
    pairs,
)

BRIGHT = {"instance": "brightness", "unit": "unit.percent",
          "range": {"min": 1, "max": 100, "precision": 1}}
COLORP = {"color_model": "rgb", "temperature_k": {"min": 2700, "max": 6500}}


def test_pairs_per_declaration():
    assert pairs({"type": ON_OFF}) == [(ON_OFF, "on", K_CAP)]
    assert pairs({"type": COLOR, "parameters": COLORP}) == [
        (COLOR, "rgb", K_CAP), (COLOR, "temperature_k", K_CAP)]
    assert pairs({"type": COLOR, "parameters": {"color_model": "hsv",
                                                "color_scene": {"scenes": [{"id": "night"}]}}}) \
        == [(COLOR, "hsv", K_CAP), (COLOR, "scene", K_CAP)]
    assert pairs({"type": RANGE, "parameters": BRIGHT}) == [(RANGE, "brightness", K_CAP)]
    assert pairs({"type": FLOAT, "parameters": {"instance": "humidity"}}) == [
        (FLOAT, "humidity", K_FLOAT)]
    assert pairs({"type": EVENT, "parameters": {"instance": "open"}}) == [
        (EVENT, "open", K_EVENT)]
    assert pairs({"type": EVENT, "parameters": {"instance": "button"}}) == [
        (EVENT, "button", K_MOMENT)]
    assert pairs({"type": "devices.capabilities.video_stream"}) == []
    with raises(ValueError):
        pairs({"type": RANGE, "parameters": {}})
    with raises(ValueError):
        pairs({"type": "devices.other.x", "parameters": {"instance": "a"}})


def test_booleans_stay_booleans():
    assert normalize(ON_OFF, "on", None, True) is True
    assert normalize(ON_OFF, "on", None, 0) is False
    assert normalize(TOGGLE, "mute", {"instance": "mute"}, 1) is True
    for bad in ("on", 2, 1.0, None, [1]):
        with raises(ValueError):
            normalize(ON_OFF, "on", None, bad)


def test_ints_where_the_api_decodes_ints():
    # docs/yango.md §7 / dext0r #577: temperature_k 3500.0 is rejected by the platform
    v = normalize(COLOR, "temperature_k", COLORP, 3500.0)
    assert v == 3500 and isinstance(v, int)
    assert dumps({"value": v}) == '{"value":3500}'
    assert normalize(COLOR, "temperature_k", COLORP, 3499.6) == 3500
    assert normalize(COLOR, "temperature_k", COLORP, 1000) == 2700  # clamped to declared
    assert normalize(COLOR, "temperature_k", COLORP, 99999) == 6500
    assert normalize(COLOR, "temperature_k", {"color_model": "rgb"}, 10000) == 9000
    v = normalize(COLOR, "rgb", COLORP, 16711680.0)
    assert v == 0xFF0000 and isinstance(v, int)
    for bad in (-1, 0x1000000, 1.5, "red", True, float("nan")):
        with raises(ValueError):
            normalize(COLOR, "rgb", COLORP, bad)
    assert normalize(COLOR, "hsv", {"color_model": "hsv"}, {"h": 400.4, "s": 50.6, "v": -3}) \
        == {"h": 360, "s": 51, "v": 0}


def test_floats_clamped_and_rounded():
    assert normalize(RANGE, "brightness", BRIGHT, 150) == 100
    assert normalize(RANGE, "brightness", BRIGHT, 0) == 1
    assert normalize(RANGE, "brightness", BRIGHT, 42.4567) == 42.46
    assert normalize(RANGE, "volume", {"instance": "volume"}, -7.5) == -7.5  # no range
    assert normalize(FLOAT, "humidity", None, 55.555) in (55.55, 55.56)  # binary float
    assert normalize(FLOAT, "humidity", None, 104) == 100
    assert normalize(FLOAT, "battery_level", None, -3) == 0
    assert normalize(FLOAT, "power", None, -0.4) == 0
    assert normalize(FLOAT, "temperature", None, -12.345) in (-12.35, -12.34)
    assert normalize(FLOAT, "temperature", None, 21.0) == 21
    assert isinstance(normalize(FLOAT, "temperature", None, 21.0), int)
    assert dumps(normalize(FLOAT, "temperature", None, 22.3456)) == "22.35"
    for bad in (float("inf"), float("nan"), "20", None, True):
        with raises(ValueError):
            normalize(FLOAT, "temperature", None, bad)


def test_strings_only_from_the_declared_set():
    ev = {"instance": "open", "events": [{"value": "opened"}, {"value": "closed"}]}
    assert normalize(EVENT, "open", ev, "opened") == "opened"
    for bad in ("ajar", "", None, 1):
        with raises(ValueError):
            normalize(EVENT, "open", ev, bad)
    modes = {"instance": "thermostat", "modes": [{"value": "heat"}, {"value": "auto"}]}
    assert normalize(MODE, "thermostat", modes, "auto") == "auto"
    with raises(ValueError):
        normalize(MODE, "thermostat", modes, "cool")
    sc = {"color_scene": {"scenes": [{"id": "night"}]}}
    assert normalize(COLOR, "scene", sc, "night") == "night"
    with raises(ValueError):
        normalize(COLOR, "scene", sc, "party")
