# Yango state values at run time: the value rules of docs/yango.md §3-§4 and §7 a report is
# checked against (ints where the API decodes ints (rgb, temperature_k), floats clamped to
# the instance range and rounded to 2 decimals, booleans as booleans, strings only from the
# declared set), with what yango.payloads.rules() kept of each declaration. Resident; the
# declarations' own code (yango.payloads) is needed only while devices are declared.
ON_OFF = "devices.capabilities.on_off"
COLOR = "devices.capabilities.color_setting"
MODE = "devices.capabilities.mode"
RANGE = "devices.capabilities.range"
TOGGLE = "devices.capabilities.toggle"
FLOAT = "devices.properties.float"
EVENT = "devices.properties.event"

# kinds, as the notifier treats them
K_CAP = 0  # capability: 1 s flush window
K_FLOAT = 1  # float property: 1 s window, hourly heartbeat
K_EVENT = 2  # stateful event (open, motion, ...): at once, only on a change
K_MOMENT = 3  # momentary event (button, vibration): at once, every time, 10 s life


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


def _one(v, values):
    if isinstance(v, str) and v in values:
        return v
    raise ValueError("%r is not declared" % (v,))


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
