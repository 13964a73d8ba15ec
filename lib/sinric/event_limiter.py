# Per-key event limiter that coalesces (docs/sinricpro.md §7.2 gaps): at most one item per gap
# for each key, and an item offered while the window is closed replaces the waiting one and
# goes out when the window opens, so the cloud always ends with the latest value.
# The official SDKs drop such items instead; here only intermediate values are lost.
# An item's age counts from when it could first have gone (offered, or its window opened
# later): a value held back by the limiter is still the latest one when it goes out.
# Items are (value, cause). One that expires undelivered is kept as the key's lost state:
# revive() queues it again as a fresh item, so the cloud still converges on the real state;
# offer(key, None) forgets a key's waiting and lost items once the cloud heard the state
# otherwise (or the item was a moment, not a state).


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
        #         ticks when that item was offered, lost item or None]
        self._slots = {}

    def key(self, dev, action, instance):
        """The held key (dev, action, instance), or None when there is none: found by its
        parts, so a caller need not make a tuple to look one up."""
        for k in self._slots:
            if k[0] == dev and k[1] == action and k[2] == instance:
                return k
        return None

    def offer(self, key, item, gap_ms):
        """Queue item under key. Returns the waiting item it replaced (or None); raises
        OverflowError when max_keys keys already have items or closed windows. Item None
        forgets key's waiting and lost items (the cloud heard the state otherwise) and
        returns the one it forgot."""
        s = self._slots.get(key)
        if s is None and item is None:
            return None
        if s is None:
            if len(self._slots) >= self.max_keys:
                self.prune()
                if len(self._slots) >= self.max_keys:
                    raise OverflowError("queue full (%d keys)" % self.max_keys)
            s = self._slots[key] = [None, gap_ms, None, 0, None]
        old = s[2]
        if item is None:
            old = old or s[4]
        else:
            s[1] = gap_ms
            s[3] = self._ticks()
        s[2] = item
        s[4] = None  # a newer value supersedes a lost one
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

    def expire(self, max_age_ms, cause=None, gap_ms=0):
        """Remove and return [(key, item, age_ms)] of items older than max_age_ms; each
        stays as its key's lost item until offer(key, None) forgets it. With cause, every
        item lost before this call is queued again as a fresh (value, cause) item, their
        windows opening gap_ms apart (a rate limit of their own), and returned as
        (key, item, None)."""
        now = self._ticks()
        out = []
        n = 0
        for key, s in self._slots.items():
            if cause is not None and s[4] is not None:  # lost before this call
                item = s[2] = (s[4][0], cause)
                s[3] = now
                s[4] = None
                at = self._add(now, n * gap_ms)
                n += 1
                if s[0] is None or self._diff(s[0], at) < 0:
                    s[0] = at
                out.append((key, item, None))
            elif s[2] is not None:
                age = self._age(s, now)
                if age > max_age_ms:
                    out.append((key, s[2], age))
                    s[4] = s[2]
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
                  if s[2] is None and s[4] is None
                  and (s[0] is None or not self._clock.until(s[0], s[1], now))]:
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
