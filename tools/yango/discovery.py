# Builders for Yango discovery descriptions (docs/yango.md §3-§5): each returns the capability
# or property dict a device declares, with the spec's defaults filled in, and raises
# ValueError for an instance, unit or value the spec does not know.
# tools/yango_check.check_entry validates whole entries (host tools, tests).
from yango.payloads import COLOR, EVENT, FLOAT, MODE, ON_OFF, RANGE, TOGGLE

from tools.yango.vocab import (
    DEVICE_TYPES,
    EVENT_VALUES,
    FLOAT_UNITS,
    MODE_INSTANCES,
    MODE_VALUES,
    RANGE_UNITS,
    SCENES,
    TOGGLE_INSTANCES,
    TYPE_PREFIX,
    known,
    lookup,
)


def _no(what, v):
    raise ValueError("%s: %r" % (what, v))


def _num(v):
    return not isinstance(v, bool) and isinstance(v, (int, float)) and v - v == 0


def _flags(t, params, retrievable, reportable):
    if not (retrievable is True or retrievable is False) \
            or not (reportable is True or reportable is False):
        _no("retrievable/reportable must be booleans", (retrievable, reportable))
    d = {"type": t, "retrievable": retrievable, "reportable": reportable}
    if params:
        d["parameters"] = params
    return d


def _unit(table, instance, unit):
    units = lookup(table, instance)
    if units is None:
        _no("unknown instance", instance)
    if unit is None:
        return units[0] if units else None
    if unit not in units:
        _no("unit not valid for %s (use %s)" % (instance, " or ".join(units) or "none"), unit)
    return unit


def _values(items, vocab, what, key="value"):
    if not isinstance(items, (list, tuple)) or not items:
        _no("%s must be a non-empty list" % what, items)
    out = []
    for v in items:
        if not (known(vocab, v) if isinstance(vocab, str) else v in vocab):
            _no("unknown " + what, v)
        if {key: v} in out:
            _no(what + " listed twice", v)
        out.append({key: v})
    return out


def on_off_cap(split=False, retrievable=True, reportable=True):
    if split is not True and split is not False:
        _no("split must be a boolean", split)
    return _flags(ON_OFF, {"split": True} if split else None, retrievable, reportable)


def toggle_cap(instance, retrievable=True, reportable=True):
    if not known(TOGGLE_INSTANCES, instance):
        _no("unknown toggle instance", instance)
    return _flags(TOGGLE, {"instance": instance}, retrievable, reportable)


def range_cap(instance, lo=None, hi=None, precision=None, unit=None, random_access=True,
              retrievable=True, reportable=True):
    """range capability; the unit defaults to the instance's, percent ranges to 0..100."""
    p = {"instance": instance}
    unit = _unit(RANGE_UNITS, instance, unit)
    if unit is not None:
        p["unit"] = unit
    if unit == "unit.percent" and lo is None and hi is None:
        lo, hi = 0, 100
    if random_access is not True:
        if random_access is not False:
            _no("random_access must be a boolean", random_access)
        p["random_access"] = False
    if lo is not None or hi is not None:
        precision = 1 if precision is None else precision
        if not (_num(lo) and _num(hi) and lo < hi):
            _no("range needs numbers min < max", (lo, hi))
        if not _num(precision) or precision <= 0:
            _no("range precision must be a positive number", precision)
        p["range"] = {"min": lo, "max": hi, "precision": precision}
    return _flags(RANGE, p, retrievable, reportable)


def color_cap(model=None, temperature_k=None, scenes=None, retrievable=True, reportable=True):
    """color_setting: model 'rgb'/'hsv', temperature_k=(min, max) int Kelvin, scenes=[ids]."""
    p = {}
    if model is not None:
        if model not in ("rgb", "hsv"):
            _no("color_model must be 'rgb' or 'hsv'", model)
        p["color_model"] = model
    if temperature_k is not None:
        lo, hi = temperature_k
        if type(lo) is not int or type(hi) is not int or not 0 < lo < hi:
            _no("temperature_k needs integer min < max", temperature_k)
        p["temperature_k"] = {"min": lo, "max": hi}
    if scenes is not None:
        p["color_scene"] = {"scenes": _values(scenes, SCENES, "scene", "id")}
    if not p:
        _no("color_setting needs a color model, temperature_k or scenes", p)
    return _flags(COLOR, p, retrievable, reportable)


def mode_cap(instance, modes, retrievable=True, reportable=True):
    if not known(MODE_INSTANCES, instance):
        _no("unknown mode instance", instance)
    p = {"instance": instance, "modes": _values(modes, MODE_VALUES, "mode")}
    return _flags(MODE, p, retrievable, reportable)


def float_prop(instance, unit=None, retrievable=True, reportable=True):
    """float property; the unit defaults to the instance's first documented unit."""
    p = {"instance": instance}
    unit = _unit(FLOAT_UNITS, instance, unit)
    if unit is not None:
        p["unit"] = unit
    if retrievable is False and reportable is not True:
        _no("retrievable: false needs reportable: true", instance)
    return _flags(FLOAT, p, retrievable, reportable)


def event_prop(instance, events=None, retrievable=None, reportable=True):
    """event property; events default to every documented value of the instance (declare
    only what the device really emits). Momentary ones (button, vibration) default to
    retrievable false: their value exists only in the moment it is pushed."""
    allowed = lookup(EVENT_VALUES, instance)
    if allowed is None:
        _no("unknown event instance", instance)
    if events is None:
        events = allowed
    if retrievable is None:
        retrievable = instance not in ("button", "vibration")
    if retrievable is False and reportable is not True:
        _no("retrievable: false needs reportable: true", instance)
    p = {"instance": instance, "events": _values(events, allowed, instance + " event")}
    return _flags(EVENT, p, retrievable, reportable)


def device_entry(id, name, type, capabilities=(), properties=(), room=None, description=None,
                 custom_data=None, device_info=None):
    """A discovery entry; type may be short ('light') or full. Checks id, name, type and
    that no (type, instance) is declared twice; the items come from the builders above."""
    if isinstance(type, str) and not type.startswith(TYPE_PREFIX):
        type = TYPE_PREFIX + type
    if not isinstance(id, str) or not id:
        _no("device id must be a non-empty string", id)
    if not isinstance(name, str) or not name.strip():
        _no("device %r: name must be a non-empty string" % id, name)
    if not isinstance(type, str) or not known(DEVICE_TYPES, type[len(TYPE_PREFIX):]):
        _no("device %r: unknown type" % id, type)
    e = {"id": id, "name": name, "type": type}
    for k, v in (("capabilities", list(capabilities)), ("properties", list(properties)),
                 ("room", room), ("description", description), ("custom_data", custom_data),
                 ("device_info", device_info)):
        if v is not None and v != []:
            e[k] = v
    from yango.payloads import pairs

    seen = []
    for d in e.get("capabilities", []) + e.get("properties", []):
        for t, inst, _k in pairs(d):
            if (t, inst) in seen:
                _no("device %r: declared twice" % id, t + " " + inst)
            seen.append((t, inst))
    if not seen and "capabilities" not in e:
        _no("device %r declares nothing to report or control" % id, e)
    return e


def discovery_reply(user_id, entries, request_id):
    """The GET /v1.0/user/devices reply body (a dict) for these discovery entries."""
    if not isinstance(user_id, str) or not user_id:
        _no("user_id must be a non-empty string", user_id)
    devices = list(entries)
    ids = [e["id"] for e in devices]
    for i, x in enumerate(ids):
        if x in ids[:i]:
            _no("device id used twice", x)
    if len(devices) > 301:
        _no("Yango takes at most 301 devices", len(devices))
    return {"request_id": str(request_id), "payload": {"user_id": user_id, "devices": devices}}
