# Strict check of whole Yango discovery entries (any dict, not only builder output): the
# discovery tool, the Yango double and the tests run entries through it (host side; it
# runs on MicroPython too, but the board never needs it). Each item is re-run through
# its tools/yango/discovery builder, which holds the rules.
from yango.payloads import COLOR, EVENT, FLOAT, MODE, ON_OFF, RANGE, TOGGLE, VIDEO

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
from tools.yango.vocab import FLOAT_UNITS, lookup


def _keys(d, allowed, what):
    if not isinstance(d, dict):
        raise ValueError("%s must be an object" % what)
    for k in d:
        if not isinstance(k, str) or (" %s " % k) not in allowed:
            raise ValueError("%s: unknown field %r" % (what, k))


def _list(d, key, sub):
    v = d.get(key)
    if not isinstance(v, list):
        raise ValueError("%s must be a list" % key)
    out = []
    for x in v:
        if not isinstance(x, dict) or sub not in x:
            raise ValueError("%s items must be {%s: ...}" % (key, sub))
        out.append(x[sub])
    return out


def _item(c):
    _keys(c, " type retrievable reportable parameters ", "item")
    t = c.get("type")
    p = c.get("parameters", {})
    _keys(p, " instance unit random_access range split color_model temperature_k color_scene"
          " modes events protocols ", "parameters")
    r = c.get("retrievable", True)
    rep = c.get("reportable", False)
    inst = p.get("instance")
    if t == ON_OFF:
        on_off_cap(p.get("split", False), r, rep)
    elif t == TOGGLE:
        toggle_cap(inst, r, rep)
    elif t == RANGE:
        rg = p.get("range")
        if rg is not None:
            _keys(rg, " min max precision ", "range")
            if "min" not in rg or "max" not in rg:
                raise ValueError("range needs min and max")
        else:
            rg = {}
        range_cap(inst, rg.get("min"), rg.get("max"), rg.get("precision"), p.get("unit"),
                  p.get("random_access", True), r, rep)
    elif t == COLOR:
        tk = p.get("temperature_k")
        if tk is not None:
            _keys(tk, " min max ", "temperature_k")
            tk = (tk.get("min"), tk.get("max"))
        sc = p.get("color_scene")
        if sc is not None:
            _keys(sc, " scenes ", "color_scene")
            sc = _list(sc, "scenes", "id")
        color_cap(p.get("color_model"), tk, sc, r, rep)
    elif t == MODE:
        mode_cap(inst, _list(p, "modes", "value"), r, rep)
    elif t == FLOAT:
        if "unit" not in p and lookup(FLOAT_UNITS, inst):
            raise ValueError("unit is required for %s" % inst)
        float_prop(inst, p.get("unit"), r, rep)
    elif t == EVENT:
        event_prop(inst, _list(p, "events", "value"), r, rep)
    elif t == VIDEO:
        if r is not False or rep is not False or p != {"protocols": ["hls"]}:
            raise ValueError("video_stream must be retrievable/reportable false, protocols hls")
    else:
        raise ValueError("unknown type %r" % (t,))


def check_entry(e):
    """The entry itself if it is a valid discovery entry, else ValueError naming the field."""
    _keys(e, " id name description room type custom_data capabilities properties"
          " device_info ", "device entry")
    what = "device %r" % (e.get("id"),)
    for key, prefix in (("capabilities", "devices.capabilities."),
                        ("properties", "devices.properties.")):
        items = e.get(key, [])
        if not isinstance(items, list):
            raise ValueError("%s: %s must be a list" % (what, key))
        for i, c in enumerate(items):
            try:
                if isinstance(c, dict) and not str(c.get("type")).startswith(prefix):
                    raise ValueError("%s is not one of the %s" % (c.get("type"), key))
                _item(c)
            except ValueError as x:
                raise ValueError("%s %s[%d]: %s" % (what, key, i, x)) from None
    if not str(e.get("type")).startswith("devices.types."):
        raise ValueError("%s: unknown type %r (use devices.types.*)" % (what, e.get("type")))
    device_entry(e.get("id"), e.get("name"), e.get("type"), e.get("capabilities", ()),
                 e.get("properties", ()))
    for k in ("room", "description"):
        if k in e and not isinstance(e[k], str):
            raise ValueError("%s: %s must be a string" % (what, k))
    if "custom_data" in e:
        from canonical_json import dumps

        if len(dumps(e["custom_data"]).encode()) > 1024:
            raise ValueError("%s: custom_data is over 1024 bytes" % what)
    if "device_info" in e:
        info = e["device_info"]
        _keys(info, " manufacturer model hw_version sw_version ", what + " device_info")
        for k in info:
            if not isinstance(info[k], str):
                raise ValueError("%s: device_info.%s must be a string" % (what, k))
    return e
