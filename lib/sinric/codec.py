# Sinric Pro message codec (docs/sinricpro.md §3-§7): verify and parse what the server sends,
# build signed responses and events. Hardware-free; the secret lives in an HmacSha256.
import json
import sys

from canonical_json import encode_into
from hmac_sha256 import HmacSha256, equal

_PAYLOAD = b'"payload":'
_SIGNATURE = b',"signature"'
_TS_PREFIX = b'{"timestamp":'
# What the server sends around the payload, byte for byte (the envelope we sign too): checked
# by comparison, so a request allocates no JSON objects for them. Any other form is parsed.
_HEAD = b'{"header":{"payloadVersion":2,"signatureVersion":1},"payload":'
_SIG_HEAD = b',"signature":{"HMAC":"'
_SIG_TAIL = b'"}}'
_SIG_LEN = 44  # base64 of a SHA-256 digest
_TYPES = ("request", "response", "event")
# payload field -> required type; str fields are checked for str, int for non-bool int
_STR_FIELDS = ("action", "type", "deviceId", "replyToken", "clientId", "scope", "instanceId")


# What a MessageError is about (its .kind), the start of its text: one class for every codec
# error, not a class per kind (about 120 bytes of RAM each, frozen or not).
NOT_JSON = "not JSON"
MISSING_PAYLOAD = "missing payload"
MISSING_SIGNATURE = "missing signature"
BAD_SIGNATURE = "signature is invalid"
BAD_FIELD = "bad field"


class MessageError(ValueError):
    """Every codec error: .kind is one of the kinds above; str(err) is a one-line reason
    fit for the log ("bad field: createdAt missing")."""

    def __init__(self, kind, detail=""):
        super().__init__(kind + (": " + detail if detail else ""))
        self.kind = kind


def as_bytes(raw):
    """raw (str, bytes or bytearray) as bytes-like: a str encoded (UTF-8), else raw itself."""
    if isinstance(raw, str):
        return raw.encode()
    return raw


# MicroPython parses a view: the payload is not copied out of the frame (CPython: not)
_VIEW_JSON = sys.implementation.name == "micropython"


def loads(text, what, start=0, end=None, view=None):
    """JSON of text[start:end] (bytes). Straight to json.loads when it has too few brackets to
    nest deeper than json_input.MAX_DEPTH and no escaped surrogate; otherwise json_input
    parses it, loaded only then: hostile text is rare, RAM is not. what names the part in
    errors; None parses leniently (json_input.loads), only to address a refusal. view: a
    memoryview of text[start:end] the caller made already. MessageError NOT_JSON or BAD_FIELD
    (too deep, a lone surrogate: json_input) on bad text."""
    if end is None:
        end = len(text)
    if text.count(b"[", start, end) + text.count(b"{", start, end) <= 10 \
            and text.find(b"\\ud", start, end) < 0 and text.find(b"\\uD", start, end) < 0:
        try:
            if not _VIEW_JSON:
                view = text[start:end]
            elif view is None:
                view = memoryview(text)[start:end]
            return json.loads(view)
        except (ValueError, UnicodeError):
            raise MessageError(NOT_JSON, what) from None
    try:  # pairs decoded, nesting bounded before the parser spends the heap
        import json_input

        return json_input.loads(text[start:end], 10, what is None)
    except ValueError as e:  # too deep, a lone surrogate, bad syntax: answered if it can be
        raise MessageError(BAD_FIELD, "%s: %s" % (what, e)) from None
    finally:
        json_input = None
        sys.modules.pop("json_input", None)


def _text_buffer():
    # An empty bytearray with room for a usual message: grown piece by piece from nothing it
    # would be reallocated a dozen times, leaving holes in a small heap.
    b = bytearray(512)
    b[0:] = b""
    return b


def _object(text, what):
    # The one check of an envelope part that is not in its usual form (the signature part,
    # the header): parsed as JSON; the object, or None when the JSON is no object
    # (MicroPython's json reads '["x"}' as a list).
    obj = loads(text, what)
    return obj if isinstance(obj, dict) else None


def parse_timestamp(raw):
    """Unix seconds from the server's {"timestamp":N} frame, or None if raw is not one."""
    raw = as_bytes(raw)
    if not raw.startswith(_TS_PREFIX) or len(raw) > 40:
        return None
    try:
        obj = json.loads(raw)
    except ValueError:
        return None
    ts = obj.get("timestamp") if isinstance(obj, dict) else None
    if isinstance(ts, int) and not isinstance(ts, bool) and ts > 0 and len(obj) == 1:
        return ts
    return None


class Codec:
    def __init__(self, app_secret, uuid4=None):
        if not app_secret:
            raise ValueError("empty app secret")
        self._mac = HmacSha256(app_secret)
        # the base64 of the last signature computed, written in place: binascii's would be a
        # new bytes object per HMAC, two a request
        self._b64 = bytearray(_SIG_LEN)
        self._uuid4 = uuid4 or make_uuid4

    # -- incoming ---------------------------------------------------------------------
    def verify(self, raw):
        """Check the signature over the raw payload bytes, then parse.

        Returns the payload dict; raises a MessageError subclass for every bad form.
        """
        raw = as_bytes(raw)
        start = raw.find(_PAYLOAD)
        if start < 0:
            if raw[:1] != b"{":
                raise MessageError(NOT_JSON, "does not start with '{'")
            raise MessageError(MISSING_PAYLOAD)
        start += len(_PAYLOAD)
        # Last occurrence: a string inside the payload may itself contain ',"signature"'.
        end = raw.rfind(_SIGNATURE)
        if end < start:
            raise MessageError(MISSING_SIGNATURE)
        h = end + len(_SIG_HEAD)
        # the HMAC of the payload bytes as they came, read in place (no copy)
        body = memoryview(raw)[start:end]
        mac = self._b64
        self._mac.b64_into(body, mac)
        if len(raw) == h + _SIG_LEN + len(_SIG_TAIL) and raw.startswith(_SIG_HEAD, end) \
                and raw.endswith(_SIG_TAIL) and raw.find(b'"', h, h + _SIG_LEN) < 0 \
                and raw.find(b"\\", h, h + _SIG_LEN) < 0:
            ok = equal(mac, raw, h, _SIG_LEN)  # the usual form: compared where it lies
        else:
            tail = _object(b"{" + raw[end + 1 :], "signature part")
            sig = tail.get("signature") if tail is not None else None
            hmac = sig.get("HMAC") if isinstance(sig, dict) else None
            if not isinstance(hmac, str) or not hmac:
                raise MessageError(MISSING_SIGNATURE, "no signature.HMAC string")
            ok = equal(mac, hmac)
        if not ok:
            raise MessageError(BAD_SIGNATURE)
        head = b"{" if start == len(_HEAD) and raw.startswith(_HEAD) else \
            raw[: start - len(_PAYLOAD)]  # the usual header is not parsed
        if head != b"{":
            if head[-1:] != b",":
                raise MessageError(NOT_JSON, "envelope")
            env = _object(head[:-1] + b"}", "header")
            if env is None:
                raise MessageError(NOT_JSON, "envelope")
            header = env.get("header")
            if header is not None and (
                not isinstance(header, dict) or header.get("signatureVersion", 1) != 1
            ):
                raise MessageError(BAD_FIELD, "unsupported header %r" % (header,))
        payload = loads(raw, "payload", start, end, body)
        check_payload(payload)
        return payload

    # -- outgoing ---------------------------------------------------------------------
    # Messages are written into a bytearray the caller gives (the WebSocket's reused send
    # buffer), signed over the payload bytes in place: no text object, list or dict is made
    # for them. The str-returning forms below serve everyone else.
    def _sign_tail(self, out, start):
        # the HMAC of out[start:], the payload just written, then the signature part
        mac = self._b64
        self._mac.b64_into(memoryview(out)[start:], mac)
        out.extend(_SIG_HEAD)
        out.extend(mac)
        out.extend(_SIG_TAIL)

    def sign_into(self, out, payload):
        """Append the signed envelope of payload (a dict) to out (a bytearray). Raises
        ValueError (canonical_json.EncodeError) for what JSON cannot carry; on any error
        out keeps its length."""
        mark = len(out)
        try:
            out.extend(_HEAD)
            encode_into(payload, out)
            self._sign_tail(out, mark + len(_HEAD))
        except Exception as e:  # EncodeError, MemoryError (the signature's too): out as it was
            # CPython: frames in the traceback hold the signature's view of out, which keeps
            # out from shrinking (BufferError): dropped first
            e.__traceback__ = None
            out[mark:] = b""
            raise

    def sign(self, payload):
        """Envelope text (str) for payload: encoded once, signed, spliced verbatim."""
        out = _text_buffer()
        self.sign_into(out, payload)
        return str(out, "utf-8")

    def response_into(self, out, request, created_at, success=True, message="OK", value=None):
        """Append the signed response to a verified request payload to out (a bytearray).
        value: dict or None ({}); raises ValueError if JSON cannot carry it, MemoryError if
        the heap ran out (out unchanged either way).
        The payload's keys are written in canonical (sorted) order directly, no dict."""
        mark = len(out)
        try:
            out.extend(_HEAD)
            out.extend(b'{"action":')
            encode_into(request.get("action", ""), out)
            out.extend(b',"clientId":')
            encode_into(request.get("clientId", ""), out)
            out.extend(b',"createdAt":')
            encode_into(created_at, out)
            if "deviceId" in request:
                out.extend(b',"deviceId":')
                encode_into(request["deviceId"], out)
            if "instanceId" in request:
                out.extend(b',"instanceId":')
                encode_into(request["instanceId"], out)
            out.extend(b',"message":')
            encode_into(message, out)
            out.extend(b',"replyToken":')
            encode_into(request.get("replyToken", ""), out)
            out.extend(b',"scope":')
            encode_into(request.get("scope", "device"), out)
            out.extend(b',"success":true,"type":"response","value":' if success else
                       b',"success":false,"type":"response","value":')
            if value is None:
                out.extend(b"{}")
            else:
                encode_into(value, out)
            out.extend(b"}")
            # inside the try: a signature that ran out of heap left the payload in out, and
            # the dispatcher's answer after its collect went out behind it (not JSON)
            self._sign_tail(out, mark + len(_HEAD))
        except Exception as e:  # EncodeError, MemoryError (the signature's too): out as it was
            # CPython: frames in the traceback hold the signature's view of out, which keeps
            # out from shrinking (BufferError): dropped first
            e.__traceback__ = None
            out[mark:] = b""
            raise

    def response(self, request, created_at, success=True, message="OK", value=None):
        """Signed response (str) to a verified request payload."""
        out = _text_buffer()
        self.response_into(out, request, created_at, success, message, value)
        return str(out, "utf-8")

    def event_into(self, out, action, value, created_at, device_id=None,
                   cause="PHYSICAL_INTERACTION", instance_id=None):
        """Append the signed event to out (a bytearray: the WebSocket's send buffer, so an
        event allocates no text of its own); device_id None makes a module-scope event.
        Raises ValueError if JSON cannot carry value, MemoryError if the heap ran out (out
        unchanged either way). The keys are written in canonical (sorted) order, no dict."""
        mark = len(out)
        try:
            out.extend(_HEAD)
            out.extend(b'{"action":')
            encode_into(action, out)
            out.extend(b',"cause":{"type":')
            encode_into(cause, out)
            out.extend(b'},"createdAt":')
            encode_into(created_at, out)
            if device_id is not None:
                out.extend(b',"deviceId":')
                encode_into(device_id, out)
            if instance_id is not None:
                out.extend(b',"instanceId":')
                encode_into(instance_id, out)
            out.extend(b',"replyToken":')
            encode_into(self._uuid4(), out)
            if device_id is None:
                out.extend(b',"scope":"module"')
            out.extend(b',"type":"event","value":')
            encode_into(value, out)
            out.extend(b"}")
            # inside the try, as in response_into: out keeps its length on every error
            self._sign_tail(out, mark + len(_HEAD))
        except Exception as e:  # EncodeError, MemoryError (the signature's too): out as it was
            # CPython: frames in the traceback hold the signature's view of out, which keeps
            # out from shrinking (BufferError): dropped first
            e.__traceback__ = None
            out[mark:] = b""
            raise

    def event(self, action, value, created_at, device_id=None, cause="PHYSICAL_INTERACTION",
              instance_id=None):
        """Signed event (str); device_id None makes a module-scope event."""
        out = _text_buffer()
        self.event_into(out, action, value, created_at, device_id, cause, instance_id)
        return str(out, "utf-8")


def check_payload(p):
    if not isinstance(p, dict):
        raise MessageError(BAD_FIELD, "payload is not an object")
    for k in _STR_FIELDS:
        if k in p and not isinstance(p[k], str):
            raise MessageError(BAD_FIELD, "%s must be a string" % k)
    for k in ("action", "type", "createdAt"):
        if k not in p:
            raise MessageError(BAD_FIELD, "%s missing" % k)
    if p["type"] not in _TYPES:
        raise MessageError(BAD_FIELD, "type %r unknown" % p["type"])
    t = p["createdAt"]
    if not isinstance(t, int) or isinstance(t, bool) or t <= 0:
        raise MessageError(BAD_FIELD, "createdAt must be a positive integer")
    if "value" in p and not isinstance(p["value"], dict):
        raise MessageError(BAD_FIELD, "value must be an object")
    if p["type"] == "request" and "replyToken" not in p:
        raise MessageError(BAD_FIELD, "replyToken missing")


def make_uuid4(urandom=None):
    if urandom is None:
        import os

        urandom = os.urandom
    b = bytearray(urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = "".join("%02x" % x for x in b)
    return "-".join((h[:8], h[8:12], h[12:16], h[16:20], h[20:]))
