# The runtime's own ms counter for lib/clock.Clock, kept out of support.py (which every
# test compiles from source on a small heap).
from support import FakeTicks


class WallTicks(FakeTicks):
    """The runtime's own ms counter for Clock(): time.ticks_* on MicroPython; on CPython
    monotonic ms wrapping at 2^30 like the boards' (CPython's time has no ticks_*)."""

    def ticks_ms(self):
        import time

        if hasattr(time, "ticks_ms"):
            return time.ticks_ms()
        return int(time.monotonic() * 1000) & self.mask
