from support import raises

from tools.yango.discovery import (
    color_cap,
    device_entry,
    discovery_reply,
    event_prop,
    float_prop,
    mode_cap,
    on_off_cap,
    range_cap,
    toggle_cap,
)
from tools.yango.vocab import FLOAT_UNITS, lookup


def test_builders_fill_spec_defaults():
    assert on_off_cap() == {"type": "devices.capabilities.on_off", "retrievable": True,
                            "reportable": True}
    assert on_off_cap(split=True, retrievable=False)["parameters"] == {"split": True}
    assert range_cap("brightness")["parameters"] == {
        "instance": "brightness", "unit": "unit.percent",
        "range": {"min": 0, "max": 100, "precision": 1}}
    t = range_cap("temperature", 5, 35, 0.5)["parameters"]
    assert t == {"instance": "temperature", "unit": "unit.temperature.celsius",
                 "range": {"min": 5, "max": 35, "precision": 0.5}}
    assert range_cap("channel", random_access=False)["parameters"] == {
        "instance": "channel", "random_access": False}
    c = color_cap("rgb", (2700, 6500))["parameters"]
    assert c == {"color_model": "rgb", "temperature_k": {"min": 2700, "max": 6500}}
    assert mode_cap("thermostat", ["heat", "auto"])["parameters"]["modes"] == [
        {"value": "heat"}, {"value": "auto"}]
    assert toggle_cap("mute")["parameters"] == {"instance": "mute"}
    assert float_prop("temperature")["parameters"]["unit"] == "unit.temperature.celsius"
    assert float_prop("meter")["parameters"] == {"instance": "meter"}
    b = event_prop("button", ["click"])
    assert b["retrievable"] is False and b["reportable"] is True
    assert event_prop("motion")["parameters"]["events"] == [
        {"value": "detected"}, {"value": "not_detected"}]
    assert event_prop("motion")["retrievable"] is True


def test_builders_reject_what_the_spec_forbids():
    bad = [
        lambda: range_cap("loudness"),
        lambda: range_cap("brightness", unit="unit.watt"),
        lambda: range_cap("brightness", 10, 5),
        lambda: range_cap("temperature", 5, 35, 0),
        lambda: color_cap(),
        lambda: color_cap("cmyk"),
        lambda: color_cap(temperature_k=(2700.0, 6500)),
        lambda: color_cap(temperature_k=(6500, 2700)),
        lambda: color_cap(scenes=["disco"]),
        lambda: mode_cap("thermostat", []),
        lambda: mode_cap("thermostat", ["warm"]),
        lambda: mode_cap("thermostat", ["heat", "heat"]),
        lambda: mode_cap("spin", ["auto"]),
        lambda: toggle_cap("turbo"),
        lambda: float_prop("speed"),
        lambda: float_prop("temperature", "unit.percent"),
        lambda: event_prop("open", ["ajar"]),
        lambda: event_prop("open", []),
        lambda: event_prop("doorbell"),
        lambda: event_prop("button", ["click"], retrievable=False, reportable=False),
        lambda: on_off_cap(retrievable=1),
    ]
    for i, f in enumerate(bad):
        with raises(ValueError):
            f()
            print("accepted case", i)


def lamp():
    return device_entry("lamp", "Lamp", "light", [on_off_cap(), range_cap("brightness", 1, 100),
                                                  color_cap("rgb", (2700, 6500))],
                        room="Hall", device_info={"manufacturer": "DIY", "model": "m"})


def test_device_entry():
    e = lamp()
    assert e["type"] == "devices.types.light" and e["room"] == "Hall"
    assert [c["type"][21:] for c in e["capabilities"]] == ["on_off", "range", "color_setting"]
    for args, text in (
            (("", "x", "light", [on_off_cap()]), "id"),
            (("x", " ", "light", [on_off_cap()]), "name"),
            (("x", "x", "toaster", [on_off_cap()]), "unknown type"),
            (("x", "x", "light", [on_off_cap(), on_off_cap()]), "declared twice"),
            (("x", "x", "light"), "declares nothing")):
        with raises(ValueError, match=text):
            device_entry(*args)
    # one instance name under two types is fine (range open + event open)
    device_entry("gate", "Gate", "openable", [range_cap("open")], [event_prop("open")])


def test_lookup_tables():
    assert lookup(FLOAT_UNITS, "pressure")[1] == "unit.pressure.mmhg"
    assert lookup(FLOAT_UNITS, "meter") == []
    assert lookup(FLOAT_UNITS, "mete") is None
    assert lookup(FLOAT_UNITS, "pm2.5_density") == ["unit.density.mcg_m3"]
    assert lookup(FLOAT_UNITS, "meter power") is None


def test_discovery_reply():
    r = discovery_reply("u-42", [lamp()], "r1")
    assert r["request_id"] == "r1" and r["payload"]["user_id"] == "u-42"
    assert [d["id"] for d in r["payload"]["devices"]] == ["lamp"]
    with raises(ValueError, match="used twice"):
        discovery_reply("u", [lamp(), lamp()], "r")
    with raises(ValueError):
        discovery_reply("", [lamp()], "r")
