# The notifier's policy (docs/yango.md §6) driven through poll()/complete() with injected
# ticks and clock: pure logic, both runtimes.
import json

from clock import Clock
from support import FakeTicks
from yango.notifier import YangoNotifier

T0 = 1735689600
ON = "devices.capabilities.on_off"
RANGE = "devices.capabilities.range"
COLOR = "devices.capabilities.color_setting"
FLOAT = "devices.properties.float"
EVENT = "devices.properties.event"
LAMP = {"id": "lamp", "capabilities": [
    {"type": ON, "reportable": True},
    {"type": RANGE, "reportable": True,
     "parameters": {"instance": "brightness", "range": {"min": 1, "max": 100}}},
    {"type": COLOR, "reportable": True,
     "parameters": {"color_model": "rgb", "temperature_k": {"min": 2700, "max": 6500}}}]}
SENSOR = {"id": "hall", "properties": [
    {"type": FLOAT, "reportable": True,
     "parameters": {"instance": "temperature", "unit": "unit.temperature.celsius"}},
    {"type": FLOAT, "reportable": True,
     "parameters": {"instance": "humidity", "unit": "unit.percent"}},
    {"type": EVENT, "reportable": True,
     "parameters": {"instance": "motion", "events": [{"value": "detected"},
                                                     {"value": "not_detected"}]}},
    {"type": EVENT, "reportable": True, "retrievable": False,
     "parameters": {"instance": "button", "events": [{"value": "click"},
                                                     {"value": "double_click"}]}}]}
OK = b'{"request_id":"r-ok","status":"ok"}'


class Rig:
    def __init__(self, discovery=False, synced=True):
        self.ft = FakeTicks(start=(1 << 30) - 2500)  # the tick counter wraps early on
        self.clock = Clock(self.ft)
        self.logs = []
        self.n = YangoNotifier("http://127.0.0.1:9/", "sk", "tok", "u-1", self.clock,
                               log=self.logs.append, discovery=discovery, rand=lambda n: 0)
        self.n.declare(LAMP)
        self.n.declare(SENSOR, [(EVENT, "motion", "not_detected")])
        if synced:
            self.sync()

    def sync(self):
        self.clock.sync(T0)

    def advance(self, ms):
        self.ft.advance(ms)

    def poll(self):
        return self.n.poll()

    def boot(self, lamp_off=True, wait_gap=True):
        """Past the initial full report (answered 202); returns that request."""
        if lamp_off:
            self.n.report("lamp", ON, "on", False)
        w = self.poll()
        assert w == self.n.initial_delay_ms, w
        self.advance(w)
        req = self.poll()
        assert not isinstance(req, int) and req is not None, req
        self.n.complete(req, 202, OK)
        if wait_gap:
            self.advance(self.n.gap_ms)
        return req

    def send_due(self, status=202, body=OK):
        """Advance to the next request, answer it; returns its states."""
        for _ in range(100):
            r = self.poll()
            if r is None or isinstance(r, int):
                assert r is not None, "nothing due"
                self.advance(r)
                continue
            self.n.complete(r, status, body)
            return states(r)
        raise AssertionError("no request")


def text(req):
    return "".join(req[2])  # the body comes as pieces


def states(req):
    j = json.loads(text(req))
    assert isinstance(j["ts"], int)
    out = {}
    for d in j["payload"]["devices"]:
        for key in ("capabilities", "properties"):
            for s in d.get(key, []):
                k = (d["id"], s["state"]["instance"])
                assert k not in out, "two entries for one instance"
                out[k] = s["state"]["value"]
    return out


def test_nothing_before_the_clock_then_one_full_report():
    r = Rig(synced=False)
    r.n.report("lamp", ON, "on", True)
    r.n.report("hall", FLOAT, "temperature", 21.5)
    assert r.poll() == r.n.sync_poll_ms
    r.advance(60000)
    assert r.poll() == r.n.sync_poll_ms
    r.sync()
    assert r.poll() == r.n.initial_delay_ms  # devices settle; still nothing sent
    r.advance(r.n.initial_delay_ms)
    req = r.poll()
    kind, url, _parts, batch, t = req
    body = text(req)
    assert kind == "state" and url == "http://127.0.0.1:9/api/v1/skills/sk/callback/state"
    assert json.loads(body)["ts"] == T0 + 2  # integer Unix seconds from the synced clock
    assert json.loads(body)["payload"]["user_id"] == "u-1"
    assert states(req) == {("lamp", "on"): True, ("hall", "temperature"): 21.5}
    assert r.n.poll() is None  # in flight: never two at once
    r.n.complete(req, 202, OK)
    assert r.n.stats["ok"] == 1 and r.n.stats["last_request_id"] == "r-ok"
    assert "request_id=r-ok" in r.logs[-1]


def test_fast_toggles_coalesce_into_the_final_state():
    r = Rig()
    r.boot()
    for i in range(9):
        r.n.report("lamp", ON, "on", i % 2 == 0)
        r.advance(50)
    r.n.report("lamp", RANGE, "brightness", 30)
    w = r.poll()
    assert w == r.n.states.flush_ms - 450, w  # the window opened at the first toggle
    r.advance(w)
    req = r.poll()
    assert states(req) == {("lamp", "on"): True, ("lamp", "brightness"): 30}
    assert r.n.stats["requests"] == 2


def test_value_rules_ints_floats_bools():
    r = Rig()
    r.boot()
    r.n.report("lamp", COLOR, "temperature_k", 3500.0)
    r.n.report("lamp", COLOR, "rgb", 0xFF8000)
    r.n.report("lamp", RANGE, "brightness", 250)
    r.n.report("lamp", ON, "on", 1)
    r.n.report("hall", FLOAT, "humidity", 47.126)
    req = r.poll()
    r.advance(r.n.states.flush_ms)
    req = r.poll()
    body = text(req)
    assert '"value":3500}' in body and "3500.0" not in body
    assert states(req) == {("lamp", "temperature_k"): 3500, ("lamp", "rgb"): 0xFF8000,
                           ("lamp", "brightness"): 100, ("lamp", "on"): True,
                           ("hall", "humidity"): 47.13}
    assert '"value":true' in body


def test_only_declared_instances_and_valid_values():
    r = Rig()
    r.boot()
    r.n.report("lamp", RANGE, "volume", 3)
    r.n.report("ghost", ON, "on", True)
    r.n.report("lamp", ON, "on", "maybe")
    r.n.report("hall", EVENT, "motion", "dancing")
    assert r.n.stats["invalid"] == 4
    assert r.poll() > 3000000  # nothing due before the heartbeat
    assert "ghost devices.capabilities.on_off on ignored: not declared" in r.logs[-3]


def test_events_go_at_once_but_respect_the_gap():
    r = Rig()
    r.boot(wait_gap=False)
    r.advance(200)  # 200 ms after the last request started
    r.n.report("hall", EVENT, "motion", "detected")
    assert r.poll() == 800  # gap_ms floor
    r.advance(800)
    assert states(r.poll()) == {("hall", "motion"): "detected"}


def test_stateful_event_baseline_and_repeats():
    r = Rig()
    r.boot()
    r.n.report("hall", EVENT, "motion", "not_detected")  # same as the baseline
    assert r.poll() > 3000000
    r.n.report("hall", EVENT, "motion", "detected")
    assert states(r.poll()) == {("hall", "motion"): "detected"}


def test_momentary_events_repeat_and_expire():
    r = Rig()
    r.boot()
    r.n.report("hall", EVENT, "button", "click")
    assert r.send_due() == {("hall", "button"): "click"}
    r.n.report("hall", EVENT, "button", "click")  # the same value again is a new click
    # retried after 2 s and 4 s more; the next retry would come 14 s after the click
    for _ in range(3):
        assert r.send_due(503, b"busy") == {("hall", "button"): "click"}
    r.n.report("lamp", ON, "on", True)
    got = r.send_due()
    assert got == {("lamp", "on"): True}, got  # the click aged out, not retried
    assert r.n.stats["dropped"] == 1
    assert [x for x in r.logs if "older than 10 s" in x]


def test_5xx_and_network_errors_retry_from_the_latest_state():
    r = Rig()
    r.boot()
    r.n.report("lamp", ON, "on", True)
    r.n.report("lamp", RANGE, "brightness", 10)
    backoffs = []
    for status, body in ((500, b'{"status":"error","error_code":"INTERNAL_ERROR"}'),
                         (None, "HttpTimeout: response timed out after 5 s"),
                         (502, b"Bad Gateway"), (None, "HttpError: connect failed")):
        w = r.poll()
        if isinstance(w, int):
            backoffs.append(w)
            r.advance(w)
        req = r.poll()
        r.n.complete(req, status, body)
        r.n.report("lamp", RANGE, "brightness", 10 + len(backoffs))  # keeps changing
    w = r.poll()
    backoffs.append(w)
    r.advance(w)
    req = r.poll()
    assert backoffs[1:] == [2000, 4000, 8000, 16000], backoffs
    assert states(req) == {("lamp", "on"): True, ("lamp", "brightness"): 14}
    r.n.complete(req, 202, OK)
    assert r.n.stats["retries"] == 4 and r.n.stats["errors"] == 4
    r.n.report("lamp", ON, "on", False)
    assert r.poll() == 1000  # back to the normal window: failures reset
    assert [x for x in r.logs if "retry in 16 s (failure 4)" in x]


def test_408_and_429_are_retried_like_5xx():
    for status in (408, 429):
        r = Rig()
        r.boot()
        r.n.report("lamp", ON, "on", True)
        r.advance(1000)
        req = r.poll()
        r.n.complete(req, status, b'{"request_id":"r-%d","status":"error"}' % status)
        assert r.n.stats["retries"] == 1 and r.n.stats["dropped"] == 0, status
        r.n.report("lamp", RANGE, "brightness", 70)  # newer state joins the retry
        w = r.poll()
        assert w == r.n.backoff_ms, (status, w)
        r.advance(w)
        assert states(r.poll()) == {("lamp", "on"): True, ("lamp", "brightness"): 70}
        assert [x for x in r.logs if "HTTP %d" % status in x and "retry in 2 s" in x]


def test_backoff_caps_and_keeps_trying():
    r = Rig()
    r.boot()
    r.n.report("lamp", ON, "on", True)
    waits = []
    for _ in range(9):
        w = r.poll()
        if isinstance(w, int):
            waits.append(w)
            r.advance(w)
        r.n.complete(r.poll(), 503, b"")
    assert max(waits) == r.n.backoff_max_ms
    assert [x for x in r.logs if "ERROR: 5 failures in a row" in x]
    r.advance(r.n.backoff_max_ms)
    assert states(r.poll()) == {("lamp", "on"): True}  # never given up


def test_400_is_logged_and_dropped_not_retried():
    r = Rig()
    r.boot()
    r.n.report("lamp", ON, "on", True)
    r.advance(1000)
    req = r.poll()
    r.n.report("lamp", RANGE, "brightness", 55)  # arrives while the request is out
    r.n.complete(req, 400, b'{"request_id":"r-400","status":"error","error_code":'
                           b'"INVALID_VALUE","error_message":"bad value"}')
    line = r.logs[-1]
    assert "HTTP 400 request_id=r-400 error_code=INVALID_VALUE" in line
    assert "bad value" in line and "dropped, not retried" in line
    assert r.n.stats["dropped"] == 1
    r.advance(2000)
    assert states(r.poll()) == {("lamp", "brightness"): 55}  # on=true is not resent


def test_401_stops_until_the_config_changes():
    r = Rig()
    r.boot()
    r.n.report("lamp", ON, "on", True)
    r.advance(1000)
    r.n.complete(r.poll(), 401, b"Unauthorized")
    assert r.n.stopped == "HTTP 401"
    assert "ERROR: config: check yango.token;" in r.logs[-1]
    assert "'Unauthorized'" in r.logs[-2]
    r.n.report("lamp", ON, "on", False)
    r.n.report("hall", EVENT, "button", "click")
    r.advance(3600000)
    assert r.poll() is None  # nothing is sent while stopped
    r.n.configure(token="new-token")
    assert r.n.stopped is None
    req = r.poll()
    assert states(req) == {("lamp", "on"): False}  # latest state; the old click expired
    r.n.complete(req, 202, OK)


def test_403_names_the_skill():
    r = Rig()
    r.boot()
    r.n.report("lamp", ON, "on", True)
    r.advance(1000)
    r.n.complete(r.poll(), 403, b"")
    assert r.n.stopped == "HTTP 403" and "skill_id" in r.logs[-1]


def test_unknown_user_tolerated_once_then_an_error():
    r = Rig()
    r.boot()
    uu = b'{"request_id":"r-uu","status":"error","error_code":"UNKNOWN_USER"}'
    r.n.report("lamp", ON, "on", True)
    assert r.send_due(400, uu) == {("lamp", "on"): True}
    assert "tolerated once" in r.logs[-1] and r.n.stats["dropped"] == 0
    assert r.send_due() == {("lamp", "on"): True}  # the retry delivers
    r.n.report("lamp", ON, "on", False)
    r.send_due(400, uu)
    r.send_due(400, uu)
    assert [x for x in r.logs if "ERROR: user_id 'u-1' unknown to the skill 2 times" in x]
    assert r.n.stats["dropped"] == 1 and r.n.stopped is None


def test_discovery_at_boot_then_state():
    r = Rig(discovery=True)
    req = r.poll()
    assert req[0] == "discovery" and req[1].endswith("/callback/discovery")
    assert json.loads(text(req)) == {"ts": T0, "payload": {"user_id": "u-1"}}
    r.n.complete(req, 202, OK)
    r.n.report("lamp", ON, "on", True)
    r.advance(r.n.initial_delay_ms)
    assert r.poll()[0] == "state"


def test_discovery_gives_up_after_its_tries():
    r = Rig(discovery=True)
    r.n.report("lamp", ON, "on", True)
    kinds = []
    for _ in range(4):
        w = r.poll()
        if isinstance(w, int):
            r.advance(w)
            w = r.poll()
        kinds.append(w[0])
        r.n.complete(w, 500, b"")
    assert kinds == ["discovery", "discovery", "discovery", "state"], kinds


def test_hourly_heartbeat_resends_floats_only():
    r = Rig()
    r.n.report("hall", FLOAT, "temperature", 20.25)
    r.n.report("lamp", ON, "on", True)
    assert states(r.boot(lamp_off=False)) == {("hall", "temperature"): 20.25,
                                              ("lamp", "on"): True}
    r.advance(r.n.heartbeat_ms + r.n.jitter_ms[0] - r.n.gap_ms - 10)
    assert 0 < r.poll() <= 10
    r.advance(10)
    assert r.send_due() == {("hall", "temperature"): 20.25}  # after the 1 s window


def test_body_cap_splits_a_large_batch():
    r = Rig()
    r.n.max_body = 400
    for i in range(12):
        r.n.declare({"id": "relay-%d" % i, "capabilities": [{"type": ON}]})
        r.n.report("relay-%d" % i, ON, "on", True)
    first = r.boot(lamp_off=False)
    assert len(text(first)) <= 400
    got = states(first)
    n = 1
    while len(got) < 12:
        s = r.send_due()
        assert not set(s) & set(got)
        got.update(s)
        n += 1
    assert n >= 3 and sorted(got) == sorted(("relay-%d" % i, "on") for i in range(12))



def test_an_unset_clock_is_said_once_not_silently_waited_on():
    # the replayed report: a Yango-only board without a time source sent nothing, silently
    r = Rig(synced=False)
    r.n.report("lamp", ON, "on", True)
    for _ in range(60):
        assert r.poll() == r.n.sync_poll_ms
        r.advance(1000)
    said = [x for x in r.logs if "the clock is not set" in x]
    assert len(said) == 1 and "1 state(s) waiting" in said[0], r.logs
