# Yango state values: the (type, instance) pairs a declared capability/property provides,
# and the value rules of docs/yango.md §3-§4 and §7: ints where the API decodes ints (rgb,
# temperature_k), floats clamped to the instance range and rounded to 2 decimals,
# booleans as booleans, strings only from the declared set.
ON_OFF = "devices.capabilities.on_off"
COLOR = "devices.capabilities.color_setting"
MODE = "devices.capabilities.mode"
RANGE = "devices.capabilities.range"
TOGGLE = "devices.capabilities.toggle"
VIDEO = "devices.capabilities.video_stream"
FLOAT = "devices.properties.float"
EVENT = "devices.properties.event"

# kinds, as the notifier treats them
K_CAP = 0  # capability: 1 s flush window
K_FLOAT = 1  # float property: 1 s window, hourly heartbeat
K_EVENT = 2  # stateful event (open, motion, ...): at once, only on a change
K_MOMENT = 3  # momentary event (button, vibration): at once, every time, 10 s life


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


def _num(v, lo=None, hi=None, digits=2):
    # a finite number, clamped, rounded (digits None: to an int)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v - v != 0:
        raise ValueError("%r is not a finite number" % (v,))
    if lo is not None and v < lo:
        v = lo
    if hi is not None and v > hi:
        v = hi
    v = round(v, digits) if digits else int(round(v))
    return int(v) if v == int(v) else v  # 21.0 -> 21: the same JSON, one float less


def _one(v, items, key):
    for it in items or ():
        if isinstance(v, str) and it.get(key) == v:
            return v
    raise ValueError("%r is not declared" % (v,))


def normalize(t, inst, p, v):
    """The value to send for (t, inst) under the declared parameters p, or ValueError."""
    if t == ON_OFF or t == TOGGLE:  # before p's empty dict: no object per on/off report
        if v is True or v is False or v in (0, 1) and type(v) is int:
            return v == 1
        raise ValueError("%r is not a boolean" % (v,))
    p = p or {}
    if t == RANGE:
        r = p.get("range") or {}
        return _num(v, r.get("min"), r.get("max"))
    if t == FLOAT:
        return _num(v, None if inst == "temperature" else 0,
                    100 if inst in ("battery_level", "food_level", "humidity", "water_level")
                    else None)
    if t == EVENT or t == MODE:
        return _one(v, p.get("events" if t == EVENT else "modes"), "value")
    if t == COLOR:
        if inst == "rgb":
            if _num(v, digits=None) != v or not 0 <= v <= 0xFFFFFF:
                raise ValueError("rgb %r is not an int 0..16777215" % (v,))
            return int(v)
        if inst == "temperature_k":
            k = p.get("temperature_k") or {}
            return _num(v, k.get("min", 2000), k.get("max", 9000), None)
        if inst == "hsv" and isinstance(v, dict):
            return {"h": _num(v.get("h"), 0, 360, None), "s": _num(v.get("s"), 0, 100, None),
                    "v": _num(v.get("v"), 0, 100, None)}
        if inst == "scene":
            return _one(v, (p.get("color_scene") or {}).get("scenes"), "id")
    raise ValueError("cannot report %s %s %r" % (t, inst, v))
