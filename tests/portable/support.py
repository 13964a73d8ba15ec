# Helpers shared by the portable tests; the same source runs under pytest and MicroPython.
try:
    from micropython import const  # noqa: F401
    MICROPYTHON = True
except ImportError:
    MICROPYTHON = False

MASK30 = (1 << 30) - 1  # ticks period on the ESP ports


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
    """A ticks_ms counter that wraps like the boards' (period 2^30 by default)."""

    def __init__(self, start=0, period_bits=30):
        self.period = 1 << period_bits
        self.mask = self.period - 1
        self.half = self.period >> 1
        self.t = start & self.mask

    def ticks_ms(self):
        return self.t

    def advance(self, ms):
        self.t = (self.t + ms) & self.mask

    def ticks_diff(self, a, b):
        return ((a - b + self.half) & self.mask) - self.half

    def ticks_add(self, t, delta):
        return (t + delta) & self.mask
