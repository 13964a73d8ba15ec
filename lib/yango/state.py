# Pending Yango state: one slot per declared (device, type, instance), newest value wins,
# so a request never carries two entries for one instance (docs/yango.md §6.1, dext0r #406).
from canonical_json import dumps, encode_str
from yango.values import K_CAP, K_EVENT, K_FLOAT, K_MOMENT, check

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# slot fields: a small list per pair
DEV = const(0)
TYPE = const(1)
INST = const(2)
RULES = const(3)  # what the value check needs of the declared parameters (payloads.rules)
KIND = const(4)
VAL = const(5)  # latest normalised value, None while unknown
PEND = const(6)  # waiting to be sent
T = const(7)  # ticks when it turned pending: window start, event age


class PendingStates:
    flush_ms = 1000  # window for capabilities and float properties; events go at once

    def __init__(self, clock):
        """clock: lib/clock.Clock; a slot's age is clock.since(T): a slot pending for days
        (sending stopped, a long outage) reads as old, never as the future."""
        self._since = clock.since
        self.slots = []  # scanned per report: a few dozen at most, and no index dicts

    def declare(self, entry):
        """Index a discovery entry's pairs (replacing an earlier one with the same id,
        keeping known values). Items marked reportable: false are left out."""
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValueError("discovery entry needs a string id")
        # the declarations' code is loaded only to declare (firmware/services.py unloads it
        # once the devices are declared)
        from yango.payloads import pairs, rules

        dev = entry["id"]
        new = []
        for key in ("capabilities", "properties"):
            items = entry.get(key)
            if items is None:
                items = ()
            elif not isinstance(items, list):
                raise ValueError("device %r: %s must be a list" % (dev, key))
            for d in items:
                if not isinstance(d, dict) or not isinstance(d.get("type"), str):
                    raise ValueError("device %r: bad item in %s" % (dev, key))
                if d.get("reportable") is False:
                    continue
                for t, inst, kind in pairs(d):
                    p = self._find(dev, t, inst)
                    new.append([dev, t, inst, rules(t, inst, d.get("parameters")), kind,
                                p[VAL] if p is not None and p[KIND] == kind else None,
                                False, 0])
        self.slots = [s for s in self.slots if s[DEV] != dev] + new

    def _find(self, dev, t, inst):
        for s in self.slots:
            if s[INST] == inst and s[DEV] == dev and s[TYPE] == t:
                return s
        return None

    def report(self, dev, t, inst, value, now):
        """Record a value. Returns the ms until it is due (0 for events), or None when
        nothing is to be sent. ValueError/KeyError for an undeclared pair or bad value."""
        s = self._find(dev, t, inst)
        if s is None:
            raise KeyError(inst)
        v = check(t, inst, s[RULES], value)
        kind = s[KIND]
        if kind != K_MOMENT:
            old = s[VAL]
            s[VAL] = v
            if old is None and kind == K_EVENT:
                return None  # the first stateful event value is a baseline, not an event
            if v == old and not s[PEND]:
                return None  # unchanged since sent (or queued)
        else:
            s[VAL] = v  # a repeated click is a new click
        if kind == K_MOMENT or not s[PEND]:
            s[PEND] = True
            s[T] = now
        return 0 if kind >= K_EVENT else self.flush_ms

    def mark(self, now, floats_only=False):
        """Queue every known capability (unless floats_only) and float property value."""
        for s in self.slots:
            k = s[KIND]
            if s[VAL] is not None and not s[PEND] and (k == K_FLOAT or
                                                       k == K_CAP and not floats_only):
                s[PEND] = True
                s[T] = now

    def due(self, now, max_age, dropped):
        """ms until the earliest pending slot is due (<= 0: now), None if none pends.
        Momentary events older than max_age ms are dropped first (dropped(slot))."""
        due = None
        for s in self.slots:
            if not s[PEND]:
                continue
            age = self._since(s[T], now)
            if s[KIND] == K_MOMENT and age > max_age:
                s[PEND] = False
                dropped(s)
                continue
            d = (self.flush_ms if s[KIND] < K_EVENT else 0) - age
            if due is None or d < due:
                due = d
        return due

    def take(self, user_id, ts, max_body):
        """(body, batch): every pending slot that fits in max_body bytes, as a Body;
        batch = [(slot, its T, its value)] for restore(). The rest stays pending."""
        size = 50 + len(user_id)
        # the body is made from the batch as it is sent: a state's JSON text (about 100
        # bytes) is made only to be measured here, and again piece by piece when written,
        # never held for the whole request (11 states: about 1 KB less at the low point)
        batch = []
        last = None
        for s in self.slots:
            if not s[PEND]:
                continue
            v = s[VAL]
            n = len(_state(s[INST], v, s[TYPE])) + 1 + (44 + len(s[DEV]) if s[DEV] != last
                                                         else 0)
            if batch and size + n > max_body:
                continue  # stays pending: the next request takes it
            size += n
            last = s[DEV]
            batch.append((s, s[T], v))
        body = Body(batch, '],"user_id":%s},"ts":%d}' % (encode_str(user_id), ts))
        for b in batch:  # only now: a MemoryError above leaves everything pending
            b[0][PEND] = False
        return body, batch

    def restore(self, batch):
        """Back to pending, unless a newer report re-queued the slot meanwhile: a retry
        always sends the latest value, never a stale body."""
        for b in batch:
            s, t = b[0], b[1]
            if not s[PEND]:
                s[PEND] = True
                s[T] = t

    def pending(self):
        return sum(1 for s in self.slots if s[PEND])


def _state(inst, v, t):
    # one state's JSON text: {"state":{"instance":...,"value":...},"type":...}
    return '{"state":{"instance":%s,"value":%s},"type":%s}' % (
        encode_str(inst), "true" if v is True else "false" if v is False
        else encode_str(v) if isinstance(v, str) else dumps(v), encode_str(t))


class Body:
    """A callback/state body as small pieces: iterating yields strings whose concatenation
    is the canonical JSON text; .size is its length in bytes. A fragmented board heap
    often has no contiguous block the size of the whole body; the HTTP client writes the
    pieces one by one. batch: [(slot, T, value)] as PendingStates.take() makes it, grouped
    per device; each state's text is made as it is yielded."""

    def __init__(self, batch, tail):
        self._batch = batch
        self._tail = tail
        self.size = 0
        for p in self:
            self.size += len(p.encode())

    def __iter__(self):
        # punctuation, names and each state's JSON as pieces of their own: no piece is a
        # concatenation made for the request (the HTTP client packs them into its buffer)
        yield '{"payload":{"devices":['
        dev = None
        mode = 0  # 1: inside "capabilities", 2: inside "properties"
        for b in self._batch:
            s = b[0]
            d = s[DEV]
            prop = s[KIND] >= K_FLOAT
            if d != dev:
                if dev is not None:
                    # keys in canonical order: capabilities, id, properties
                    if mode == 1:
                        yield '],"id":'
                        yield encode_str(dev)
                        yield "},{"
                    else:
                        yield "]},{"
                else:
                    yield "{"
                dev = d
                mode = 0
            if not prop:
                yield '"capabilities":[' if mode == 0 else ","
                mode = 1
            elif mode == 2:
                yield ","
            else:
                if mode:
                    yield "],"
                yield '"id":'
                yield encode_str(d)
                yield ',"properties":['
                mode = 2
            yield _state(s[INST], b[2], s[TYPE])
        if dev is not None:
            if mode == 1:
                yield '],"id":'
                yield encode_str(dev)
                yield "}"
            else:
                yield "]}"
        yield self._tail
