# Canonical JSON: the byte form that survives JSON.stringify(JSON.parse(text)) unchanged,
# and that CPython and MicroPython produce identically (docs/sinricpro.md §4.3).
# Keys sorted, compact separators, whole floats as integers, no exponent form,
# inf/nan refused, JS-style string escapes, non-ASCII left as UTF-8.
import json
import re
import sys

_INF = float("inf")
_ESCAPED = re.compile('[\x01-\x1f"\\\\]')  # what json.dumps escapes, but NUL


# What JSON cannot carry (inf, nan, a non-str key, another type) raises this: ValueError
# itself under a name, not a subclass (a class costs about 120 bytes of RAM, frozen or not).
EncodeError = ValueError


def _plain(s):
    # '%g' text -> plain decimal: '1e-05' -> '0.00001', '1e+16' -> '10000000000000000'.
    neg = s[0] == "-"
    if neg:
        s = s[1:]
    e = s.find("e")
    if e < 0:
        exp = 0
    else:
        exp = int(s[e + 1 :])
        s = s[:e]
    dot = s.find(".")
    if dot < 0:
        digits, point = s, len(s)
    else:
        digits, point = s[:dot] + s[dot + 1 :], dot
    point += exp
    if point <= 0:
        out = "0." + "0" * -point + digits
    elif point >= len(digits):
        out = digits + "0" * (point - len(digits))
    else:
        out = digits[:point] + "." + digits[point:]
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    out = out.lstrip("0") or "0"
    if out[0] == ".":
        out = "0" + out
    return "-" + out if neg and out != "0" else out


def encode_float(x):
    if x != x or x == _INF or x == -_INF:
        raise EncodeError("cannot encode %r: JSON has no inf/nan" % x)
    if x == 0:
        return "0"  # also -0.0, as JSON.stringify does
    # Shortest text that reads back as the same float at this port's float width,
    # so a float32 board and a double host agree once values are rounded.
    for p in range(1, 18):
        s = "%.*g" % (p, x)
        if float(s) == x:
            break
    return _plain(s)


def encode_str(s):
    # json.dumps escapes '"', '\\' and controls; both runtimes keep non-ASCII raw
    # (CPython with ensure_ascii=False). Only \b and \f need the JS short form.
    if "\b" in s or "\f" in s:
        return _escape_slow(s)
    return _dumps(s)


def _bare(s):
    # True when s needs no escape: _encode then writes it between quotes as it is, with no
    # new string (a response has a dozen keys and strings; each dumps() was an allocation).
    # A regex scans in C and allocates nothing when nothing matches (NUL kept out of it).
    return _ESCAPED.search(s) is None and "\x00" not in s


def _escape_slow(s):
    out = ['"']
    for c in s:
        if c == "\b":
            out.append("\\b")
        elif c == "\f":
            out.append("\\f")
        else:
            out.append(_dumps(c)[1:-1])
    out.append('"')
    return "".join(out)


try:
    json.dumps("é", ensure_ascii=False)

    def _dumps(s):
        return json.dumps(s, ensure_ascii=False)

except TypeError:  # MicroPython: no ensure_ascii, already leaves UTF-8 alone
    _dumps = json.dumps


if sys.implementation.name == "micropython":  # a str is a buffer: extend copies its UTF-8
    _put = bytearray.extend
else:  # CPython

    def _put(out, s):
        out.extend(s.encode() if isinstance(s, str) else s)


def encode_into(v, out):
    """Append the canonical JSON of v to out (a bytearray) as UTF-8; raises EncodeError
    (a ValueError) for what JSON cannot carry, with out then holding a partial text.

    Plain keys and strings are copied in as they are (no new string), the punctuation
    around them in one piece; a one-key object is not sorted (no list): a signed response
    written into a reused buffer allocates next to nothing here.
    """
    if v is None:
        _put(out, "null")
    elif v is True:
        _put(out, "true")
    elif v is False:
        _put(out, "false")
    elif isinstance(v, str):
        if _bare(v):
            _put(out, '"')
            _put(out, v)
            _put(out, '"')
        else:
            _put(out, encode_str(v))
    elif isinstance(v, int):
        _put(out, str(v))
    elif isinstance(v, float):
        _put(out, encode_float(v))
    elif isinstance(v, dict):
        sep = '{"'
        for k in (v if len(v) < 2 else sorted(v)):
            if not isinstance(k, str):
                raise EncodeError("object key %r is not a string" % (k,))
            x = v[k]
            if _bare(k):
                _put(out, sep)
                _put(out, k)
                if isinstance(x, str) and _bare(x):
                    _put(out, '":"')
                    _put(out, x)
                    _put(out, '"')
                    sep = ',"'
                    continue
                _put(out, '":')
            else:
                _put(out, sep[:-1])
                _put(out, encode_str(k))
                _put(out, ":")
            encode_into(x, out)
            sep = ',"'
        _put(out, "}" if sep == ',"' else "{}")
    elif isinstance(v, (list, tuple)):
        _put(out, "[")
        first = True
        for item in v:
            if not first:
                _put(out, ",")
            first = False
            encode_into(item, out)
        _put(out, "]")
    else:
        raise EncodeError("cannot encode %s" % type(v).__name__)


def dumps(value):
    """Canonical JSON text (str) of value."""
    out = bytearray()
    encode_into(value, out)
    return str(out, "utf-8")
