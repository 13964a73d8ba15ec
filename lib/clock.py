# The one clock: the tick source every module measures intervals with, and the owner of Unix
# time (createdAt, Yango ts, the stale/future checks and the health report all read it here).
#
# Ticks wrap at 2^30 ms on the ESP ports and ticks_diff is only meaningful within 2^29 ms
# (~6.2 days): a stored tick left alone longer reads as the future. since() and until() bound
# that error by the interval itself instead of by six days.
#
# Unix time is a sync point plus elapsed ticks, never carried through a float (float32 on the
# boards loses minutes at 1.7e9). Which value wins (docs/runtime.md "Time"):
#   sync(t, name)  an authoritative source sets the clock: "sntp" and "sinric" (the server's
#                  timestamp frame at connect) are strong, "rtc" (the RTC kept across soft
#                  resets) is weak: it never overrides a strong source.
# A source offers only what it trusts: sinric.dispatch passes a verified createdAt or a
# mid-session timestamp frame on only when it is within 30 s of the running clock (a request
# further ahead is refused), so no request moves the clock by more.
# (Names here are chosen among MicroPython's built-in qstrs where they read well: each new
# identifier costs RAM on the board.)
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_AHEAD_S = const(30)  # a step larger than this is logged
_HALF = const(1 << 29)  # ticks_diff's range on the ESP ports
_REBASE_MS = const(3_600_000)


class Clock:
    """Ticks and Unix time. time: anything with ticks_ms(), ticks_diff(a, b), ticks_add(t, d):
    the `time` module on the board (the default), support.FakeTicks in tests. The three are
    bound as attributes, so clock.ticks_ms() costs what time.ticks_ms() does. log(str) gets
    the decisions about time values. .name is the source of the last sync (None: never
    synced), .syncs how many syncs were taken."""

    def __init__(self, time=None, log=print):
        if time is None:
            import time
        self.ticks_ms = time.ticks_ms
        self.ticks_diff = time.ticks_diff
        self.ticks_add = time.ticks_add
        self._log = log
        self._base = None  # Unix seconds at _base_ticks
        self.name = None
        self.syncs = 0
        self._base_ticks = self.ticks_ms()  # until the first sync: the boot, uptime's start
        self._boot = None  # Unix time of the boot, fixed at the first sync

    # -- intervals ------------------------------------------------------------------------
    def since(self, t, now=None):
        """ms from the tick t to now (a tick; None: read it), never negative. A tick older
        than 2^29 ms reads as long ago (2^29 - 1), not as the future; past a whole wrap
        (12.4 days) as its age modulo 2^30, so "has X ms passed?" is late by at most X."""
        d = self.ticks_diff(self.ticks_ms() if now is None else now, t)
        return d if d >= 0 else _HALF - 1

    def until(self, end, timeout, now=None):
        """ms from now to the tick `end`, 0 once it passed. `end` was set at most `timeout`
        ms ahead: one that reads further ahead passed long ago (ticks wrapped), so it counts
        as passed; past a whole wrap the wait is at most `timeout`."""
        d = self.ticks_diff(end, self.ticks_ms() if now is None else now)
        return d if 0 < d <= timeout else 0

    # -- Unix time ------------------------------------------------------------------------
    @property
    def synced(self):
        return self._base is not None

    def sync(self, t, name="sntp"):
        """Set the clock to Unix seconds t from source `name`: True when taken, False when
        name is "rtc" and a strong source set the clock. ValueError when t is not an int
        between 2000 and 2100 (milliseconds by mistake, an unset RTC)."""
        if type(t) is not int or not 946684800 < t < 4102444800:
            raise ValueError("bad Unix time %r" % (t,))
        if name == "rtc" and self.name not in (None, "rtc"):
            return False
        now = self.now()
        if now is not None and abs(t - now) > _AHEAD_S:
            self._log("clock: %s moved it %d s" % (name, t - now))
        if self._boot is None:  # ticks alone wrap after days: uptime from Unix time after
            self._boot = t - self.since(self._base_ticks) // 1000
        self._base = t
        self._base_ticks = self.ticks_ms()
        self.name = name
        self.syncs += 1
        return True

    def now(self):
        """Unix seconds (int), or None when never synced. Read at least every few days (the
        time service does, hourly) so the base is rebased before ticks wrap."""
        if self._base is None:
            return None
        t = self.ticks_ms()
        elapsed = self.ticks_diff(t, self._base_ticks)
        if elapsed >= _REBASE_MS:
            whole = elapsed // 1000
            self._base += whole
            self._base_ticks = self.ticks_add(self._base_ticks, whole * 1000)
            elapsed -= whole * 1000
        return self._base + elapsed // 1000

    def uptime_s(self):
        """s since the clock was made (the boot): from Unix time once synced (wrap-safe)."""
        now = self.now()
        if now is not None:
            return now - self._boot
        return self.since(self._base_ticks) // 1000
