# The Sinric Pro device connection (sinricpro.md §2, §7, §11): connect with the §2.1
# headers, wait for the timestamp frame, serve requests (sinric.dispatch), send limited and
# coalesced events, own the only keep-alive, reconnect forever with jittered backoff.
import asyncio
import gc

import net.ws
from backoff import Backoff
from sinric.codec import parse_timestamp
from sinric.dispatch import Dispatcher
from sinric.event_limiter import EventLimiter

SDK_VERSION = "0.1.0"
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
    """See README "SinricClient". Timing knobs are class attributes (ms) that keyword
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
    stable_ms = 60000  # a connection that lived this long resets the backoff
    net_poll_ms = 1000  # how often net_ready() is asked
    state_gap_ms = 1000
    sensor_gap_ms = 60000
    event_max_age_ms = 50000  # older undelivered events would fail the server's 60 s window
    max_event_keys = 16  # (device, action, instance) keys that may wait at once
    max_message = 4096  # bigger incoming messages close the link with 1009

    def __init__(self, app_key, app_secret, device_ids, clock, *, url="wss://ws.sinric.pro",
                 info=None, net_ready=None, log=None, ticks_ms=None, ticks_diff=None,
                 ticks_add=None, cadata=None, server_hostname=None, rand=None, **knobs):
        if ticks_ms is None:  # the board's; CPython callers inject their own
            import time

            ticks_ms, ticks_diff, ticks_add = time.ticks_ms, time.ticks_diff, time.ticks_add
        self._clock = clock
        self._log = log = log or print
        self._ticks = ticks_ms
        self._diff = ticks_diff
        self.dispatch = d = Dispatcher(app_secret, clock, log, ticks_ms, ticks_diff)
        self.stats = d.stats
        for k, v in knobs.items():
            o = self if hasattr(SinricClient, k) else d  # max_age_s, seen_tokens: d's
            if not isinstance(getattr(o, k, None), int) or k[0] == "_":
                raise TypeError("unknown SinricClient option %r" % k)
            setattr(o, k, v)
        self.app_key = app_key
        self.device_ids = list(device_ids)
        self.url = url
        self._info = info
        self._net_ready = net_ready
        self._tls = (cadata, server_hostname)
        self._rand = rand
        self._limiter = EventLimiter(ticks_ms, ticks_diff, ticks_add, self.max_event_keys)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._down = None
        self._running = False
        self.connected = False
        # callable() the owner sets to hear that the loop is alive (the board's watchdog
        # check-in); called at least every watch_ms while run() runs
        self.alive = None

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
            self._log("sinric: event %s for %s dropped: %s" % (action, device_id, e))

    def stop(self):
        self._running = False
        self._stop.set()
        if self._down is not None:
            self._down.set()

    async def run(self):
        """Connect, serve, reconnect with backoff; returns only after stop()."""
        self._running = True
        self._stop.clear()
        backoff = Backoff(self.backoff_min_ms, self.backoff_max_ms, self._rand)
        while self._running:
            self._checkin()
            if self._net_ready is not None and not self._net_ready():
                await self._idle(self.net_poll_ms)
                continue
            try:
                up_at, why = await self._session()
            except Exception as e:  # e.g. MemoryError: never let the loop die
                up_at, why = None, "%s: %s" % (type(e).__name__, e)
            if not self._running:
                break
            if up_at is not None and self._diff(self._ticks(), up_at) >= self.stable_ms:
                backoff.reset()
            delay = backoff.next_ms()
            self._log("sinric: disconnected (%s); reconnecting in %d ms" % (why, delay))
            await self._idle(delay)
        self._log("sinric: stopped")

    # -- connection -------------------------------------------------------------------
    async def _idle(self, ms):
        # Sleep ms (stop() ends it early); undelivered events age out meanwhile.
        while ms > 0 and self._running:
            step = min(ms, 5000)
            if await _wait(self._stop, step):
                return
            self._checkin()
            ms -= step
            self._expire_events()

    async def _session(self):
        """One connection from connect to loss; returns (ticks when up or None, reason)."""
        gc.collect()  # here and below: long-lived objects packed low, big holes left free
        info = self._info() if callable(self._info) else (self._info or {})
        h = [("appkey", self.app_key), ("deviceids", ";".join(self.device_ids))]
        for k in ("ip", "mac", "platform", "SDKVersion", "firmwareVersion"):
            v = SDK_VERSION if k == "SDKVersion" else info.get(k)
            if v:
                h.append((k, v))
        try:
            ws = await net.ws.connect(self.url, h, self.connect_timeout_ms / 1000,
                                         self.max_message, *self._tls)
        except Exception as e:  # HandshakeError, a bad URL, DNS failure
            self.stats["failures"] += 1
            return None, "connect failed: %s" % (e,)
        ws.decode_text = False  # the codec verifies bytes
        self._checkin()
        t0 = self._ticks()
        try:  # nothing is sent before the server's clock is known (§2.2)
            while True:
                left = self.timestamp_timeout_ms - self._diff(self._ticks(), t0)
                raw = await ws.recv(max(left, 0) / 1000)
                ts = parse_timestamp(raw)
                if ts is not None:
                    break
                self._log("sinric: ignored before timestamp: %r" % raw[:60])
        except Exception as e:  # ConnectionClosed: timeout, close or a bad frame
            self.stats["failures"] += 1
            ws.abort()
            return None, "no timestamp frame (%s)" % (e,)
        self._clock.sync(ts)
        up_at = self._alive_at = self._ticks()
        self.dispatch.uptime_s()  # the first synced reading anchors the boot time
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
        return up_at, self._why or "stopped"

    def _end(self, e):
        # The reader or the pump stopped: the session ends, and this is why.
        if self._why is None:
            if isinstance(e, net.ws.ConnectionClosed):
                self._why = "connection closed: %s" % (e,)
            elif isinstance(e, DeadLink):
                self._why = str(e)
            else:  # a bug: reconnect anyway
                self._why = "%s: %s" % (type(e).__name__, e)
        self._down.set()

    async def _reader(self, ws):
        try:
            while True:
                out = self.dispatch.handle(await ws.recv())
                if out is not None:
                    await ws.send(out)
                out = None
                if _MP:
                    gc.collect()  # idle point: keeps the small heap unfragmented
        except Exception as e:
            self._end(e)

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
                    ping = self._diff(now, self._alive_at) >= self.ping_interval_ms
                else:
                    ping = self._diff(now, self._ping_at) >= self.pong_timeout_ms
                    if ping:
                        self._missed += 1
                        if self._missed >= self.max_missed_pongs:
                            raise DeadLink("dead link: no pong for %d ms"
                                           % self._diff(now, self._alive_at))
                        self._log("sinric: no pong within %d ms (%d of %d)"
                                  % (self.pong_timeout_ms, self._missed, self.max_missed_pongs))
                if ping:
                    self._pings += 1
                    self._ping_payload = str(self._pings).encode()
                    self._ping_at = now
                    await ws.ping(self._ping_payload)
                if self._net_ready is not None and not self._net_ready():
                    raise DeadLink("network down")
                await self._send_events(ws)
                now = self._ticks()
                if self._ping_at is None:
                    wait = self.ping_interval_ms - self._diff(now, self._alive_at)
                else:
                    wait = self.pong_timeout_ms - self._diff(now, self._ping_at)
                w = self._limiter.wait_ms()
                if w is not None and w < wait:
                    wait = w
                if self._net_ready is not None and self.net_poll_ms < wait:
                    wait = self.net_poll_ms
                if wait > 0:
                    await _wait(self._wake, wait)
        except Exception as e:
            self._end(e)

    async def _send_events(self, ws):
        while self.connected:
            self._expire_events()
            got = self._limiter.take()
            if got is None:
                return
            key, item, age = got
            dev, action, inst = key
            try:  # createdAt = when it happened, not when the link allowed it out
                text = self.dispatch.codec.event(action, item[0], self._clock.now() - age // 1000,
                                         dev, item[1], inst)
            except ValueError as e:
                self.stats["dropped_events"] += 1
                self._log("sinric: event %s for %s dropped: %s" % (action, dev, e))
                continue
            try:
                await ws.send(text)
            except Exception:
                self._limiter.restore(key, item, age)
                raise
            self.stats["events"] += 1

    def _expire_events(self):
        for (dev, action, _), _, age in self._limiter.expire(self.event_max_age_ms):
            self.stats["dropped_events"] += 1
            self._log("sinric: event %s for %s dropped: %s" % (
                action, dev, "undelivered for %d s" % (age // 1000)))


class DeadLink(Exception):
    pass
