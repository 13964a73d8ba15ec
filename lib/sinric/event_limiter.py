# Per-key event limiter that coalesces (sinricpro.md §7.2 gaps): at most one item per gap
# for each key, and an item offered while the window is closed replaces the waiting one and
# goes out when the window opens, so the cloud always ends with the latest value.
# The official SDKs drop such items instead; here only intermediate values are lost.
# An item's age counts from when it could first have gone (offered, or its window opened
# later): a value held back by the limiter is still the latest one when it goes out.


# A closed window's opening tick is at most its gap ahead: clock.until() reads a stale one
# (a key left alone for days, past ticks_diff's 2^29 ms) as open instead of as the future.


class EventLimiter:
    def __init__(self, clock, max_keys=16):
        """clock: lib/clock.Clock (ticks_ms/ticks_diff/ticks_add, until, since)."""
        self._clock = clock
        self._ticks = clock.ticks_ms
        self._diff = clock.ticks_diff
        self._add = clock.ticks_add
        self.max_keys = max_keys
        # key -> [ticks when the window opens (None: open), gap ms, waiting item or None,
        #         ticks when that item was offered]
        self._slots = {}

    def offer(self, key, item, gap_ms):
        """Queue item under key. Returns the waiting item it replaced (or None); raises
        OverflowError when max_keys keys already have items or closed windows."""
        s = self._slots.get(key)
        if s is None:
            if len(self._slots) >= self.max_keys:
                self.prune()
                if len(self._slots) >= self.max_keys:
                    raise OverflowError("queue full (%d keys)" % self.max_keys)
            s = self._slots[key] = [None, gap_ms, None, 0]
        old = s[2]
        s[1] = gap_ms
        s[2] = item
        s[3] = self._ticks()
        return old

    def take(self):
        """(key, item, age_ms) of the oldest waiting item whose window is open, or None.
        Taking an item closes its key's window for the gap."""
        now = self._ticks()
        best = None
        for key, s in self._slots.items():
            if s[2] is not None and (s[0] is None or not self._clock.until(s[0], s[1], now)):
                if best is None or self._diff(s[3], best[1][3]) < 0:
                    best = (key, s)
        if best is None:
            return None
        key, s = best
        item, age = s[2], self._age(s, now)
        s[2] = None
        s[0] = self._add(now, s[1])
        return key, item, age

    def restore(self, key, item, age_ms):
        """Put back an item whose send failed, unless a newer one is already waiting."""
        s = self._slots.get(key)
        if s is not None and s[2] is None:
            s[0] = None
            s[2] = item
            s[3] = self._add(self._ticks(), -age_ms)

    def expire(self, max_age_ms):
        """Remove and return [(key, item, age_ms)] of items older than max_age_ms."""
        now = self._ticks()
        out = []
        for key, s in self._slots.items():
            if s[2] is not None:
                age = self._age(s, now)
                if age > max_age_ms:
                    out.append((key, s[2], age))
                    s[2] = None
        self.prune()
        return out

    def _age(self, s, now):
        # ms since the waiting item could first have gone; <= 0 while its window is closed
        c = self._clock
        if s[0] is not None:
            w = c.until(s[0], s[1], now)
            if w:
                return -w
            opened = c.since(s[0], now)
            offered = c.since(s[3], now)
            return opened if opened < offered else offered  # from the later of the two
        return c.since(s[3], now)

    def prune(self):
        """Forget keys with nothing waiting and an open window (keeps ticks from wrapping)."""
        now = self._ticks()
        for k in [k for k, s in self._slots.items()
                  if s[2] is None and (s[0] is None or not self._clock.until(s[0], s[1], now))]:
            del self._slots[k]

    def wait_ms(self):
        """ms until the next waiting item may go (0 = now), or None when nothing waits."""
        now = self._ticks()
        best = None
        for s in self._slots.values():
            if s[2] is not None:
                w = 0 if s[0] is None else self._clock.until(s[0], s[1], now)
                if best is None or w < best:
                    best = w
        return best
