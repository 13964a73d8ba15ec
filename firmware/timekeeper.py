# The time service: the one place that feeds the clock (lib/clock.Clock) from the board's time
# sources and keeps them in step. The clock decides which value wins (see lib/clock.py):
#   the RTC at boot   weak: it survives soft resets (never a power cut); read once at boot
#                     when it holds a plausible date, so a soft reset starts with the time;
#   SNTP              strong: asked once Wi-Fi is up, then hourly, over a non-blocking UDP
#                     socket with a timeout (lib/sntp; the loop never waits on it);
#   Sinric            strong: the client syncs the clock from the server's timestamp frame.
# After a strong sync the RTC is set from the clock. The clock is read at least hourly here,
# which keeps its base inside ticks_diff's range on a board that never talks to a cloud.
# The app's monitor drives it (poll() every beat); SNTP runs in a short task when due.
# (Every identifier costs RAM on the board; the names here reuse MicroPython's where they can.)
import asyncio
import sys

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

_RESYNC_MS = const(3600000)  # SNTP again this often once it answered; the clock read as often
_RETRY_MS = const(5000)  # first retry after a failed request, doubling ...
_RETRY_MAX_MS = const(300000)  # ... up to 5 minutes
_YEAR = const(2024)  # an RTC reading before this year was never set


def _unload():
    # lib/sntp is imported only while it is used (an exchange an hour, an RTC read or
    # write): its code is not held on a small heap between
    sys.modules.pop("sntp", None)


class TimeKeeper:
    """clock: lib/clock.Clock; wifi: firmware.wifi.Wifi (None: always online); host: the
    SNTP server "host[:port]" (board.ntp_server), "" for none; rtc: machine.RTC() or None;
    log(str); socket: the socket module (tests inject a fake). Knobs: timeout (ms per SNTP
    request), poll_ms (how often the socket is looked at meanwhile)."""

    timeout = 3000
    poll_ms = 50
    # defaults an instance overrides only when it must (its dict then stays within 12 slots)
    socket = None  # the socket module to use (tests inject a fake); None: the board's
    failures = 0  # SNTP requests failed in a row

    def __init__(self, clock, wifi, host, rtc=None, log=print, socket=None):
        self.clock = clock
        self.wifi = wifi
        self.host = host
        self.rtc = rtc
        self.log = log
        if socket is not None:
            self.socket = socket
        self.key = None  # the server's resolved address: once, again after a failure
        self._wait = _RETRY_MS  # the next retry's wait (doubles to _RETRY_MAX_MS)
        self.syncs = -1  # clock.syncs when the RTC was last written
        self._at = clock.ticks_ms()  # poll(): ticks of the last due time ...
        self._next = 0  # ... and the ms from it to the next (0: the first poll)
        self._away = False  # a due time found Wi-Fi down: ask once it is up
        self._asking = False  # an SNTP exchange runs (its own short task)

    def start(self):
        """At boot: sync the clock from the RTC when it holds a plausible date (kept across
        a soft reset; a power cut leaves it at the port's epoch). True when it did."""
        if self.rtc is None:
            return False
        try:
            t = self.rtc.datetime()
            if t[0] < _YEAR:
                self.log("time: RTC not set (%d-%02d-%02d); waiting for SNTP or Sinric"
                         % t[:3])
                return False
            import sntp

            t = sntp.unix(t)
            _unload()
            self.clock.sync(t, "rtc")
        except Exception as e:  # noqa: BLE001 - an odd RTC must not stop the boot
            try:
                self.log("time: RTC unreadable: %r" % (e,))
            except MemoryError:
                self.log("time: RTC unreadable (out of memory for the details)")
            return False
        self.syncs = self.clock.syncs
        self.log("time: clock set from the RTC (%d)" % t)
        return True

    def update(self):
        """Write the RTC after a strong sync (SNTP here, or Sinric's timestamp frame)."""
        c = self.clock
        if self.rtc is None or c.syncs == self.syncs or c.name in (None, "rtc"):
            return
        self.syncs = c.syncs
        try:
            import sntp

            self.rtc.datetime(sntp.civil(c.now()))
        except Exception as e:  # noqa: BLE001 - the RTC is a convenience
            try:
                self.log("time: RTC not set: %r" % (e,))
            except MemoryError:
                self.log("time: RTC not set (out of memory for the details)")
        _unload()

    async def step(self):
        """Ask SNTP once (lib/sntp.query): the ms until the next try. DNS is the one blocking
        step (the ports have no async resolver): once, again only after a failure."""
        sock = self.socket
        if sock is None:
            import socket as sock
        try:
            import sntp

            if self.key is None:
                i = self.host.rfind(":")
                host, port = (self.host[:i], int(self.host[i + 1:])) if i > 0 \
                    else (self.host, 123)
                self.key = sock.getaddrinfo(host, port, 0, sock.SOCK_DGRAM)[0][-1]
            t = await sntp.query(sock, self.key, self.clock, self.timeout, self.poll_ms)
        except Exception as e:  # noqa: BLE001 - OSError, ValueError, MemoryError: try later
            self.key = None
            self.failures += 1
            wait = self._wait
            self._wait = min(wait * 2, _RETRY_MAX_MS)
            if self.failures == 1 or self.failures % 10 == 0:
                try:  # the failure may be the heap's: then the line may not fit either
                    self.log("time: SNTP %s failed (%s: %s), %d in a row; retry in %d s; "
                             "clock %s" % (self.host, type(e).__name__, e, self.failures,
                                           wait // 1000,
                                           self.clock.name or "without a time source yet"))
                except MemoryError:
                    self.log("time: SNTP failed (out of memory for the details); retrying")
            return wait
        finally:
            _unload()
        if self.failures:
            self.failures = 0
        self._wait = _RETRY_MS
        first = self.clock.name in (None, "rtc")
        self.clock.sync(t, "sntp")
        if first:
            self.log("time: clock set by SNTP %s (%d)" % (self.host, t))
        return _RESYNC_MS

    def poll(self):
        """From the app's monitor, every beat (no allocation until something is due): the RTC
        kept in step with a strong sync (SNTP's, or Sinric's timestamp frame), and when due
        the clock read (it rebases its tick, which wraps) and SNTP asked in a short task of
        its own: at once, then hourly (after a failure sooner, see step), again as soon as
        Wi-Fi is back after a due time found it down. No task waits in between (a
        permanent task and its frame are RAM on a small board)."""
        self.update()
        if self._asking:
            return
        c = self.clock
        wifi = self.wifi
        ask = self.host and (wifi is None or wifi.online)
        if c.since(self._at) < self._next and not (ask and self._away):
            return
        self._at = c.ticks_ms()
        c.now()
        self._next = _RESYNC_MS
        self._away = not ask and bool(self.host)  # ask as soon as the link is up
        if ask:
            self._asking = True
            asyncio.create_task(self._ask())

    async def _ask(self):
        try:
            self._next = await self.step()
        finally:
            self._at = self.clock.ticks_ms()
            self._asking = False
        self.update()
