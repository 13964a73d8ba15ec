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


def _one(v, values):
    if isinstance(v, str) and v in values:
        return v
    raise ValueError("%r is not declared" % (v,))


def normalize(t, inst, p, v):
    """The value to send for (t, inst) under the declared parameters p, or ValueError."""
    if t == ON_OFF or t == TOGGLE:  # before rules(): no object per on/off report
        return check(t, inst, None, v)
    return check(t, inst, rules(t, inst, p), v)


def check(t, inst, r, v):
    """normalize() with the parameters already reduced by rules(t, inst, p) to r."""
    if t == ON_OFF or t == TOGGLE:
        if v is True or v is False or v in (0, 1) and type(v) is int:
            return v == 1
        raise ValueError("%r is not a boolean" % (v,))
    if t == RANGE:
        return _num(v, r[0], r[1]) if r else _num(v)
    if t == FLOAT:
        return _num(v, None if inst == "temperature" else 0,
                    100 if inst in ("battery_level", "food_level", "humidity", "water_level")
                    else None)
    if t == EVENT or t == MODE:
        return _one(v, r)
    if t == COLOR:
        if inst == "rgb":
            if _num(v, digits=None) != v or not 0 <= v <= 0xFFFFFF:
                raise ValueError("rgb %r is not an int 0..16777215" % (v,))
            return int(v)
        if inst == "temperature_k":
            return _num(v, r[0], r[1], None)
        if inst == "hsv" and isinstance(v, dict):
            return {"h": _num(v.get("h"), 0, 360, None), "s": _num(v.get("s"), 0, 100, None),
                    "v": _num(v.get("v"), 0, 100, None)}
        if inst == "scene":
            return _one(v, r)
    raise ValueError("cannot report %s %s %r" % (t, inst, v))
