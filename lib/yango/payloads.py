# Yango declarations: the (type, instance) pairs a declared capability/property provides,
# and what a value check needs of its parameters (rules); the checks themselves are
# yango.values (resident). Needed while devices are declared: yango.state imports it then,
# and the firmware unloads it after its Yango factory has declared them.
from yango.values import (  # noqa: F401 - the names of yango.values, here as well
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
    check,
)

VIDEO = "devices.capabilities.video_stream"


def pairs(decl):
    """[(type, instance, kind)] provided by one declared capability/property dict."""
    t = decl["type"]
    p = decl.get("parameters") or {}
    if t == ON_OFF:
        return [(t, "on", K_CAP)]
    if t == COLOR:
        out = [(t, p["color_model"], K_CAP)] if p.get("color_model") in ("rgb", "hsv") else []
        if p.get("temperature_k"):
            out.append((t, "temperature_k", K_CAP))
        if p.get("color_scene"):
            out.append((t, "scene", K_CAP))
        return out
    if t == VIDEO:
        return []  # never reported
    i = p.get("instance")
    if not isinstance(i, str) or t[:8] != "devices.":
        raise ValueError("%r: no parameters.instance" % t)
    if t == EVENT:
        return [(t, i, K_MOMENT if i in ("button", "vibration") else K_EVENT)]
    if t == FLOAT:
        return [(t, i, K_FLOAT)]
    if t[:21] == "devices.capabilities.":
        return [(t, i, K_CAP)]
    raise ValueError("unknown type %r" % t)


def _values(items, key):
    # the declared values (events, modes, scenes) as a tuple: what a report is checked against
    if not isinstance(items, (list, tuple)):
        return ()
    return tuple(it.get(key) if isinstance(it, dict) else None for it in items)


def _get(d, key):
    return d.get(key) if isinstance(d, dict) else None


def rules(t, inst, p):
    """What check() needs of the declared parameters p for (t, inst): None, (min, max) of a
    range or a colour temperature, or the tuple of declared values (events, modes, scenes).
    A slot keeps this instead of p, whose dicts and lists would stay on the heap for good
    (about 100 bytes a declared range or event on a 32-bit board)."""
    if t == RANGE:
        r = _get(p, "range")
        lo, hi = _get(r, "min"), _get(r, "max")
        return None if lo is None and hi is None else (lo, hi)
    if t == EVENT or t == MODE:
        return _values(_get(p, "events" if t == EVENT else "modes"), "value")
    if t == COLOR:
        if inst == "temperature_k":
            k = _get(p, "temperature_k")
            if not isinstance(k, dict):
                k = {}
            return (k.get("min", 2000), k.get("max", 9000))
        if inst == "scene":
            return _values(_get(_get(p, "color_scene"), "scenes"), "id")
    return None


def normalize(t, inst, p, v):
    """The value to send for (t, inst) under the declared parameters p, or ValueError."""
    if t == ON_OFF or t == TOGGLE:  # before rules(): no object per on/off report
        return check(t, inst, None, v)
    return check(t, inst, rules(t, inst, p), v)
