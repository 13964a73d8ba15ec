"""Sinric Pro message rules as the server double judges them, written from the spec alone.

Independent of the firmware on purpose: a double that signed and verified with lib/ would
accept any mistake the firmware makes in both directions (say a wrong HMAC pad). So this
module uses CPython's `hmac`/`hashlib`/`base64` and its own JSON.stringify-style encoder,
and imports nothing from lib/.

Follows docs/sinricpro.md §3 (envelope), §4.1 (HMAC-SHA256, base64, key = app secret as UTF-8),
§4.2 (verify the raw substring between `"payload":` and the last `,"signature"`) and §4.3
(canonical form: JSON.stringify(JSON.parse(text)) == text).
"""

import base64
import hashlib
import hmac
import json
import math
from decimal import Decimal

HEAD = '{"header":{"payloadVersion":2,"signatureVersion":1},"payload":'
TYPES = ("request", "response", "event")
STR_FIELDS = ("action", "type", "deviceId", "replyToken", "clientId", "scope", "instanceId")


class Refused(ValueError):
    """The message breaks a rule; str() is the reason ('signature is invalid', ...)."""


def hmac_b64(secret, text):
    """base64(HMAC-SHA256(secret, text)) as str; secret and text are str (UTF-8)."""
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


# -- JSON.stringify (ECMA-262 §25.5.2.2, Number::toString §6.1.6.1.20) ----------------------
def _js_number(x):
    if isinstance(x, bool):
        raise TypeError("bool is not a number")
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        return "null"  # what JSON.stringify does; never canonical for a sender
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr() gives the shortest digits that read back as x, as Number::toString needs.
    t = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, t.digits)).rstrip("0")
    n = len(t.digits) + t.exponent  # value = 0.DIGITS x 10^n
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    m = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + m + "e" + ("+" if e > 0 else "-") + str(abs(e))


_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
          "\t": "\\t"}


def _js_string(s):
    out = ['"']
    for c in s:
        o = ord(c)
        if c in _SHORT:
            out.append(_SHORT[c])
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def stringify(v):
    """JSON.stringify(v) for parsed JSON (dict keys in their order, as JS keeps them)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return _js_string(v)
    if isinstance(v, (int, float)):
        return _js_number(v)
    if isinstance(v, list):
        return "[" + ",".join(stringify(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(_js_string(k) + ":" + stringify(x) for k, x in v.items()) + "}"
    raise TypeError("not JSON: %r" % (v,))


def is_canonical(text):
    """JSON.stringify(JSON.parse(text)) == text (docs/sinricpro.md §4.3)."""
    try:
        return stringify(json.loads(text)) == text
    except ValueError:
        return False


# -- messages ----------------------------------------------------------------------------
def sign(secret, payload):
    """Envelope text for payload (dict): the payload text signed and spliced verbatim."""
    text = stringify(payload)
    return '%s%s,"signature":{"HMAC":"%s"}}' % (HEAD, text, hmac_b64(secret, text))


def payload_text(raw):
    """The raw payload substring of a message (str), or None when it cannot be found."""
    start = raw.find('"payload":')
    end = raw.rfind(',"signature"')
    if start < 0 or end < start + 10:
        return None
    return raw[start + 10 : end]


def verify(secret, raw):
    """The payload dict of a received message (str); raises Refused with the reason."""
    try:
        msg = json.loads(raw)
    except ValueError:
        raise Refused("not JSON") from None
    if not isinstance(msg, dict) or "payload" not in msg:
        raise Refused("missing payload")
    sig = msg.get("signature")
    mac = sig.get("HMAC") if isinstance(sig, dict) else None
    text = payload_text(raw)
    if not isinstance(mac, str) or not mac or text is None:
        raise Refused("missing signature")
    if not hmac.compare_digest(hmac_b64(secret, text).encode(), mac.encode()):
        raise Refused("signature is invalid")
    try:
        p = json.loads(text)
    except ValueError:
        raise Refused("payload is not JSON") from None
    if p != msg["payload"]:
        raise Refused("signed text is not the payload")
    check_fields(p)
    return p


def check_fields(p):
    """Raises Refused('bad field: ...') when a payload breaks §3's field rules."""
    def bad(why):
        raise Refused("bad field: " + why)

    if not isinstance(p, dict):
        bad("payload is not an object")
    for k in STR_FIELDS:
        if k in p and not isinstance(p[k], str):
            bad("%s must be a string" % k)
    for k in ("action", "type", "createdAt"):
        if k not in p:
            bad("%s missing" % k)
    if p["type"] not in TYPES:
        bad("type %r unknown" % p["type"])
    t = p["createdAt"]
    if type(t) is not int or t <= 0:
        bad("createdAt must be a positive integer")
    if "value" in p and not isinstance(p["value"], dict):
        bad("value must be an object")
    if p["type"] != "event" and "replyToken" not in p:
        bad("replyToken missing")
