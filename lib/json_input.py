# JSON text from the network, parsed safely on both runtimes (RFC 8259 §7, §9).
#
# MicroPython's json.loads (py/modjson.c) turns each \uXXXX escape into that code point's
# UTF-8 bytes on its own, so a surrogate pair "\ud83d\ude00" becomes two 3-byte sequences
# (CESU-8): a str that is not valid UTF-8, which a later echo sends as an invalid text frame
# (the server closes with 1007). CPython joins the pair but keeps a lone surrogate as a str
# that cannot be encoded. Here a pair becomes the raw UTF-8 of its character before parsing,
# and a lone surrogate is refused (or, for addressing a refusal only, replaced by U+FFFD).
#
# Nesting costs the parser heap per level (MicroPython: MemoryError at ~1,600 levels in a
# 38 KB heap, before any answer could be built): the depth is bounded on the raw text first.
import json

MAX_DEPTH = 10  # a Sinric envelope needs 5 (envelope, payload, value, color/bands, item)
_REPLACEMENT = b"\xef\xbf\xbd"  # U+FFFD


class TooDeep(ValueError):
    pass


class LoneSurrogate(ValueError):
    pass


def loads(raw, max_depth=MAX_DEPTH, lenient=False):
    """Parse JSON text raw (bytes, bytearray or str) into Python values.

    Surrogate-pair escapes become the real character. Raises TooDeep when arrays/objects
    nest deeper than max_depth, LoneSurrogate for an unpaired \\uD800-\\uDFFF escape, and
    ValueError for anything else json.loads refuses. lenient=True (for reading the
    addressing fields of a request that is refused anyway): containers deeper than
    max_depth read as None and a lone surrogate as U+FFFD, so only syntax errors raise.
    """
    if isinstance(raw, str):
        raw = raw.encode()
    elif not isinstance(raw, bytes):  # a bytearray (the link's receive buffer): its bytes,
        raw = bytes(raw)  # as the pieces below are joined as bytes
    raw = _bound(raw, max_depth, lenient)
    if b"\\ud" in raw or b"\\uD" in raw:
        raw = _pairs(raw, lenient)
    return json.loads(raw)


def _bound(b, max_depth, prune):
    # Cheap in C first: fewer brackets than the bound cannot nest deeper than it.
    if b.count(b"[") + b.count(b"{") <= max_depth:
        return b
    out = []
    last = i = depth = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c == 0x22:  # '"': skip the string, escapes included
            i = _string_end(b, i)
            continue
        if c == 0x5B or c == 0x7B:  # '[' '{'
            depth += 1
            if depth > max_depth:
                if not prune:
                    raise TooDeep("nested deeper than %d levels" % max_depth)
                j = _close(b, i)
                out.append(b[last:i])
                out.append(b"null")
                last = i = j
                depth -= 1
                continue
        elif c == 0x5D or c == 0x7D:
            depth -= 1
        i += 1
    if not out:
        return b
    out.append(b[last:])
    return b"".join(out)


def _string_end(b, i):
    # index after the string that starts at b[i] == '"' (len(b) if unterminated)
    i += 1
    n = len(b)
    while i < n:
        c = b[i]
        if c == 0x5C:
            i += 2
            continue
        if c == 0x22:
            return i + 1
        i += 1
    return n


def _close(b, i):
    # index after the container that opens at b[i] (len(b) if unbalanced)
    depth = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c == 0x22:
            i = _string_end(b, i)
            continue
        if c == 0x5B or c == 0x7B:
            depth += 1
        elif c == 0x5D or c == 0x7D:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _hex4(b, i):
    try:
        return int(b[i : i + 4], 16) if len(b) >= i + 4 else None
    except ValueError:
        return None


def _pairs(b, lenient):
    # Escaped surrogates -> raw UTF-8. \u escapes occur only inside strings, so a "\u" is an
    # escape unless an odd number of backslashes precede it (then it is an escaped "\").
    out = []
    last = 0
    i = b.find(b"\\u")
    while i >= 0:
        k = i
        while k > 0 and b[k - 1] == 0x5C:
            k -= 1
        hi = None if (i - k) & 1 else _hex4(b, i + 2)
        if hi is None or not 0xD800 <= hi <= 0xDFFF:
            i = b.find(b"\\u", i + 2)
            continue
        lo = _hex4(b, i + 8) if hi < 0xDC00 and b[i + 6 : i + 8] == b"\\u" else None
        out.append(b[last:i])
        if lo is not None and 0xDC00 <= lo <= 0xDFFF:
            c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            out.append(bytes((0xF0 | c >> 18, 0x80 | (c >> 12) & 0x3F, 0x80 | (c >> 6) & 0x3F,
                              0x80 | c & 0x3F)))
            last = i + 12
        elif lenient:
            out.append(_REPLACEMENT)
            last = i + 6
        else:
            raise LoneSurrogate("lone surrogate \\u%04x in a string" % hi)
        i = b.find(b"\\u", last)
    if not out:
        return b
    out.append(b[last:])
    return b"".join(out)
