# Yango discovery: the entry each device declares (id, name, type, room, capabilities and
# properties: docs/yango.md §2.2, §3, §4). Only the Yango factory needs it, once at boot, so
# it is not part of the device classes: firmware.services imports it to declare the devices
# and unloads it after (a description kept in each class cost its methods' objects for good).
#
# The built-in types are described by their config type name (dev.type) and the state the
# device has (an RGB light, a garage with a contact). A type of your own describes itself
# with yango_caps() and/or yango_props() methods returning lists built with cap() and
# event_prop() below; without them a Powered type declares on_off and nothing else.
from firmware.devices.base import COLOR, EVENT, FLOAT, MODE, ON_OFF, RANGE, Powered

_OPEN = ("opened", "closed")


def cap(type_, parameters=None, retrievable=True):
    """A Yango capability or property for discovery (always reportable: we push changes)."""
    d = {"type": type_, "retrievable": retrievable, "reportable": True}
    if parameters:
        d["parameters"] = parameters
    return d


def percent_range(instance):
    return cap(RANGE, {"instance": instance, "unit": "unit.percent", "random_access": True,
                       "range": {"min": 0, "max": 100, "precision": 1}})


def event_prop(instance, values, retrievable=True):
    events = []
    for v in values:
        events.append({"value": v})
    return cap(EVENT, {"instance": instance, "events": events}, retrievable)


def describe(dev):
    """(capabilities, properties) of dev: lists of Yango discovery dicts."""
    t = dev.type
    caps = [cap(ON_OFF)] if isinstance(dev, Powered) or t == "garage" else []
    props = []
    if t == "dimmer" or t == "light":
        caps.append(percent_range("brightness"))
    if t == "light":
        p = {"temperature_k": {"min": 2200, "max": 7000}}
        if dev.rgb:
            p["color_model"] = "rgb"
        caps.append(cap(COLOR, p))
    elif t == "blinds":
        caps.append(percent_range("open"))
    elif t == "thermostat":
        caps.append(cap(RANGE, {"instance": "temperature", "unit": "unit.temperature.celsius",
                                "random_access": True,
                                "range": {"min": dev.min_target, "max": dev.max_target,
                                          "precision": 0.5}}))
        caps.append(cap(MODE, {"instance": "thermostat", "modes": [
            {"value": "heat"}, {"value": "auto"}, {"value": "eco"}]}))
    if t == "temperature" or t == "thermostat":
        props = [cap(FLOAT, {"instance": "temperature", "unit": "unit.temperature.celsius"}),
                 cap(FLOAT, {"instance": "humidity", "unit": "unit.percent"})]
    elif t == "motion" or t == "contact":
        props = [event_prop(dev.instance, dev.events)]
    elif t == "doorbell":
        props = [event_prop("button", ("click",), False)]  # momentary: never in a query
    elif t == "lock" or t == "garage" and dev.contact:
        props = [event_prop("open", _OPEN)]
    f = getattr(dev, "yango_caps", None)
    if f is not None:
        caps = f()
    f = getattr(dev, "yango_props", None)
    if f is not None:
        props = f()
    return caps, props


def entry(dev, room=None):
    """dev's Yango discovery dict, or None when it has no yango_id. room: its config's
    `room` (str) or None (firmware/services.py keeps the rooms until the devices run)."""
    if not dev.yango_id:
        return None
    caps, props = describe(dev)
    e = {"id": dev.yango_id, "name": dev.name,
         "type": getattr(dev, "yango_type", "devices.types.other"),
         "capabilities": caps, "properties": props}
    if room:
        e["room"] = room
    return e
