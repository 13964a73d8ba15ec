# The Yango side's stored ticks (pending-state ages, the notifier's retry, initial-report
# and heartbeat deadlines) left alone for 7 and 13 days: the next action happens on time.
# Fake ticks wrap at 2^30 like the ESP ports'.
from clock import Clock
from support import IDLE_DAYS, FakeTicks
from yango.notifier import YangoNotifier
from yango.state import PendingStates

T0 = 1735689600
ON = "devices.capabilities.on_off"
EV = "devices.properties.event"
LAMP = {"id": "lamp", "capabilities": [{"type": ON}]}
BTN = {"id": "btn", "properties": [{"type": EV, "parameters": {
    "instance": "button", "events": [{"value": "click"}]}}]}
OK = b'{"request_id":"r","status":"ok"}'


def test_yango_pending_state_left_for_days_is_due_now():
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        p = PendingStates(Clock(t))
        p.declare(LAMP)
        p.declare(BTN)
        p.report("lamp", ON, "on", True, t.ticks_ms())
        p.report("btn", EV, "button", "click", t.ticks_ms())
        t.idle(days)  # sending stopped, or a long outage
        dropped = []
        assert p.due(t.ticks_ms(), 10000, dropped.append) <= 0, days
        assert [s[0] for s in dropped] == ["btn"]  # a click days old is dropped, not kept


def _notifier(t):
    clock = Clock(t)
    clock.sync(T0)
    logs = []
    n = YangoNotifier("http://127.0.0.1:9/", "sk", "tok", "u", clock, log=logs.append,
                      rand=lambda n: 0)
    n.declare(LAMP)
    return n, logs


def _send(n):
    r = n.poll()
    assert r is not None and not isinstance(r, int), r
    return r


def test_yango_retry_deadline_left_for_days_does_not_hold_the_next_report():
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        n, _ = _notifier(t)
        n.report("lamp", ON, "on", True)
        t.advance(n.poll())  # the initial delay
        n.complete(_send(n), 503, b"")  # retry in 2 s ...
        t.advance(n.backoff_ms)
        n.complete(_send(n), 202, OK)  # ... delivered
        t.idle(days)
        n.report("lamp", ON, "on", False)
        w = n.poll()
        assert w == n.flush_ms, (days, w)  # the usual 1 s window, not 5.4 days
        t.advance(w)
        assert _send(n)[0] == "state"


def test_yango_after_days_stopped_sends_on_reconfigure():
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        n, _ = _notifier(t)
        n.report("lamp", ON, "on", True)
        t.advance(n.poll())
        n.complete(_send(n), 401, b"Unauthorized")  # stopped until the config changes
        t.idle(days)
        n.configure(token="tok2")
        r = n.poll()
        if isinstance(r, int):
            assert r <= n.flush_ms, (days, r)  # not days
            t.advance(r)
            r = n.poll()
        assert r[0] == "state" and '"value":true' in "".join(r[2]), (days, r)
