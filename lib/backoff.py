# Jittered exponential backoff for reconnects: each delay is drawn from [cur/2, cur], then
# cur doubles up to the cap, so a fleet rebooted by one outage does not reconnect in step.


def _rand(n):
    import random

    return random.getrandbits(16) * n >> 16


class Backoff:
    def __init__(self, min_ms=1000, max_ms=60000, rand=None):
        self.min_ms = min_ms
        self.max_ms = max_ms
        self._rand = rand or _rand  # rand(n) -> int in [0, n)
        self._cur = min_ms

    def next_ms(self):
        """The next delay in ms; the one after is about twice as long, up to max_ms."""
        cur = self._cur
        self._cur = min(cur * 2, self.max_ms)
        half = cur // 2
        return half + self._rand(cur - half + 1)

    def reset(self):
        self._cur = self.min_ms
