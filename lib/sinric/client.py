# The Sinric Pro device connection (docs/sinricpro.md §2, §7, §11): connect with the §2.1
# headers, wait for the timestamp frame, serve requests (sinric.dispatch), send limited and
# coalesced events, own the only keep-alive, reconnect forever with jittered backoff.
import asyncio
import gc

import net.ws
from backoff import Backoff
from sinric.codec import parse_timestamp
from sinric.dispatch import Dispatcher
from sinric.event_limiter import EventLimiter

# Events limited to one a minute (§7.2); every other action gets the 1 s state gap.
SENSOR_ACTIONS = ("currentTemperature", "airQuality", "powerUsage", "pushNotification")
_MP = hasattr(gc, "mem_free")


async def _wait(event, ms):
    # event.wait() bounded by ms; True if the event fired.
    try:
        await asyncio.wait_for(event.wait(), ms / 1000)
        return True
    except asyncio.TimeoutError:
        return False


class SinricClient:
    """See docs/sinric-integration.md "sinric.client".
    Timing knobs are class attributes (ms) that keyword
    arguments of the constructor may override, e.g. SinricClient(..., ping_interval_ms=500);
    max_age_s and seen_tokens go to the Dispatcher it owns (.dispatch: on_request(),
    on_setting, health; .stats is the dispatcher's).
    """

    connect_timeout_ms = 15000  # DNS + TCP + TLS + upgrade
    timestamp_timeout_ms = 15000  # for the server's first frame
    # Keep-alive: a ping once ping_interval_ms passed without a pong, pong_timeout_ms for
    # the answer, max_missed_pongs misses in a row = dead link: at most 30 + 2 * 10 = 50 s.
    ping_interval_ms = 30000
    pong_timeout_ms = 10000
    max_missed_pongs = 2
    backoff_min_ms = 1000
    backoff_max_ms = 60000
    # A connection that lived stable_ms resets the backoff, and for 5 * stable_ms after it
    # ends delays stay <= 8 * backoff_min_ms: one outage after a long healthy session is
    # probed often; a flapping server (short sessions) gets the full backoff.
    stable_ms = 60000
    net_poll_ms = 1000  # how often net_ready() is asked
    state_gap_ms = 1000
    sensor_gap_ms = 60000
    event_max_age_ms = 50000  # older undelivered events would fail the server's 60 s window
    max_event_keys = 16  # (device, action, instance) keys that may wait at once
    max_message = 4096  # bigger incoming messages close the link with 1009
    # Connects that ran out of heap since the link was last up: a heap too fragmented to
    # hold a connection stays so (its long-lived objects do not move), and only a restart
    # mends it; heap_stuck(reason) is then called (the board restarts). Not before the link
    # was up once: a heap fresh from boot that cannot connect would restart in a loop.
    memory_failures_max = 5

    def __init__(self, app_key, app_secret, device_ids, clock, *, url="wss://ws.sinric.pro",
                 info=None, net_ready=None, log=None, cadata=None, server_hostname=None,
                 rand=None, **knobs):
        # clock: lib/clock.Clock, the tick source and the Unix time this client reads and syncs
        self._clock = clock
        self._log = log = log or print
        self._ticks = clock.ticks_ms
        self.dispatch = d = Dispatcher(app_secret, clock, log)
        self.stats = d.stats
        for k, v in knobs.items():
            o = self if hasattr(SinricClient, k) else d  # max_age_s, seen_tokens: d's
            if not isinstance(getattr(o, k, None), int) or k[0] == "_":
                raise TypeError("unknown SinricClient option %r" % k)
            setattr(o, k, v)
        # the replay memory: now, in the compacted heap of boot, not at the first request
        d.tokens = bytearray(8 * d.seen_tokens)
        d.answered = self._answered
        self.app_key = app_key
        self.device_ids = list(device_ids)
        self.url = url
        self._info = info
        self._net_ready = net_ready
        self._tls = (cadata, server_hostname)
        self._rand = rand
        self._limiter = EventLimiter(clock, self.max_event_keys)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._down = None
        self._running = False
        self.connected = False
        self.fatal = None  # why the client stopped for good (a config value), or None
        # callable() the owner sets to hear that the loop is alive (the board's watchdog
        # check-in); called at least every watch_ms while run() runs
        self.alive = None
        self.heap_stuck = None  # callable(reason: str), see memory_failures_max
        self._oom = -1  # MemoryError connects since the link was last up; -1: never up
        # every attribute a session sets, made now: one added later (the first ping's payload
        # after 30 s) grows the instance's table, a one-time step in a long run's heap
        self._alive_at = 0
        self._ping_at = None
        self._ping_payload = bytearray(4)  # the ping count, rewritten in place
        self._missed = self._pings = 0
        self._why = None
        self._quick_until = None

    @property
    def watch_ms(self):
        """The longest stretch (ms) run() may go without calling alive(): twice the longest
        single wait (connect, timestamp frame, ping interval)."""
        return 2 * max(self.connect_timeout_ms, self.timestamp_timeout_ms,
                       self.ping_interval_ms, self.net_poll_ms, 5000)

    def _checkin(self):
        if self.alive is not None:
            self.alive()

    # -- public -----------------------------------------------------------------------
    def event(self, device_id, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        """Queue an event; never blocks or raises. At most one per (device, action,
        instance) per gap goes out; a newer value replaces a waiting one (coalescing)."""
        try:
            gap = self.sensor_gap_ms if action in SENSOR_ACTIONS else self.state_gap_ms
            if self._limiter.offer((device_id, action, instance_id), (value, cause), gap):
                self.stats["coalesced"] += 1
            self._wake.set()
        except Exception as e:
            self.stats["dropped_events"] += 1
            try:  # never raises: not even when the line does not fit the heap (counted)
                self._log("sinric: event %s for %s dropped: %s" % (action, device_id, e))
            except MemoryError:
                pass

    def stop(self):
        self._running = False
        self._stop.set()
        if self._down is not None:
            self._down.set()

    async def run(self):
        """Connect, serve, reconnect with backoff; returns only after stop()."""
        try:  # a URL no retry can fix stops the client here, with one line
            from net.url import parse_url

            parse_url(self.url, "ws")
        except ValueError as e:
            self.stats["failures"] += 1
            self.fatal = "config: sinric.url: %s" % (e,)
            self._log("sinric: ERROR: %s; stopped until the config changes or the board "
                      "restarts" % self.fatal)
            return
        self._running = True
        self._stop.clear()
        backoff = Backoff(self.backoff_min_ms, self.backoff_max_ms, self._rand)
        self._quick_until = None  # ticks until which delays stay <= 8 * backoff_min_ms
        while self._running:
            try:
                await self._attempt(backoff)
            except MemoryError:  # in the backoff's own line or wait: breathe, try again
                gc.collect()
                await asyncio.sleep(1)  # an int: no float allocated on a full heap
        self._log("sinric: stopped")

    async def _attempt(self, backoff):
        # One connection and the backoff wait after it.
        self._checkin()
        if self._net_ready is not None and not self._net_ready():
            await self._idle(self.net_poll_ms)
            return
        try:
            up_at, why = await self._session()
        except Exception as e:  # e.g. MemoryError: never let the loop die
            up_at, why = None, e
        if not self._running:
            return
        if up_at is not None:  # the link was up: the count starts again
            self._oom = 0
        if isinstance(why, MemoryError):
            self._oom += self._oom >= 0
            if self._oom >= self.memory_failures_max and self.heap_stuck is not None:
                self._oom = 0
                self.heap_stuck("sinric: %d connects ran out of memory since the link was "
                                "last up" % self.memory_failures_max)
        now = self._ticks()
        if up_at is not None:
            # since(): a session that lived for weeks is stable too, not "in the future"
            if self._clock.since(up_at, now) >= self.stable_ms:
                backoff.reset()
                self._quick_until = self._clock.ticks_add(now, 5 * self.stable_ms)
            else:  # a short session: the server is flapping, keep backing off
                self._quick_until = None
        q = self._quick_until
        if q is not None and self._clock.until(q, 5 * self.stable_ms, now):
            delay = backoff.next_ms(8 * self.backoff_min_ms)
        else:
            self._quick_until = None
            delay = backoff.next_ms()
        gc.collect()  # the session's objects are garbage now: room for the log line
        try:
            if not isinstance(why, str):
                why = "%s: %s" % (type(why).__name__, why)
            self._log("sinric: disconnected (%s); reconnecting in %d ms" % (why, delay))
        except MemoryError:  # even the line did not fit: reconnect all the same
            pass
        why = None
        await self._idle(delay)

    # -- connection -------------------------------------------------------------------
    async def _idle(self, ms):
        # Sleep ms (stop() ends it early); undelivered events age out meanwhile. The
        # network coming back (seen down, now up) ends the wait: a reason to try at once.
        watch = self._net_ready is not None
        down = watch and not self._net_ready()
        while ms > 0 and self._running:
            step = min(ms, self.net_poll_ms if watch else 5000)
            if await _wait(self._stop, step):
                return
            self._checkin()
            ms -= step
            self._expire_events()
            if watch:
                if not self._net_ready():
                    down = True
                elif down:
                    self._log("sinric: network back; connecting now")
                    return

    async def _session(self):
        """One connection from connect to loss; returns (ticks when up or None, reason)."""
        gc.collect()  # here and below: long-lived objects packed low, big holes left free
        info = self._info() if callable(self._info) else (self._info or {})
        h = [("appkey", self.app_key), ("deviceids", ";".join(self.device_ids))]
        for k in ("ip", "mac", "platform", "SDKVersion", "firmwareVersion"):
            v = info.get(k)
            if v:
                h.append((k, v))
        try:
            ws = await net.ws.connect(self.url, h, self.connect_timeout_ms / 1000,
                                         self.max_message, *self._tls)
        except Exception as e:  # HandshakeError, DNS failure, a refused connection
            self.stats["failures"] += 1
            if isinstance(e, MemoryError):
                return None, e  # counted by _attempt, logged as "MemoryError: ..."
            return None, "connect failed: %s" % (e,)
        ws.decode_text = False  # the codec verifies bytes
        self._checkin()
        t0 = self._ticks()
        try:  # nothing is sent before the server's clock is known (§2.2)
            while True:
                left = self.timestamp_timeout_ms - self._clock.since(t0)
                raw = await ws.recv(max(left, 0) / 1000)
                ts = None if ws.binary else parse_timestamp(raw)
                if ts is not None:
                    self._clock.sync(ts, "sinric")  # ValueError: not Unix seconds
                    break
                self._log("sinric: ignored before timestamp: %s%r"
                          % ("binary frame " if ws.binary else "", raw[:60]))
        except Exception as e:  # ConnectionClosed: timeout, close or a bad frame
            self.stats["failures"] += 1
            ws.abort()
            if isinstance(e, MemoryError):
                return None, e
            return None, "no timestamp frame (%s)" % (e,)
        up_at = self._alive_at = self._ticks()
        s = self.stats
        s["reconnects"] += s["connects"] > 0
        s["connects"] += 1
        self._log("sinric: connected to %s (server time %d)" % (self.url, ts))
        self._ping_at = None
        self._missed = self._pings = 0
        ws.on_pong = self._pong
        self._down = down = asyncio.Event()
        self._why = None
        self.connected = True
        gc.collect()
        tasks = (asyncio.create_task(self._reader(ws)), asyncio.create_task(self._pump(ws)))
        try:
            await down.wait()
        finally:
            self.connected = False
            for t in tasks:
                t.cancel()
            await asyncio.sleep(0)  # let the cancellations land before touching the socket
            if self._running:
                ws.abort()
            else:
                await ws.close()
        why, self._why = self._why or "stopped", None
        return up_at, why

    def _end(self, e):
        # The reader or the pump stopped: the session ends, and this is why. The session
        # ends even when the reason cannot be formatted (MemoryError: the heap ran out).
        try:
            if self._why is None:
                if isinstance(e, net.ws.ConnectionClosed):
                    self._why = "connection closed: %s" % (e,)
                else:  # the pump's reason (str), a MemoryError, or a bug: reconnect anyway
                    self._why = e  # (an exception is formatted by _attempt)
        finally:
            self._down.set()

    async def _reader(self, ws):
        if _MP:
            # a collection at each idle point keeps the small heap unfragmented; not between
            # requests that came together (ten in flight), where it would hold up the next
            ws.on_idle = gc.collect
        try:
            # net.ws.serve reads in the order that allocates least (a request read in place
            # by a plain call, the idle wait one shared object); _message is bound once
            # here, for the whole session: nothing is made per request
            await net.ws.serve(ws, self._message)
        except Exception as e:
            self._end(e)

    def _message(self, ws, raw):
        # net.ws.serve's on_message: True when the response is in the link's send buffer
        if ws.binary:  # Sinric speaks text only (docs/sinricpro.md §3): never a message
            self._log("sinric: ignored a binary frame (%d bytes)" % len(raw))
            return False
        # the response is signed straight into the link's reused send buffer
        return self.dispatch.handle(raw, ws.buffer()) is not None

    def _pong(self, payload):
        if self._ping_at is not None and payload == self._ping_payload:
            self._ping_at = None
            self._missed = 0
            self._alive_at = self._ticks()

    async def _pump(self, ws):
        # The one keep-alive owner, the network watch and the event sender.
        try:
            while True:
                self._checkin()
                self._wake.clear()
                self._clock.now()  # read at least every ping interval: rebases the clock
                now = self._ticks()
                if self._ping_at is None:
                    ping = self._clock.since(self._alive_at, now) >= self.ping_interval_ms
                else:
                    ping = self._clock.since(self._ping_at, now) >= self.pong_timeout_ms
                    if ping:
                        self._missed += 1
                        if self._missed >= self.max_missed_pongs:
                            return self._end("dead link: no pong for %d ms"
                                             % self._clock.since(self._alive_at, now))
                        self._log("sinric: no pong within %d ms (%d of %d)"
                                  % (self.pong_timeout_ms, self._missed, self.max_missed_pongs))
                if ping:
                    self._pings += 1
                    n, b = self._pings, self._ping_payload
                    b[0] = n >> 24 & 0xFF  # 4 bytes, big-endian: no object per ping
                    b[1] = n >> 16 & 0xFF
                    b[2] = n >> 8 & 0xFF
                    b[3] = n & 0xFF
                    self._ping_at = now
                    await ws.ping(self._ping_payload)
                if self._net_ready is not None and not self._net_ready():
                    return self._end("network down")
                await self._send_events(ws)
                now = self._ticks()
                if self._ping_at is None:
                    wait = self.ping_interval_ms - self._clock.since(self._alive_at, now)
                else:
                    wait = self.pong_timeout_ms - self._clock.since(self._ping_at, now)
                w = self._limiter.wait_ms()
                if w is not None and w < wait:
                    wait = w
                if self._net_ready is not None and self.net_poll_ms < wait:
                    wait = self.net_poll_ms
                if wait > 0:
                    await _wait(self._wake, wait)
        except Exception as e:
            self._end(e)

    def _answered(self, p):
        # A request succeeded: its response tells the cloud the real state, so a waiting
        # (coalesced) or lost event for the same capability is stale and must not follow.
        dev = p.get("deviceId")
        if dev is not None:
            # the event action reporting this state (docs/sinricpro.md §8): adjustX -> setX
            # (devices send events only for what a hand or a sensor changes)
            a = p["action"]
            if a[0] == "a":  # only adjust* requests start with "a" (airQuality: events)
                a = "targetTemperature" if a == "adjustTargetTemperature" else "set" + a[6:]
            # the held key, found by its parts: no key tuple per request
            key = self._limiter.key(dev, a, p.get("instanceId"))
            if key is not None and self._limiter.offer(key, None, 0) is not None:
                self._log("sinric: pending %s event for %s superseded by the response"
                          % (a, dev))

    async def _send_events(self, ws):
        while self.connected:
            self._expire_events()
            got = self._limiter.take()
            if got is None:
                return
            key, item, age = got
            dev, action, inst = key
            try:  # createdAt = when it happened, not when the link allowed it out
                # signed straight into the link's reused send buffer: no text per event
                self.dispatch.codec.event_into(ws.buffer(), action, item[0],
                                               self._clock.now() - age // 1000, dev, item[1],
                                               inst)
            except ValueError as e:
                self.stats["dropped_events"] += 1
                try:  # a line that does not fit the heap must not end the link (counted)
                    self._log("sinric: event %s for %s dropped: %s" % (action, dev, e))
                except MemoryError:
                    self._log("sinric: event dropped (out of memory for the details)")
                continue
            try:
                await ws.send_buffer()
            except Exception:
                self._limiter.restore(key, item, age)
                raise
            self.stats["events"] += 1

    def _expire_events(self):
        again = False
        # Connected: states whose events were lost offline go out again as fresh
        # PERIODIC_POLL reports (docs/sinricpro.md §3 causes: the state found on polling), one
        # per half state gap.
        for key, _, age in self._limiter.expire(
                self.event_max_age_ms, "PERIODIC_POLL" if self.connected else None,
                self.state_gap_ms // 2):
            if age is None:
                self._log("sinric: reporting %s for %s again (its event was lost offline)"
                          % (key[1], key[0]))
                continue
            self.stats["dropped_events"] += 1
            # a moment, not a state: not reported again later
            state = key[1] not in ("DoorbellPress", "pushNotification")
            if state:
                again = self.connected
            else:
                self._limiter.offer(key, None, 0)
            self._log("sinric: event %s for %s dropped: undelivered for %d s%s" % (
                key[1], key[0], age // 1000,
                "; its state is reported again once connected" if state else ""))
        if again:  # lost while connected (a stalled link): report it now
            self._expire_events()

