# Incoming Sinric Pro messages (sinricpro.md §6, §10): verify, refuse replays, dispatch to
# device handlers, answer every request exactly once. Synchronous and I/O-free: handle()
# takes the raw frame and returns the signed response text (or None). sinric.client owns one;
# sinric.module_requests uses only the public surface: call(), uptime_s(), log, stats,
# on_setting, health.
import gc
import json
import sys

from sinric.codec import BadField, BadSignature, Codec, MissingSignature, parse_timestamp


class Dispatcher:
    max_age_s = 60  # requests created longer ago than this (synced clock) are refused
    seen_tokens = 32  # replyTokens remembered against replays (more than arrive in max_age_s)
    on_setting = None  # callable(setting_id, value) -> value, module-scope setSetting
    health = None  # callable() -> dict merged into the module health report

    def __init__(self, app_secret, clock, log, ticks_ms, ticks_diff):
        """clock: clock.Clock; log: callable(str); ticks_ms/ticks_diff: time's (ms). The knobs
        above may be set on the instance before the first request."""
        self.codec = Codec(app_secret)  # its owner signs events with it
        self._clock = clock
        self.log = log
        self._ticks = ticks_ms
        self._diff = ticks_diff
        self._born = ticks_ms()
        self._boot = None  # Unix time of construction, once the clock is synced
        self._handlers = {}
        self.request_client = None  # clientId of the request being handled ("portal", ...)
        # Ring of recent replyToken hashes: small ints, so remembering one allocates nothing.
        # Made at the first request, so the owner may set seen_tokens first.
        self._tokens = None
        self._next = 0
        self.stats = {"requests": 0, "refused": 0, "connects": 0, "reconnects": 0,
                      "failures": 0, "events": 0, "coalesced": 0, "dropped_events": 0}

    def on_request(self, device_id, handler):
        """handler(action, value, instance_id) -> dict | None, called for device_id."""
        self._handlers[device_id] = handler

    def handle(self, raw):
        """Process one received text frame; returns the response to send, or None."""
        try:
            ts = parse_timestamp(raw)
            if ts is not None:
                self._clock.sync(ts)
                return None
            try:
                p = self.codec.verify(raw)
            except ValueError as e:  # every codec error
                self.stats["refused"] += 1
                p = _peek(raw)
                if p is None or not isinstance(e, (BadSignature, MissingSignature, BadField)):
                    self.log("sinric: dropped message (%s): %r" % (e, raw[:80]))
                    return None
                # A request we cannot trust: answer it, never act on it.
                self.log("sinric: refused %s: %s" % (_describe(p), e))
                return self._respond(p, False, str(e) if isinstance(e, BadField)
                                     else "Signature is invalid")
            if p["type"] != "request":
                self.log("sinric: ignored %s %s" % (p["type"], p["action"]))
                return None
            return self._request(p)
        except Exception as e:  # a bug here must not end the connection loop
            self.log("sinric: error %s: %s" % (type(e).__name__, e))

    def _request(self, p):
        self.stats["requests"] += 1
        what = _describe(p)
        token = p["replyToken"]
        h = 0
        for c in token.encode():
            h = (h * 31 + c) & 0x3FFFFFFF
        if self._tokens is None:
            self._tokens = [-1] * self.seen_tokens
        if h in self._tokens:
            self.stats["refused"] += 1
            self.log("sinric: refused %s: replayed replyToken %s" % (what, token))
            return None  # the first copy already got its one response
        self._tokens[self._next] = h
        self._next = (self._next + 1) % len(self._tokens)
        now = self._clock.now()
        age = 0 if now is None else now - p["createdAt"]
        if now is None or age < 0:
            self._clock.sync(p["createdAt"])  # the server's clock only moves ours forward
        elif age > self.max_age_s:
            self.stats["refused"] += 1
            self.log("sinric: refused %s: created %d s ago" % (what, age))
            return self._respond(p, False, "Request expired (%d s old)" % age)
        action = p["action"]
        value = p.get("value", {})
        r = None
        if p.get("scope") == "module":
            from sinric import module_requests  # rare: loaded for this request only

            try:
                msg, r = module_requests.handle(self, action, value, what)
            finally:
                module_requests = None
                _drop("module_requests")
        else:
            msg = 'Device did not handle "%s"' % action
            h = self._handlers.get(p.get("deviceId"))
            if h is None:
                msg = "Device %s not found" % p.get("deviceId")
            else:
                self.request_client = p.get("clientId")
                ok, r = self.call(h, (action, value, p.get("instanceId")), what,
                                   'Device failed to handle "%s"' % action)
                if not ok:
                    msg, r = r, None
                elif r is not None and not isinstance(r, dict):
                    self.log("sinric: bad value from handler for %s: %r" % (what, r))
                    msg, r = 'Device failed to handle "%s"' % action, None
        if r is None:
            self.log("sinric: %s -> failed: %s" % (what, msg))
            return self._respond(p, False, msg)
        return self._respond(p, True, "OK", r)

    def call(self, fn, args, what, failed):
        """fn(*args) -> (True, result), or (False, the failure message) when fn raises:
        str(e) of a ValueError (the handler refused the value), else failed (logged, naming
        what)."""
        try:
            return True, fn(*args)
        except ValueError as e:  # the handler refused the value before touching pins
            return False, str(e) or "Invalid value"
        except Exception as e:
            self.log("sinric: handler for %s raised %s: %s" % (what, type(e).__name__, e))
            return False, failed

    def uptime_s(self):
        """Seconds since this dispatcher was made: from the synced clock once there is one
        (ticks alone wrap after days; the first synced reading anchors the boot time), else
        from ticks."""
        now = self._clock.now()
        if self._boot is None and now is not None:
            self._boot = now - self._diff(self._ticks(), self._born) // 1000
        return now - self._boot if now else self._diff(self._ticks(), self._born) // 1000

    def _respond(self, p, ok, msg="OK", value=None):
        now = self._clock.now() or p.get("createdAt", 0)
        try:
            return self.codec.response(p, now, ok, msg, value)
        except ValueError as e:  # the handler returned a value JSON cannot carry
            self.log("sinric: bad value from handler for %s: %s" % (p.get("action"), e))
            return self.codec.response(p, now, False,
                                        'Device failed to handle "%s"' % p.get("action"))


def _drop(name):
    sys.modules.pop("sinric." + name, None)
    try:  # the package holds its submodules too
        delattr(sys.modules["sinric"], name)
    except (KeyError, AttributeError):
        pass
    gc.collect()


def _peek(raw):
    # Fields of an unverified request, only to address the refusal; None if not a request.
    try:
        p = json.loads(raw)["payload"]
        if p["type"] != "request" or not isinstance(p["replyToken"], str):
            return None
    except Exception:
        return None
    out = {}
    for k in ("action", "clientId", "replyToken", "deviceId", "instanceId", "scope"):
        if isinstance(p.get(k), str):
            out[k] = p[k]
    return out


def _describe(p):
    s = str(p.get("action"))
    if p.get("deviceId"):
        s += " for " + str(p["deviceId"])
    elif p.get("scope") == "module":
        s += " (module)"
    if p.get("instanceId"):
        s += " instance " + str(p["instanceId"])
    return s
