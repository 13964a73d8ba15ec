# Helpers shared by the portable tests; the same source runs under pytest and MicroPython.
try:
    from micropython import const  # noqa: F401
    MICROPYTHON = True
except ImportError:
    MICROPYTHON = False

MASK30 = (1 << 30) - 1  # ticks period on the ESP ports
DAY_MS = 86_400_000
# Idle spells the long-run tests use: 7 days is past ticks_diff's 2^29 ms (6.2 days), 13 days
# past a whole 2^30 wrap (12.4 days).
IDLE_DAYS = (7, 13)


class raises:
    """Context manager like pytest.raises; .value holds the exception."""

    def __init__(self, exc_type, match=None):
        self.exc_type = exc_type
        self.match = match
        self.value = None

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            raise AssertionError("%s not raised" % self.exc_type.__name__)
        if not issubclass(et, self.exc_type):
            return False
        self.value = ev
        if self.match is not None and self.match not in str(ev):
            raise AssertionError("%r does not contain %r" % (str(ev), self.match))
        return True


class FakeTicks:
    """A ticks_ms counter that wraps like the boards' (period 2^30 by default): the fake
    clock source for lib/clock.Clock (Clock(FakeTicks())). advance(ms) moves it; idle(days)
    leaves it alone for days, as a board that nobody touches."""

    def __init__(self, start=0, period_bits=30):
        self.period = 1 << period_bits
        self.mask = self.period - 1
        self.half = self.period >> 1
        self.t = start & self.mask

    def ticks_ms(self):
        return self.t

    def advance(self, ms):
        self.t = (self.t + ms) & self.mask

    def idle(self, days):
        self.advance(days * DAY_MS)

    def ticks_diff(self, a, b):
        return ((a - b + self.half) & self.mask) - self.half

    def ticks_add(self, t, delta):
        return (t + delta) & self.mask

