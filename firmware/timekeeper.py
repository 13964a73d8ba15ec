# The time service: the one place that feeds the clock (lib/clock.Clock) from the board's time
# sources and keeps them in step. The clock decides which value wins (see lib/clock.py):
#   the RTC at boot   weak: it survives soft resets (never a power cut); read once at boot
#                     when it holds a plausible date, so a soft reset starts with the time;
#   SNTP              strong: asked at boot once Wi-Fi is up, then every resync_s, over a
#                     non-blocking UDP socket with a timeout (the loop never waits on it);
#   Sinric            strong: the client syncs the clock from the server's timestamp frame.
# After a strong sync the RTC is set from the clock. The clock is read at least hourly here,
# which keeps its base inside ticks_diff's range on a board that never talks to a cloud.
import asyncio

from backoff import Backoff

_FLOOR = 1704067200  # 2024-01-01: an RTC reading before this was never set


def _load():
    # lib/sntp only while it is used (an exchange an hour, an RTC read at boot): its code
    # is not held on a small heap between
    import sntp

    return sntp


def _drop():
    import sys

    sys.modules.pop("sntp", None)


def _sleep_ms(ms):
    # asyncio.sleep_ms on the boards; CPython (the portable tests) has only sleep(s)
    f = getattr(asyncio, "sleep_ms", None)
    return f(ms) if f else asyncio.sleep(ms / 1000)


class TimeKeeper:
    """clock: lib/clock.Clock; wifi: firmware.wifi.Wifi (None: always online); server:
    "host[:port]" of the SNTP server, "" for none; rtc: machine.RTC() or None; log(str);
    sock: the socket module (tests inject a fake)."""

    resync_s = 3600  # SNTP again this often once it answered
    timeout_ms = 3000  # per SNTP request
    retry_min_ms = 5000  # first retry after a failed request, doubling ...
    retry_max_ms = 300000  # ... up to 5 minutes
    poll_ms = 50  # how often the UDP socket is looked at while an answer is due

    def __init__(self, clock, wifi, server, rtc=None, log=print, sock=None):
        self.clock = clock
        self._wifi = wifi
        self.server = server
        self._rtc = rtc
        self._log = log
        self._sock = sock
        self._addr = None  # resolved once; again after a failure
        self._backoff = Backoff(self.retry_min_ms, self.retry_max_ms)
        self._fails = 0
        self.answers = 0
        self._rtc_syncs = -1  # clock.syncs when the RTC was last written

    # -- the RTC ----------------------------------------------------------------------------
    def boot(self):
        """Sync the clock from the RTC when it holds a plausible date (kept across a soft
        reset; a power cut leaves it at the port's epoch). True when it did."""
        if self._rtc is None:
            return False
        try:
            y, mo, d, _wd, h, mi, s = self._rtc.datetime()[:7]
            t = _load().unix(y, mo, d, h, mi, s)
            _drop()
        except Exception as e:  # noqa: BLE001 - an odd RTC must not stop the boot
            self._log("time: RTC unreadable: %r" % (e,))
            return False
        if t < _FLOOR:
            self._log("time: RTC not set (%d-%02d-%02d); waiting for SNTP or Sinric" % (y, mo, d))
            return False
        self.clock.sync(t, "rtc")
        self._rtc_syncs = self.clock.syncs
        self._log("time: clock set from the RTC (%d)" % t)
        return True

    def _keep_rtc(self):
        # a strong sync (SNTP here, or Sinric's timestamp frame) since the RTC was written
        c = self.clock
        if self._rtc is None or c.syncs == self._rtc_syncs or c.name in (None, "rtc"):
            return
        self._rtc_syncs = c.syncs
        y, mo, d, wd, h, mi, s = _load().civil(c.now())
        _drop()
        try:
            self._rtc.datetime((y, mo, d, wd, h, mi, s, 0))
        except Exception as e:  # noqa: BLE001 - the RTC is a convenience
            self._log("time: RTC not set: %r" % (e,))

    # -- SNTP -------------------------------------------------------------------------------
    async def query(self):
        """One SNTP exchange (lib/sntp.query): Unix seconds; OSError or ValueError. DNS is the
        one blocking step (the ports have no async resolver): it runs once, again only after
        a failure; an IP address resolves at once."""
        sock = self._sock
        if sock is None:
            import socket as sock
        sntp = _load()
        try:
            if self._addr is None:
                host, port = sntp.parse_server(self.server)
                self._addr = sock.getaddrinfo(host, port, 0, sock.SOCK_DGRAM)[0][-1]
            return await sntp.query(sock, self._addr, self.clock, self.timeout_ms,
                                    self.poll_ms)
        finally:
            _drop()

    async def step(self):
        """Ask SNTP once: the ms until the next try."""
        try:
            t = await self.query()
        except Exception as e:  # noqa: BLE001 - OSError, ValueError, MemoryError: try later
            self._addr = None
            self._fails += 1
            wait = self._backoff.next_ms()
            if self._fails == 1 or self._fails % 10 == 0:
                self._log("time: SNTP %s failed (%s: %s), %d in a row; retry in %d s; clock %s"
                          % (self.server, type(e).__name__, e, self._fails, wait // 1000,
                             "from " + self.clock.name if self.clock.synced else "not set"))
            return wait
        self.answers += 1
        self._fails = 0
        self._backoff.reset()
        first = self.clock.name in (None, "rtc")
        self.clock.sync(t, "sntp")
        if first:
            self._log("time: clock set by SNTP %s (%d)" % (self.server, t))
        return self.resync_s * 1000

    async def run(self):
        """Forever: SNTP while online (when a server is configured), the RTC kept in step,
        the clock read at least hourly."""
        wifi = self._wifi
        while True:
            wait = 3600000
            if self.server and (wifi is None or wifi.online):
                wait = await self.step()
            self._keep_rtc()
            self.clock.now()  # rebases the clock's base tick (ticks wrap)
            if wifi is not None and not wifi.online and self.server:
                try:  # ask as soon as the link is up; read the clock hourly meanwhile
                    await asyncio.wait_for(wifi.up.wait(), 3600)
                except asyncio.TimeoutError:
                    pass
                continue
            w = wait if wait < 3600000 else 3600000
            while w > 0:  # in steps: a Sinric sync meanwhile reaches the RTC soon
                await _sleep_ms(w if w < 60000 else 60000)
                w -= 60000
                self._keep_rtc()
