# The board's one backoff (Sinric reconnects, Wi-Fi redials, Yango retries): delays start at
# min_ms and double up to max_ms; each is scaled by a random factor, a window of 1024ths of
# the current delay, so a fleet rebooted by one outage does not retry in step.


def _rand(n):
    import random

    return random.getrandbits(16) * n >> 16


class Backoff:
    def __init__(self, min_ms=1000, max_ms=60000, rand=None, lo=512, hi=1025):
        """min_ms, max_ms: the first delay and the cap (ms). rand(n) -> int in [0, n).
        lo, hi: the jitter window in 1024ths of the current delay, hi exclusive: the default
        draws from [cur/2, cur]; lo == hi is no jitter."""
        self.min_ms = min_ms
        self.max_ms = max_ms
        self._rand = rand or _rand
        self._lo = lo
        self._span = hi - lo
        self._cur = min_ms

    def next_ms(self, max_ms=None):
        """The next delay in ms; the one after is about twice as long, up to self.max_ms.
        max_ms: this delay is drawn as if the current step were at most max_ms."""
        cur = self._cur
        self._cur = min(cur * 2, self.max_ms)
        if max_ms is not None and cur > max_ms:
            cur = max_ms
        return cur * (self._lo + (self._rand(self._span) if self._span > 0 else 0)) >> 10

    def reset(self):
        self._cur = self.min_ms
