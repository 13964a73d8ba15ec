# Pushes device state to Yango's callback/state with the policy of docs/yango.md §6: batched
# flushes, >= gap_ms between request starts, one request in flight, retries rebuilt from
# the latest state, 400 dropped (then a full report resync_ms later, so the platform
# converges on the real state), 401/403 stop. run() drives the synchronous core
# (poll/complete), which tests drive directly with injected ticks.
import asyncio

from canonical_json import dumps
from yango.answer import OK, RETRY, STOP, UNKNOWN_USER, classify
from yango.state import DEV, INST, VAL, PendingStates

SYNC_WAIT_LOG_MS = 30000  # unsynced this long: one log line says why nothing is sent (knob)


class YangoNotifier:
    flush_ms = 1000  # window for capabilities and float properties (events: at once);
    # read when constructed, later changes go to .states.flush_ms
    gap_ms = 1000  # floor between the starts of two requests
    backoff_ms = 2000  # first retry delay; doubles per failure ...
    backoff_max_ms = 60000  # ... up to this, then stays: stateful state is never given up
    error_after = 5  # consecutive failures before the "unreachable" error line
    event_max_age_ms = 10000  # momentary events older than this are dropped
    initial_delay_ms = 2000  # after the clock syncs: the full report; nothing before it
    heartbeat_ms = 3600000  # re-send float properties this often; the first one comes
    jitter_ms = (60000, 900000)  # initial_delay_ms + heartbeat_ms + a random pick in this range
    sync_poll_ms = 1000  # how often an unsynced clock is looked at
    resync_ms = 60000  # a batch dropped (4xx): the full report this long after; at most
    # one per resync_ms, so a value the platform keeps refusing costs one request a minute
    discovery_tries = 3
    max_body = 2048  # bytes per request body; what does not fit goes in the next request
    timeout_s = 5  # HTTP connect and response timeouts
    idle_ms = 10000  # the run loop looks again at least this often (watchdog check-ins)
    # POSTs that ran out of heap since the last answer: then heap_stuck(reason) is called (the
    # board restarts: a fragmented heap stays so, and the states would never go out); not
    # before a first answer (a heap fresh from boot that cannot POST would restart in a loop)
    memory_failures_max = 5

    def __init__(self, url, skill_id, token, user_id, clock, *, post=None, log=None,
                 discovery=False, cadata=None, rand=None):
        """clock: lib/clock.Clock, the ticks and the Unix time of `ts`.
        ValueError for a url, skill_id, token or user_id that cannot make a request."""
        self._clock = clock
        if post is None:
            # the HTTP stack is long-lived: loaded at boot among the other long-lived objects,
            # not at the first POST into a heap the running connections have fragmented
            from net import http_client  # noqa: F401

            # each POST's head and body are packed into this to be sent and its answer read
            # into it: made now among the long-lived objects, not per POST in the heap the
            # connections have cut up. It holds the longest line of an answer's head and its
            # body (Yango's: about 70 bytes); a longer one reads into a bigger buffer made
            # for it.
            self._rx = bytearray(256)
        # the defaults are the class's (_post, _rand): every instance entry is RAM, and
        # this dict is one of the board's biggest (within 29 slots: 64 bytes less than 37)
        if post is not None:
            self._post = post
        self._log = log or print
        if rand is not None:
            self._rand = rand
        self._cadata = cadata
        self._ctx = None
        self.states = PendingStates(clock)
        self.states.flush_ms = self.flush_ms
        self.stats = {"requests": 0, "ok": 0, "errors": 0, "retries": 0, "dropped": 0,
                      "invalid": 0, "last_status": None, "last_request_id": None,
                      "last_error": None}
        self.stopped = None  # reason after a 401/403, until configure()
        self.in_flight = False
        self._fails = 0  # consecutive retryable failures
        self._uu = 0  # consecutive UNKNOWN_USER answers
        self._not_before = None  # ticks before which no request may start
        self._synced = False
        self._unsynced_at = None  # ticks when poll() first found the clock unsynced
        self._initial_at = None  # ticks of the initial full report while still ahead
        self._hb_at = None  # ticks of the next heartbeat
        self._resync_at = None  # ticks of the full report after a dropped batch
        self._disc = self.discovery_tries if discovery else 0  # tries left
        self._wake = None
        self._until = None  # ticks the run loop sleeps until (report() may wake it)
        # callable() the owner sets to hear that the loop is alive (the board's watchdog
        # check-in); called at least every watch_ms while run() runs
        self.alive = None
        self.heap_stuck = None  # callable(reason: str), see memory_failures_max
        self._oom = -1  # MemoryError POSTs since the last answer; -1: no answer yet
        self.configure(url, skill_id, token, user_id)

    def configure(self, url=None, skill_id=None, token=None, user_id=None):
        """Change target/credentials (None keeps a value); lifts a 401/403 stop."""
        if url is not None or not hasattr(self, "_url"):
            if not isinstance(url, str) or url[:7] != "http://" and url[:8] != "https://":
                raise ValueError("yango url must be http:// or https://: %r" % (url,))
            self._url = url.rstrip("/")
            self._ctx = None
        self._skill = skill_id or getattr(self, "_skill", None)
        self._token = token or getattr(self, "_token", None)
        self._user = user_id or getattr(self, "_user", None)
        for name, v in (("skill_id", self._skill), ("token", self._token),
                        ("user_id", self._user)):
            if not isinstance(v, str):
                raise ValueError("yango %s must be a non-empty string" % name)
        self._headers = {"Authorization": "OAuth " + self._token,
                         "Content-Type": "application/json"}
        self._base = "%s/api/v1/skills/%s/callback/" % (self._url, self._skill)
        self.stopped = None
        self._uu = self._fails = 0
        self._not_before = None
        self._kick()

    def declare(self, entry, state=None):
        """Index a device's discovery entry: only its pairs are ever sent. ValueError if
        malformed. state: optional [(type, instance, value)], as report() for each."""
        self.states.declare(entry)
        for t, inst, v in state or ():
            self.report(entry["id"], t, inst, v)

    def report(self, device_id, type, instance, value):
        """A device's new value for one declared instance. Never blocks, never raises."""
        now = self._clock.ticks_ms()
        try:
            due = self.states.report(device_id, type, instance, value, now)
        except KeyError:
            due = "not declared"
        except (ValueError, TypeError) as e:
            due = str(e)
        if isinstance(due, str):
            self.stats["invalid"] += 1
            self._log("yango: %s %s %s ignored: %s" % (device_id, type, instance, due))
        elif due is not None and self._until is not None \
                and self._clock.ticks_diff(self._clock.ticks_add(now, due), self._until) < 0:
            self._kick()

    def report_all(self):
        """Queue every known capability and float property again (a full report)."""
        self.states.mark(self._clock.ticks_ms())
        self._kick()

    # --- the synchronous core ------------------------------------------------------------

    def poll(self, now=None):
        """A request to send now as (kind, url, body, batch, ticks), else the ms to wait
        (None: until woken). Sets in_flight until complete(). The body is a list or a
        yango.state.Body of str pieces whose concatenation is the JSON text."""
        if now is None:
            now = self._clock.ticks_ms()
        if self.stopped or self.in_flight:
            return None
        if not self._clock.synced:
            if self._unsynced_at is None:
                self._unsynced_at = now
            elif self._unsynced_at is not True and \
                    self._clock.since(self._unsynced_at, now) >= SYNC_WAIT_LOG_MS:
                self._unsynced_at = True  # said once
                self._log("yango: nothing sent yet: the clock is not set (no SNTP answer "
                          "and no Sinric timestamp); %d state(s) waiting"
                          % self.states.pending())
            return self.sync_poll_ms
        if not self._synced:
            self._synced = True
            self._initial_at = self._clock.ticks_add(now, self.initial_delay_ms)
        # deadlines via until(): one left for days (a 401 stop, no changes) has passed,
        # it is not in the future
        c = self._clock
        gap = 0 if self._not_before is None else c.until(
            self._not_before, max(self.backoff_max_ms, self.gap_ms), now)
        if self._disc:
            if gap > 0:
                return gap
            body = dumps({"ts": self._clock.now(), "payload": {"user_id": self._user}})
            return self._start(("discovery", self._base + "discovery", [body], (), now))
        if self._initial_at is not None:
            w = c.until(self._initial_at, self.initial_delay_ms, now)
            if w > 0:
                return w
            self._initial_at = None
            j0, j1 = self.jitter_ms
            pick = (self._rand or _random)(j1 - j0 + 1)
            self._hb_at = c.ticks_add(now, self.heartbeat_ms + j0 + pick)
            self.states.mark(now)
        hb = None
        if self._hb_at is not None:
            longest = self.heartbeat_ms + self.jitter_ms[1]
            hb = c.until(self._hb_at, longest, now)
            if hb <= 0:  # keep the phase unless a whole period was missed
                late = c.since(self._hb_at, now)
                self._hb_at = c.ticks_add(self._hb_at if late < self.heartbeat_ms else now,
                                          self.heartbeat_ms)
                hb = c.until(self._hb_at, longest, now)
                self.states.mark(now, True)
        if self._resync_at is not None:
            r = self._clock.ticks_diff(self._resync_at, now)
            if r <= 0:
                self._resync_at = None
                self.states.mark(now)
                self._log("yango: full state report (a batch was dropped)")
            elif hb is None or r < hb:
                hb = r
        due = self.states.due(now, self.event_max_age_ms, self._aged)
        if due is None:
            return hb
        w = due if due > gap else gap
        if w > 0:
            return w if hb is None or w < hb else hb
        body, batch = self.states.take(self._user, self._clock.now(), self.max_body)
        return self._start(("state", self._base + "state", body, batch, now))

    def _start(self, req):
        self.in_flight = True
        self.stats["requests"] += 1
        return req

    def _aged(self, s):
        self.stats["dropped"] += 1
        self._log("yango: %s %s %r dropped: older than %d s"
                  % (s[DEV], s[INST], s[VAL], self.event_max_age_ms // 1000))

    def complete(self, req, status, body):
        """Apply the answer to req: status None is a network error/timeout (body: why)."""
        kind, _url, _body, batch, t0 = req
        now = self._clock.ticks_ms()
        self.in_flight = False
        self._not_before = self._clock.ticks_add(t0, self.gap_ms)
        st = self.stats
        what = "yango: %s (%d states)" % (kind, len(batch)) if batch else "yango: " + kind
        if status is None:
            st["errors"] += 1
            if isinstance(body, Exception):
                body = "%s: %s" % (type(body).__name__, body)
            st["last_error"] = body
            return self._retry(req, now, "%s failed: %s" % (what, body))
        v, st["last_request_id"], text = classify(status, body)
        st["last_status"] = status
        line = "%s: %s" % (what, text)
        if v == OK:
            st["ok"] += 1
            self._fails = self._uu = 0
            if kind == "discovery":
                self._disc = 0
            return self._log(line)
        st["errors"] += 1
        st["last_error"] = text
        if v == UNKNOWN_USER:
            self._uu += 1
            if self._uu == 1:  # seen transiently on the platform (dext0r #683)
                return self._retry(req, now, line + " (tolerated once)")
            self._log("yango: ERROR: user_id %r unknown to the skill %d times in a row: "
                      "relink the account or fix yango.user_id" % (self._user, self._uu))
        elif v == STOP:
            self.stopped = "HTTP %d" % status
            self.states.restore(batch)
            self._log(line)
            return self._log("yango: ERROR: config: check yango.token%s; sending stopped "
                             "until the config changes or the board restarts"
                             % ("" if status == 401 else " and skill_id"))
        elif v == RETRY:
            return self._retry(req, now, line)
        st["dropped"] += len(batch)
        if kind == "discovery":
            self._disc = 0
        elif batch and self._resync_at is None:
            self._resync_at = self._clock.ticks_add(now, self.resync_ms)
            return self._log("%s; dropped, not retried; full state report in %d s"
                             % (line, self.resync_ms // 1000))
        self._log(line + "; dropped, not retried")

    def _retry(self, req, now, line):
        self._fails += 1
        self.stats["retries"] += 1
        if self._fails == 1:  # a new run of failures: the knobs as they are now
            from backoff import Backoff

            self._backoff = Backoff(self.backoff_ms, self.backoff_max_ms, None, 1024, 1024)
        back = self._backoff.next_ms()
        self._not_before = self._clock.ticks_add(now, back)
        if req[0] == "discovery":
            self._disc -= 1
        self.states.restore(req[3])
        self._log("%s; retry in %d s (failure %d)" % (line, back // 1000, self._fails))
        if self._fails == self.error_after:
            self._log("yango: ERROR: %d failures in a row; still retrying every <= %d s"
                      % (self._fails, self.backoff_max_ms // 1000))

    # --- the asyncio driver ---------------------------------------------------------------

    @property
    def watch_ms(self):
        """The longest stretch (ms) run() may go without calling alive(): twice the longest
        single wait (an idle look, or one request with its connect and response timeouts)."""
        return 2 * max(self.idle_ms, 2 * self.timeout_s * 1000)

    def _kick(self):
        if self._wake is not None:
            self._wake.set()

    async def _http_post(self, url, body, headers):
        from net import http_client

        if self._ctx is None and url[:8] == "https://":
            self._ctx = http_client.tls_context(self._cadata)
        r = await http_client.request("POST", url, body, headers, timeout=self.timeout_s,
                                      ssl=self._ctx, buf=self._rx, keep_headers=False)
        return r.status, r.body

    async def run(self):
        """Forever: wait until state is due, send it, apply the policy to the answer.
        Nothing escapes: a failure (say a MemoryError) is logged and retried later."""
        self._wake = w = asyncio.Event()
        while True:
            if self.alive is not None:
                self.alive()
            try:
                req = self.poll()
            except Exception as e:  # noqa: BLE001 - take() leaves the state pending
                req = self._crash("poll", e)
            if req is None or isinstance(req, int):
                w.clear()
                if req is None or req > self.idle_ms:
                    req = self.idle_ms  # nothing lost: poll() is asked again, that is all
                self._until = self._clock.ticks_add(self._clock.ticks_ms(), req)
                try:
                    await _wait_ms(w.wait(), req)
                except asyncio.TimeoutError:
                    pass
                self._until = None
                continue
            try:
                status, body = await self._post(req[1], req[2], self._headers)
            except ValueError as e:  # an unusable URL or header: no retry can fix it
                self._unusable(req, e)
                continue
            except MemoryError as e:  # local, not the network's fault: no backoff growth
                status, body = -1, e
            except Exception as e:  # noqa: BLE001 - any transport failure is retryable
                status, body = None, e
            if status == -1:
                self._oom += self._oom >= 0
            elif status is not None:  # an answer; a network failure says nothing of the heap
                self._oom = 0
            try:
                if status == -1:
                    raise body
                self.complete(req, status, body)
            except Exception as e:  # noqa: BLE001 - keep the batch: a repeat is harmless
                self.in_flight = False
                self.states.restore(req[3])
                self._not_before = self._clock.ticks_add(self._clock.ticks_ms(), self.backoff_ms)
                self._crash("post" if status == -1 else "complete", e)
            if self._oom >= self.memory_failures_max and self.heap_stuck is not None:
                self._oom = 0
                self.heap_stuck("yango: %d POSTs ran out of memory since the last answer"
                                % self.memory_failures_max)

    def _unusable(self, req, e):
        # a config value that cannot make a request: stop (one line) instead of retrying
        # a local error as if it were the network's, every minute, forever
        self.in_flight = False
        self.states.restore(req[3])
        self.stats["errors"] += 1
        self.stats["last_error"] = str(e)
        self.stopped = "config"
        self._log("yango: ERROR: config: %s; sending stopped until the config changes or "
                  "the board restarts" % (e,))

    _post = _http_post  # POST(url, body, headers) -> (status, body); the constructor's post=
    # replaces it (tests)
    _rand = None  # rand(n) -> 0..n-1; None: _random (the constructor's rand= replaces it)

    def _crash(self, where, e):
        self.stats["errors"] += 1
        try:
            self._log("yango: ERROR in %s: %s: %s" % (where, type(e).__name__, e))
        except Exception:  # noqa: BLE001, S110 - out of memory even for the log line
            pass
        return self.backoff_ms



def _wait_ms(aw, ms):
    if hasattr(asyncio, "wait_for_ms"):  # MicroPython: no float on the way
        return asyncio.wait_for_ms(aw, ms)
    return asyncio.wait_for(aw, ms / 1000)


def _random(n):
    import random

    return random.getrandbits(30) % n if n > 1 else 0
