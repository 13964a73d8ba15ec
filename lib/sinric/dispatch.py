# Incoming Sinric Pro messages (docs/sinricpro.md §6, §10): verify, refuse replays, dispatch to
# device handlers, answer every request exactly once. Synchronous and I/O-free: handle()
# takes the raw frame and returns the signed response text (or None). sinric.client owns one;
# sinric.module_requests uses only the public surface: call(), uptime_s(), log, stats,
# on_setting, health.
#
# Replays: a replyToken is remembered for as long as its request is fresh enough to be
# accepted (until createdAt + max_age_s). Forgetting one early would let its replay act
# again, so when all seen_tokens slots hold requests still inside that window the memory is
# full and a new request is REFUSED (success:false, a log line), however fast they come:
# refusing is safe (the cloud may retry), forgetting is not. The slots live in one
# preallocated bytearray (8 bytes each: the token's 30-bit hash, then the second its
# request expires, relative to _base; 0 = free), reused in arrival order: the next one is
# the oldest, and if it is still live the memory is full.
import gc
import sys

from sinric.codec import (
    BAD_FIELD,
    BAD_SIGNATURE,
    MISSING_SIGNATURE,
    Codec,
    as_bytes,
    loads,
    parse_timestamp,
)

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

# The future window (docs/sinricpro.md §5 leaves the server's tolerance open): a request stamped
# more than this ahead of the clock is refused; one less ahead moves the clock forward by that
# much, never more; a mid-session timestamp frame further off is not taken. 30 s covers a
# week of crystal drift at 50 ppm between syncs.
_AHEAD_S = const(30)


class Dispatcher:
    max_age_s = 60  # requests created longer ago than this (synced clock) are refused
    # ... and so are requests created more than _AHEAD_S ahead of it: a future createdAt
    # (milliseconds by mistake) must not move the clock (docs/sinricpro.md §5)
    # replyTokens remembered against replays, each for max_age_s after its createdAt; more
    # requests than this within max_age_s are refused (see above: never forgotten early)
    seen_tokens = 64
    on_setting = None  # callable(setting_id, value) -> value, module-scope setSetting
    health = None  # callable() -> dict merged into the module health report
    answered = None  # callable(payload): a request succeeded; its response goes out next

    def __init__(self, app_secret, clock, log):
        """clock: clock.Clock (ticks and Unix time); log: callable(str). The knobs above may
        be set on the instance before the first request."""
        self.codec = Codec(app_secret)  # its owner signs events with it
        self._clock = clock
        self.log = log
        self._handlers = {}
        self.request_client = None  # clientId of the request being handled ("portal", ...)
        self._next = 0
        self._base = None
        # the replay memory, bytearray(8 * seen_tokens): its owner may make it at boot, in a
        # compacted heap (sinric.client does); else the first request makes it
        self.tokens = None
        self._out = None  # handle()'s out while it runs
        self._hash = bytearray(4)
        self.stats = {"requests": 0, "refused": 0, "connects": 0, "reconnects": 0,
                      "failures": 0, "events": 0, "coalesced": 0, "dropped_events": 0}

    def on_request(self, device_id, handler):
        """handler(action, value, instance_id) -> dict | None, called for device_id."""
        self._handlers[device_id] = handler

    def handle(self, raw, out=None):
        """Process one received text frame (bytes or str); returns the response to send
        (str), or None. out: a bytearray (the WebSocket's send buffer) to append the response
        to instead of making a str; then out is returned when there is a response.
        A MemoryError is answered once more after a collect (the true answer when the
        handler acted, else success false); raised only when even that does not fit: the
        owner then drops the link."""
        self._out = out
        p = None
        try:
            ts = parse_timestamp(raw)
            if ts is not None:  # mid-session and unsigned: taken only close to the clock
                now = self._clock.now()
                try:
                    if now is not None and abs(ts - now) > _AHEAD_S:
                        raise ValueError("%d s off the clock" % (ts - now))
                    self._clock.sync(ts, "sinric")
                except ValueError as e:  # far off, or not Unix seconds (ms by mistake)
                    self.log("sinric: timestamp frame %d not taken: %s" % (ts, e))
                return None
            try:
                p = self.codec.verify(raw)
            except ValueError as e:  # every codec error
                self.stats["refused"] += 1
                p = _peek(raw)
                kind = getattr(e, "kind", None)  # a codec MessageError's
                if p is None or kind not in (BAD_SIGNATURE, MISSING_SIGNATURE, BAD_FIELD):
                    # bytes: raw may be the link's receive buffer (a bytearray)
                    self.log("sinric: dropped message (%s): %r"
                             % (e, bytes(as_bytes(raw)[:80])))
                    return None
                # A request we cannot trust: answer it, never act on it.
                self.log("sinric: refused %s: %s" % (_describe(p), e))
                return self._respond(p, False, str(e) if kind == BAD_FIELD
                                     else "Signature is invalid")
            if p["type"] != "request":
                self.log("sinric: ignored %s %s" % (p["type"], p["action"]))
                return None
            return self._request(p)
        except MemoryError:
            # The heap ran short mid-request: the garbage of the attempt is free again, so a
            # short refusal fits. Not a request, or even that does not fit: re-raised, and
            # the client drops the link (a request must not go unanswered on a live one).
            gc.collect()
            if not isinstance(p, dict) or p.get("type", "request") != "request":
                raise
            r = self._respond(p, False, "Device out of memory")
            self.stats["refused"] += 1
            try:  # the answer fits; the line with the request's names may not: sent anyway
                self.log("sinric: out of memory on %s: answered success false" % _describe(p))
            except MemoryError:
                self.log("sinric: out of memory on a request: answered success false")
            return r
        except Exception as e:  # a bug here must not end the connection loop
            try:
                self.log("sinric: error %s: %s" % (type(e).__name__, e))
            except MemoryError:
                self.log("sinric: error (out of memory for the details)")
        finally:
            self._out = None

    def _request(self, p):
        self.stats["requests"] += 1
        what = p  # _describe(p), the log's "action for device", only when a line is written
        token = p["replyToken"]
        h = _token_hash(token)
        clock = self._clock
        now = clock.now()
        t = p["createdAt"]
        cur = t if now is None else now  # only for _base
        if self.tokens is None:
            self.tokens = bytearray(8 * self.seen_tokens)
        slots = self.tokens
        if self._base is None:
            self._base = cur - 1  # expiry seconds are >= 1: 0 marks a free slot
        # Seconds relative to _base, at most two subtractions a request: Unix seconds are big
        # ints on a 32-bit board (past 2^30), each operation on them a heap object (32 B);
        # these differences are small ints, free to compare and add.
        rt = t - self._base  # createdAt
        # the clock (cur); the usual case, the clock reading the request's second, costs no
        # second subtraction
        rc = rt if now is None or now == t else now - self._base
        hb = self._hash  # the hash's 4 bytes, in a buffer made once (no bytes per request)
        hb[0] = h & 0xFF
        hb[1] = h >> 8 & 0xFF
        hb[2] = h >> 16 & 0xFF
        hb[3] = h >> 24
        i = slots.find(hb)  # a miss is decided in C
        while i >= 0:
            if i % 8 == 0:  # a hash is live in at most one slot
                if _u32(slots, i + 4) >= rc:
                    self.stats["refused"] += 1
                    self.log("sinric: refused %s: replayed replyToken %s"
                             % (_describe(what), token))
                    return None  # the first copy already got its one response
                _put_u32(slots, i + 4, 0)  # past its window: the slot is free
            i = slots.find(hb, i + 1)
        # Stale: older than max_age_s. Future: more than _AHEAD_S ahead; one a little ahead
        # moves the clock forward by that little (drift; ARD resyncs from every message),
        # never more. Unsynced (a Dispatcher used alone; the client waits for the timestamp
        # frame): the signed value syncs it. (rt - rc is t - now.)
        msg = None
        if now is None or t > now and rt - rc <= _AHEAD_S:
            try:
                clock.sync(t, "sinric")
                rc = rt
            except ValueError:
                msg = "Request time %r is not Unix seconds" % (t,)
        elif rc - rt > self.max_age_s:
            msg = "Request expired (%d s old)" % (rc - rt)
        elif rt - rc > _AHEAD_S:
            msg = "Request from the future (%d s ahead of the clock)" % (rt - rc)
        if msg:
            self.stats["refused"] += 1
            self.log("sinric: refused %s: %s" % (_describe(what), msg))
            return self._respond(p, False, msg)
        i = self._next * 8
        if _u32(slots, i + 4) >= rc:
            self.stats["refused"] += 1  # full: refuse, never forget
            self.log("sinric: refused %s: replay memory full (%d requests within %d s)"
                     % (_describe(what), self.seen_tokens, self.max_age_s))
            return self._respond(p, False, "Too many requests: %d within %d s"
                                 % (self.seen_tokens, self.max_age_s))
        slots[i : i + 4] = hb
        # a clock stepped back may put an expiry before _base: keep it a live, positive slot
        end = rt + self.max_age_s
        _put_u32(slots, i + 4, end if end > 0 else 1)
        self._next = (self._next + 1) % self.seen_tokens
        action = p["action"]
        value = p.get("value")
        if value is None:
            value = {}
        r = None
        if p.get("scope") == "module":
            from sinric import module_requests  # rare: loaded for this request only

            try:
                msg, r = module_requests.handle(self, action, value, what)
            finally:
                module_requests = None
                _drop("module_requests")
        else:
            h = self._handlers.get(p.get("deviceId"))
            if h is None:
                msg = "Device %s not found" % p.get("deviceId")
            else:
                self.request_client = p.get("clientId")
                # called here, not through call(): no argument and result tuples per request
                try:
                    r = h(action, value, p.get("instanceId"))
                except Exception as e:  # noqa: BLE001 - call()'s verdicts, one place each
                    ok, msg = self._failed(e, what, None, action)
                    r = None
                else:
                    if r is None:
                        msg = 'Device did not handle "%s"' % action
                    elif not isinstance(r, dict):
                        self.log("sinric: bad value from handler for %s: %r" % (_describe(p), r))
                        msg, r = 'Device failed to handle "%s"' % action, None
        if r is None:
            self.log("sinric: %s -> failed: %s" % (_describe(p), msg))
            return self._respond(p, False, msg)
        if self.answered is not None:
            self.answered(p)
        try:
            return self._respond(p, True, "OK", r)
        except MemoryError:  # the handler acted: its true answer, once its garbage is freed
            gc.collect()
            return self._respond(p, True, "OK", r)

    def call(self, fn, args, what, failed):
        """fn(*args) -> (True, result), or (False, the failure message) when fn raises:
        str(e) of a ValueError (the handler refused the value), else failed (logged, naming
        what)."""
        try:
            return True, fn(*args)
        except Exception as e:
            return self._failed(e, what, failed, args[0])

    def _failed(self, e, what, failed, action):
        if isinstance(e, ValueError):  # the handler refused the value before touching pins
            return False, str(e) or "Invalid value"
        self.log("sinric: handler for %s raised %s: %s" % (_describe(what), type(e).__name__, e))
        return False, failed or 'Device failed to handle "%s"' % action

    def uptime_s(self):
        """Seconds since boot, from the clock (wrap-safe once synced: lib/clock.uptime_s)."""
        return self._clock.uptime_s()

    def _respond(self, p, ok, msg="OK", value=None):
        now = self._clock.now() or p.get("createdAt", 0)
        out = self._out
        try:
            if out is None:
                return self.codec.response(p, now, ok, msg, value)
            self.codec.response_into(out, p, now, ok, msg, value)
        except ValueError as e:  # the handler returned a value JSON cannot carry
            self.log("sinric: bad value from handler for %s: %s" % (p.get("action"), e))
            failed = 'Device failed to handle "%s"' % p.get("action")
            if out is None:
                return self.codec.response(p, now, False, failed)
            self.codec.response_into(out, p, now, False, failed)
        return out


def _u32(b, i):
    # little-endian, read in place (a slice to int.from_bytes would be a copy); the values
    # are seconds relative to _base: small ints on a 32-bit board too
    return b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24


def _put_u32(b, i, v):
    b[i] = v & 0xFF
    b[i + 1] = v >> 8 & 0xFF
    b[i + 2] = v >> 16 & 0xFF
    b[i + 3] = v >> 24 & 0xFF


_STR_VIEW = sys.implementation.name == "micropython"  # a view of a str's UTF-8 bytes


def _token_hash(token):
    # 30 bits from two 15-bit halves: each step stays a small int on a 32-bit board (a 30-bit
    # h * 31 is a big int there: 3.7 KB allocated per request on the ESP8266 profile)
    a = b = 0
    for c in (memoryview(token) if _STR_VIEW else token.encode()):  # UTF-8 bytes, no copy
        a = (a * 31 + c) & 0x7FFF
        b = (b * 37 + c) & 0x7FFF
    return a << 15 | b


def _drop(name):
    sys.modules.pop("sinric." + name, None)
    try:  # the package holds its submodules too
        delattr(sys.modules["sinric"], name)
    except (KeyError, AttributeError):
        pass
    gc.collect()


def _peek(raw):
    # Fields of a request refused anyway, only to address the refusal; None if not a request.
    # Lenient: a value nested too deep reads as null, a lone surrogate as U+FFFD.
    try:
        try:
            p = loads(as_bytes(raw), None)["payload"]
        except MemoryError:  # the failed verify's garbage (and parser) took the room: once
            gc.collect()  # more; a second MemoryError goes to handle(), which drops the link
            p = loads(as_bytes(raw), None)["payload"]
        if p["type"] != "request" or not isinstance(p["replyToken"], str):
            return None
    except MemoryError:
        raise
    except Exception:
        return None
    out = {}
    for k in ("action", "clientId", "replyToken", "deviceId", "instanceId", "scope"):
        if isinstance(p.get(k), str):
            out[k] = p[k]
    return out


def _describe(p):
    # p: a payload dict, or already the text
    if not isinstance(p, dict):
        return p
    s = str(p.get("action"))
    if p.get("deviceId"):
        s += " for " + str(p["deviceId"])
    elif p.get("scope") == "module":
        s += " (module)"
    if p.get("instanceId"):
        s += " instance " + str(p["instanceId"])
    return s
