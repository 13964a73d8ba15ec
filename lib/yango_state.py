# Pending Yango state: one slot per declared (device, type, instance), newest value wins,
# so a request never carries two entries for one instance (yango.md §6.1, dext0r #406).
from canonical_json import dumps
from yango_payloads import K_CAP, K_EVENT, K_FLOAT, K_MOMENT, normalize, pairs

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# slot fields: a small list per pair
DEV = const(0)
TYPE = const(1)
INST = const(2)
PARAMS = const(3)
KIND = const(4)
VAL = const(5)  # latest normalised value, None while unknown
PEND = const(6)  # waiting to be sent
T = const(7)  # ticks when it turned pending: window start, event age


class PendingStates:
    FLUSH_MS = 1000  # window for capabilities and float properties; events go at once

    def __init__(self, ticks_diff):
        self._diff = ticks_diff
        self.slots = []
        self._index = {}  # device id -> type -> instance -> slot

    def declare(self, entry):
        """Index a discovery entry's pairs (replacing an earlier one with the same id,
        keeping known values). Items marked reportable: false are left out."""
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValueError("discovery entry needs a string id")
        dev = entry["id"]
        old = self._index.get(dev, {})
        types = {}
        slots = [s for s in self.slots if s[DEV] != dev]
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
                    p = old.get(t, {}).get(inst)
                    s = [dev, t, inst, d.get("parameters"), kind,
                         p[VAL] if p is not None and p[KIND] == kind else None, False, 0]
                    types.setdefault(t, {})[inst] = s
                    slots.append(s)
        self.slots = slots
        self._index[dev] = types

    def report(self, dev, t, inst, value, now):
        """Record a value. Returns the ms until it is due (0 for events), or None when
        nothing is to be sent. ValueError/KeyError for an undeclared pair or bad value."""
        s = self._index[dev][t][inst]
        v = normalize(t, inst, s[PARAMS], value)
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
        return 0 if kind >= K_EVENT else self.FLUSH_MS

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
            age = self._diff(now, s[T])
            if s[KIND] == K_MOMENT and age > max_age:
                s[PEND] = False
                dropped(s)
                continue
            d = (self.FLUSH_MS if s[KIND] < K_EVENT else 0) - age
            if due is None or d < due:
                due = d
        return due

    def take(self, user_id, ts, max_body):
        """(body, batch): every pending slot that fits in max_body bytes, as one
        callback/state body; batch = [(slot, its T)] for restore(). The rest stays."""
        size = 40 + len(user_id) + len(str(ts))
        devices = {}
        batch = []
        for s in self.slots:
            if not s[PEND]:
                continue
            st = {"type": s[TYPE], "state": {"instance": s[INST], "value": s[VAL]}}
            n = len(dumps(st)) + 1
            d = devices.get(s[DEV])
            if d is None:
                n += 40 + len(s[DEV])
            if batch and size + n > max_body:
                continue
            size += n
            if d is None:
                d = devices[s[DEV]] = {"id": s[DEV]}
            d.setdefault("properties" if s[KIND] >= K_FLOAT else "capabilities", []).append(st)
            batch.append((s, s[T]))
        body = dumps({"ts": ts, "payload": {"user_id": user_id,
                                            "devices": list(devices.values())}})
        for s, _t in batch:  # only now: a MemoryError above leaves everything pending
            s[PEND] = False
        return body, batch

    def restore(self, batch):
        """Back to pending, unless a newer report re-queued the slot meanwhile: a retry
        always sends the latest value, never a stale body."""
        for s, t in batch:
            if not s[PEND]:
                s[PEND] = True
                s[T] = t

    def pending(self):
        return sum(1 for s in self.slots if s[PEND])
