# Wi-Fi station supervision: connect with a timeout, reconnect with jittered exponential
# backoff, set the hostname, and tell the rest of the firmware about the state:
#   .state        CONNECTING, ONLINE or DOWN
#   .up / .down   asyncio Events (set while online / while not)
#   .subscribe(cb)  cb(state) on every change (cloud clients drop and redial on ONLINE)
#   .generation   how many times the link came up (a cheap "did it come back?" check)
# The WLAN object is passed in (network.WLAN(network.STA_IF) on the board), so the state
# machine runs against fakes in tests; poll() is the whole state machine and returns how long
# to wait before the next call.
try:
    import asyncio
except ImportError:  # pragma: no cover
    asyncio = None

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

CONNECTING = "connecting"
ONLINE = "online"
DOWN = "down"

_IDLE = const(0)  # not trying: wait for _next, then dial
_DIALING = const(1)
_UP = const(2)


class Wifi:
    poll_ms = 200  # while dialing
    check_ms = 1000  # while online
    backoff_min_ms = 1000
    backoff_max_ms = 60000
    # Defaults an instance overrides only when it must: every entry of an instance's dict is
    # RAM (this one's stays within 17 slots, not 23, while the link just works).
    failures = 0  # attempts failed in a row
    losses = 0  # times an established link dropped
    _rand = None  # backoff.Backoff's jitter (tests inject one)
    _backoff = None  # a backoff.Backoff from the first failure until a success
    _subs = ()  # subscribers, cb(state)

    def __init__(self, wlan, ssid, password, *, hostname=None, timeout_s=20, set_hostname=None,
                 fail_status=(), log=print, clock=None, rand=None):
        """clock: lib/clock.Clock (None: the board's); rand: backoff.Backoff's jitter."""
        if clock is None:
            from clock import Clock

            clock = Clock()
        self._wlan = wlan
        self._ssid = ssid
        self._password = password
        self.hostname = hostname
        self._set_hostname = set_hostname
        self._timeout_ms = timeout_s * 1000
        self._fail = fail_status  # wlan.status() values that end an attempt early
        self._log = log
        self._clock = clock
        self.state = DOWN
        self.generation = 0
        self._phase = _IDLE
        self._t0 = 0  # dial start, or when IDLE started
        self._wait = 0  # IDLE: ms to wait from _t0
        if rand is not None:
            self._rand = rand
        if asyncio:
            self.up = asyncio.Event()
            self.down = asyncio.Event()
            self.down.set()

    @property
    def online(self):
        return self.state == ONLINE

    def is_online(self):  # a plain callable for net_ready= hooks
        return self.state == ONLINE

    def subscribe(self, cb):
        self._subs += (cb,)

    def _set(self, state):
        if state == self.state:
            return
        self.state = state
        if asyncio:
            if state == ONLINE:
                self.down.clear()
                self.up.set()
            else:
                self.up.clear()
                self.down.set()
        for cb in self._subs:
            try:
                cb(state)
            except Exception as e:  # noqa: BLE001 - a bad subscriber must not stop Wi-Fi
                try:  # the failure may be the heap's: then the line may not fit either
                    self._log("wifi: subscriber failed: %r" % (e,))
                except MemoryError:
                    self._log("wifi: subscriber failed (out of memory for the details)")

    def ip(self):
        try:
            return self._wlan.ifconfig()[0]
        except (OSError, AttributeError):
            return None

    def rssi(self):
        """Signal strength in dBm while online, else None."""
        if not self.online:
            return None
        try:
            return self._wlan.status("rssi")
        except Exception:  # noqa: BLE001 - a port without it
            return None

    def mac(self):
        try:
            # upper-case hex with colons, as docs/sinricpro.md §2.1 says the handshake wants
            return ":".join("%02X" % b for b in self._wlan.config("mac"))
        except (OSError, ValueError, AttributeError, TypeError):
            return None

    def _dial(self, now):
        w = self._wlan
        if self.hostname and self._set_hostname:
            try:
                self._set_hostname(self.hostname)
            except Exception as e:  # noqa: BLE001 - old ports spell it differently
                try:
                    self._log("wifi: cannot set hostname: %r" % (e,))
                except MemoryError:
                    self._log("wifi: cannot set hostname (out of memory for the details)")
        try:
            w.active(True)
            w.connect(self._ssid, self._password)
        except OSError as e:
            try:  # on a tight heap the line may not fit: the app's monitor steps Wi-Fi
                self._log("wifi: connect failed: %s" % (e,))
            except MemoryError:
                self._log("wifi: connect failed (out of memory for the details)")
            return self._retry(now, "error")
        self._phase = _DIALING
        self._t0 = now
        self._set(CONNECTING)
        self._log("wifi: connecting to %s" % self._ssid)
        return self.poll_ms

    def _retry(self, now, why):
        self.failures += 1
        try:
            self._wlan.disconnect()
        except OSError:
            pass
        b = self._backoff
        if b is None:  # loaded when first needed: a board whose Wi-Fi just works never does
            from backoff import Backoff

            # jitter 0.75x-1.25x so boards after a power cut do not hit the router in step
            b = self._backoff = Backoff(self.backoff_min_ms, self.backoff_max_ms, self._rand,
                                        768, 1280)
        wait = b.next_ms()
        self._phase = _IDLE
        self._t0 = now
        self._wait = wait
        self._set(DOWN)
        self._log("wifi: %s; retry in %d ms" % (why, wait))
        return wait

    def poll(self):
        """One step of the state machine; returns ms until it wants to run again."""
        now = self._clock.ticks_ms()
        w = self._wlan
        if self._phase == _UP:
            if w.isconnected():
                return self.check_ms
            self.losses += 1
            self._log("wifi: link lost")
            try:
                w.disconnect()  # stop the driver's own retries before dialing again
            except OSError:
                pass
            if self._backoff is not None:
                self._backoff = None
            self._phase = _IDLE
            self._wait = 0
            self._set(DOWN)
            return self._dial(now)
        if self._phase == _DIALING:
            if w.isconnected():
                self._phase = _UP
                if self.failures:
                    self.failures = 0
                if self._backoff is not None:
                    self._backoff = None
                self.generation += 1
                self._set(ONLINE)
                self._log("wifi: online as %s after %d ms"
                          % (self.ip(), self._clock.since(self._t0, now)))
                return self.check_ms
            st = w.status()
            if st in self._fail:
                return self._retry(now, "connect failed (status %s)" % st)
            if self._clock.since(self._t0, now) >= self._timeout_ms:
                return self._retry(now, "no connection within %d s" % (self._timeout_ms // 1000))
            return self.poll_ms
        left = self._wait - self._clock.since(self._t0, now)
        if left > 0:
            return left if left < self.check_ms else self.check_ms
        return self._dial(now)

    async def wait_online(self):
        await self.up.wait()

    async def run(self, watchdog=None):
        """Forever; checks in with watchdog (as "wifi") on every step."""
        while True:
            if watchdog is not None:
                watchdog.checkin("wifi")
            await asyncio.sleep_ms(self.poll())
