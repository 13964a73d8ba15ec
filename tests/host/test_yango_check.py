from support import raises

from tools.yango.discovery import (
    color_cap,
    device_entry,
    event_prop,
    float_prop,
    mode_cap,
    on_off_cap,
    range_cap,
    toggle_cap,
)
from tools.yango_check import check_entry


def full():
    return device_entry(
        "hall", "Hall", "thermostat",
        [on_off_cap(), range_cap("temperature", 5, 35, 0.5), mode_cap("thermostat", ["heat"]),
         color_cap("hsv", (2700, 6500), ["night"]), toggle_cap("backlight"),
         range_cap("channel", random_access=False)],
        [float_prop("temperature"), float_prop("humidity"), event_prop("button", ["click"]),
         float_prop("meter")],
        room="Hall", description="d", custom_data={"gpio": 5},
        device_info={"manufacturer": "DIY", "model": "m", "sw_version": "1"})


def test_builder_output_passes():
    e = full()
    assert check_entry(e) is e
    check_entry({"id": "v", "name": "cam", "type": "devices.types.camera", "capabilities": [
        {"type": "devices.capabilities.video_stream", "retrievable": False,
         "reportable": False, "parameters": {"protocols": ["hls"]}}]})


def variant(path, value):
    e = full()
    d = e
    for k in path[:-1]:
        d = d[k]
    if value is KeyError:
        del d[path[-1]]
    else:
        d[path[-1]] = value
    return e


CASES = [
    (["color"], "red", "unknown field 'color'"),
    (["type"], "devices.types.toaster", "unknown type"),
    (["type"], "thermostat", "unknown type"),
    (["name"], "", "name"),
    (["room"], 5, "room must be a string"),
    (["custom_data"], {"x": "y" * 1100}, "over 1024"),
    (["device_info", "vendor"], "x", "unknown field 'vendor'"),
    (["device_info", "model"], 2, "device_info.model"),
    (["capabilities"], {}, "must be a list"),
    (["capabilities", 0, "retrievable"], "yes", "capabilities[0]"),
    (["capabilities", 0, "colour"], 1, "unknown field 'colour'"),
    (["capabilities", 1, "parameters", "unit"], "unit.percent", "not valid for temperature"),
    (["capabilities", 1, "parameters", "range", "max"], 1, "min < max"),
    (["capabilities", 1, "parameters", "range", "max"], KeyError, "range needs min and max"),
    (["capabilities", 1, "parameters", "instance"], "speed", "unknown instance"),
    (["capabilities", 2, "parameters", "modes", 0, "value"], "warm", "unknown mode"),
    (["capabilities", 2, "parameters", "modes"], [], "non-empty"),
    (["capabilities", 3, "parameters", "temperature_k", "min"], 2700.0, "integer min"),
    (["capabilities", 3, "parameters", "color_model"], "cmyk", "color_model"),
    (["capabilities", 3, "parameters", "color_scene", "scenes", 0, "id"], "disco", "scene"),
    (["capabilities", 4, "parameters", "instance"], "turbo", "toggle instance"),
    (["capabilities", 0, "type"], "devices.capabilities.teleport", "unknown type"),
    (["capabilities", 0, "type"], "devices.properties.float", "not one of the capabilities"),
    (["properties", 0, "parameters", "unit"], KeyError, "unit is required"),
    (["properties", 1, "parameters", "unit"], "unit.ppm", "not valid for humidity"),
    (["properties", 2, "parameters", "events", 0, "value"], "hold", "unknown button event"),
    (["properties", 2, "reportable"], False, "needs reportable"),
    (["properties", 2, "parameters", "instance"], "doorbell", "unknown event instance"),
    (["properties", 0], "temperature", "must be an object"),
]


def test_each_bad_field_is_named():
    for path, value, text in CASES:
        with raises(ValueError, match=text):
            check_entry(variant(path, value))
            print("accepted", path, value)


def test_not_an_object():
    for bad in (None, [], "x"):
        with raises(ValueError):
            check_entry(bad)
