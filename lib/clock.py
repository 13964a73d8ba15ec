# Unix time for createdAt/ts: synced from the server, advanced by ticks.
# Never carried through a float (float32 on the boards loses minutes at 1.7e9).
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# Seconds between 1970-01-01 and 2000-01-01, the epoch of the ESP ports' time.time().
EPOCH_2000_OFFSET = const(946684800)
# ticks_diff is only valid within half the tick period (2^29 ms on the boards, ~6 days):
# rebase well inside that whenever the clock is read.
_REBASE_MS = const(3_600_000)


def epoch_offset(gmtime):
    """Seconds to add to this port's time.time() for Unix time; pass time.gmtime."""
    return EPOCH_2000_OFFSET if gmtime(0)[0] == 2000 else 0


class Clock:
    """Unix seconds from a sync point plus elapsed ticks (wrap-safe).

    ticks_ms/ticks_diff are injected (time.ticks_ms/time.ticks_diff on the board).
    Call now() at least once every few days so the base is rebased before ticks wrap.
    """

    def __init__(self, ticks_ms, ticks_diff, ticks_add):
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._ticks_add = ticks_add
        self._base = None  # Unix seconds at _base_ticks
        self._base_ticks = 0
        self.syncs = 0

    @property
    def synced(self):
        return self._base is not None

    def sync(self, unix_seconds):
        t = unix_seconds
        if not isinstance(t, int) or isinstance(t, bool) or t <= 0:
            raise ValueError("bad Unix time %r" % (unix_seconds,))
        self._base = unix_seconds
        self._base_ticks = self._ticks_ms()
        self.syncs += 1

    def sync_local(self, local_seconds, offset):
        """Sync from an RTC counting from the port's epoch (offset from epoch_offset())."""
        self.sync(int(local_seconds) + offset)

    def now(self):
        """Unix seconds (int), or None when never synced."""
        if self._base is None:
            return None
        t = self._ticks_ms()
        elapsed = self._ticks_diff(t, self._base_ticks)
        if elapsed >= _REBASE_MS:
            whole = elapsed // 1000
            self._base += whole
            self._base_ticks = self._ticks_add(self._base_ticks, whole * 1000)
            elapsed -= whole * 1000
        return self._base + elapsed // 1000
