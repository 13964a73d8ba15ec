"""Virtual time for asyncio on CPython: an event loop whose clock jumps to the next timer
whenever nothing is ready, and board ticks (ms, wrapping at 2^30 like the ESP ports') read
from that clock. A scenario of hours runs in milliseconds, and "nothing happened within N ms"
is a fact about ticks, not a sleep."""

import asyncio
import selectors
import signal

PERIOD = 1 << 30  # ticks_ms period on the ESP ports (MicroPython's MICROPY_PY_TIME_TICKS_PERIOD)
HALF = PERIOD >> 1


class _JumpSelector(selectors.DefaultSelector):
    loop = None

    def select(self, timeout=None):
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("virtual time: every task waits for ever (a deadlock)")
        self.loop.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """loop.time() is virtual seconds; real file descriptors still work (polled)."""

    def __init__(self, start_ticks=0):
        sel = _JumpSelector()
        super().__init__(sel)
        sel.loop = self
        self.now = 0.0
        self.start_ticks = start_ticks

    def time(self):
        return self.now

    # board ticks from the virtual clock
    def ticks_ms(self):
        return (self.start_ticks + int(self.now * 1000 + 1e-6)) % PERIOD

    @staticmethod
    def ticks_diff(a, b):
        return ((a - b + HALF) % PERIOD) - HALF

    @staticmethod
    def ticks_add(t, delta):
        return (t + delta) % PERIOD


def _hung(*_):
    raise TimeoutError("virtual-time scenario hung (a task never yields?)")


def run_virtual(coro_fn, start_ticks=0, guard_s=30):
    """Run coro_fn(loop) on a fresh VirtualLoop; returns its result. guard_s real seconds
    is a hang guard (a busy task never lets virtual time move), not a timing bound."""
    loop = VirtualLoop(start_ticks)
    old = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(guard_s)
    try:
        return loop.run_until_complete(coro_fn(loop))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        loop.close()
