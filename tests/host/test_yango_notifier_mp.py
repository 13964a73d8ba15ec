"""The notifier on real MicroPython (lib precompiled, -X heapsize=38wK) against the Yango
double in-process on 127.0.0.1: coalescing, value rules and every error path."""

import pytest
from yango_rig import CAP, PROP, build_mpy, run_notifier

from tools.yango.discovery import (
    color_cap,
    device_entry,
    event_prop,
    float_prop,
    on_off_cap,
    range_cap,
)
from tools.yango_server import YangoDouble

ON = CAP + "on_off"
RANGE = CAP + "range"
COLOR = CAP + "color_setting"
FLOAT = PROP + "float"
EVENT = PROP + "event"
LAMP = device_entry("lamp", "Lamp", "light", [on_off_cap(), range_cap("brightness", 1, 100),
                                              color_cap("rgb", (2700, 6500))])
HALL = device_entry("hall", "Hall", "sensor", [], [
    float_prop("temperature"), event_prop("motion", ["detected", "not_detected"]),
    event_prop("button", ["click", "double_click"])])
# fast knobs for the error paths; the coalescing test keeps the real 1 s windows
FAST = {"initial_delay_ms": 50, "backoff_ms": 150, "gap_ms": 100, "flush_ms": 100,
        "timeout_s": 1}


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    return build_mpy(str(tmp_path_factory.mktemp("mpy")))


@pytest.fixture
def double():
    logs = []
    y = YangoDouble(devices=[LAMP, HALL], log=logs.append)
    y.lines = logs
    with y.serve_in_thread():
        yield y
    assert y.violations == [], y.violations


def boot(lamp_on=False):
    return [{"declare": LAMP, "state": [[ON, "on", lamp_on], [RANGE, "brightness", 50]]},
            {"declare": HALL, "state": [[EVENT, "motion", "not_detected"]]}]


def state_requests(y):
    return [r for r in y.requests if r["kind"] == "state"]


def test_fast_toggles_coalesce_into_one_request_with_the_final_state(double, mpy_dir):
    toggles = [["lamp", ON, "on", i % 2 == 1] for i in range(22)]  # ends on True
    res, logs, _ = run_notifier(double, boot() + [
        {"idle": 10000}, {"sleep_ms": 1100},
        {"burst": toggles + [["lamp", RANGE, "brightness", 80]], "gap_ms": 10},
        {"idle": 10000}], mpy_dir, knobs={"initial_delay_ms": 50})
    reqs = state_requests(double)
    assert [r["status"] for r in reqs] == [202, 202], double.lines
    first, second = (r["states"] for r in reqs)
    assert {(s["instance"], s["value"]) for s in first} == {("on", False), ("brightness", 50)}
    assert [(s["instance"], s["value"]) for s in second] == [("on", True), ("brightness", 80)]
    assert res["stats"]["requests"] == 2 and res["stats"]["ok"] == 2
    assert res["idle_ok"] and res["pending"] == 0
    assert any("request_id=" in x and "HTTP 202" in x for x in logs)


def test_ints_floats_and_bools_reach_the_double_as_the_platform_wants(double, mpy_dir):
    run_notifier(double, boot(True) + [
        {"report": ["lamp", COLOR, "temperature_k", 3500.0]},
        {"report": ["lamp", COLOR, "rgb", 16744448.0]},
        {"report": ["lamp", RANGE, "brightness", 33.333]},
        {"report": ["hall", FLOAT, "temperature", 21.456]},
        {"idle": 10000}], mpy_dir, knobs=FAST)
    assert all(r["status"] == 202 for r in double.requests), double.lines
    assert double.latest[("lamp", "color_setting", "temperature_k")] == 3500
    assert double.latest[("lamp", "color_setting", "rgb")] == 16744448
    assert double.latest[("lamp", "on_off", "on")] is True
    assert double.latest[("lamp", "range", "brightness")] == 33.33
    assert double.latest[("hall", "float", "temperature")] == 21.46
    bodies = [r["body"] for r in double.requests]
    ints = [s["state"]["value"] for b in bodies for d in b["payload"]["devices"]
            for s in d.get("capabilities", []) if s["state"]["instance"] == "temperature_k"]
    assert ints == [3500] and type(ints[0]) is int
    assert all(type(b["ts"]) is int for b in bodies)


def test_recovery_after_5xx_timeouts_resets_delivers_the_latest_state(double, mpy_dir):
    double.hang_s = 5
    double.fail("503", 2)
    double.fail("timeout", 1)
    double.fail("reset", 1)
    double.fail("500", 1)
    steps = boot() + [{"sleep_ms": 200}]
    for i in range(10):  # keeps changing while the service is failing
        steps += [{"report": ["lamp", RANGE, "brightness", 10 + i]},
                  {"report": ["lamp", ON, "on", i % 2 == 0]},
                  {"report": ["hall", FLOAT, "temperature", 20 + i / 10]},
                  {"sleep_ms": 250}]
    steps += [{"report": ["lamp", RANGE, "brightness", 99]}, {"idle": 30000}]
    res, logs, _ = run_notifier(double, steps, mpy_dir, knobs=FAST)
    reqs = state_requests(double)
    assert [r["fault"] for r in reqs[:5]] == ["503", "503", "timeout", "reset", "500"]
    assert reqs[-1]["status"] == 202
    assert double.latest[("lamp", "range", "brightness")] == 99
    assert double.latest[("lamp", "on_off", "on")] is False
    assert double.latest[("hall", "float", "temperature")] == 20.9
    assert res["stats"]["retries"] == 5 and res["stats"]["dropped"] == 0
    assert res["pending"] == 0
    assert any("HttpTimeout" in x and "retry in" in x for x in logs), logs
    assert any("HTTP 503" in x and "retry in" in x for x in logs), logs
    assert any("HTTP 500" in x and "INTERNAL_ERROR" in x for x in logs), logs
    # retried bodies are rebuilt: no failed body is ever replayed as it was
    bodies = [r["body"] for r in reqs if r["body"]]
    assert len({str(b) for b in bodies}) == len(bodies)


def test_400_is_logged_with_its_ids_and_not_retried(double, mpy_dir):
    double.fail("pass", 1)  # the initial report goes through, the next one gets a 400
    double.fail("400", 1)
    res, logs, _ = run_notifier(double, boot() + [
        {"idle": 5000}, {"report": ["lamp", ON, "on", True]}, {"idle": 5000},
        {"sleep_ms": 1000}], mpy_dir, knobs=FAST)
    reqs = state_requests(double)
    assert [r["status"] for r in reqs] == [202, 400], double.lines
    rid = reqs[1]["request_id"]
    line = [x for x in logs if "HTTP 400" in x][0]
    assert "request_id=%s" % rid in line and "error_code=INVALID_VALUE" in line
    assert "error_message='injected fault'" in line and "dropped, not retried" in line
    assert res["stats"]["dropped"] == 1 and res["stats"]["retries"] == 0


def test_401_stops_sending_until_the_config_changes(double, mpy_dir):
    double.fail("401", 1)
    res, logs, marks = run_notifier(double, boot() + [
        {"idle": 5000}, {"report": ["lamp", ON, "on", True]},
        {"report": ["hall", EVENT, "motion", "detected"]}, {"sleep_ms": 1500},
        {"mark": "before-configure"}, {"configure": {"token": "token-1"}},
        {"idle": 5000}], mpy_dir, knobs=FAST)
    reqs = state_requests(double)
    assert [r["status"] for r in reqs] == [401, 202], double.lines
    assert any("ERROR: config: check yango.token" in x for x in logs)
    assert {(s["instance"], s["value"]) for s in reqs[1]["states"]} == {
        ("on", True), ("brightness", 50), ("motion", "detected")}  # nothing stateful lost
    assert res["stopped"] is None


def test_403_stops_sending(double, mpy_dir):
    double.fail("403", 1)
    res, logs, _ = run_notifier(double, boot() + [
        {"idle": 3000}, {"report": ["lamp", ON, "on", True]}, {"sleep_ms": 1500}],
        mpy_dir, knobs=FAST)
    assert [r["status"] for r in state_requests(double)] == [403]
    assert res["stopped"] == "HTTP 403" and res["pending"] == 2  # kept for a restart
    assert any("skill_id" in x and "sending stopped" in x for x in logs)


def test_wrong_token_and_skill_are_refused_by_the_double(double, mpy_dir):
    res, logs, _ = run_notifier(double, boot() + [{"sleep_ms": 800}], mpy_dir, knobs=FAST,
                                token="wrong")
    assert [r["status"] for r in double.requests] == [401]
    assert res["stopped"] == "HTTP 401"


def test_unknown_user_once_is_tolerated_twice_is_an_error(double, mpy_dir):
    double.fail("unknown_user", 1)
    res, logs, _ = run_notifier(double, boot() + [{"idle": 5000}], mpy_dir, knobs=FAST)
    assert [r["status"] for r in state_requests(double)] == [400, 202]
    assert any("tolerated once" in x for x in logs)
    double.requests.clear()
    double.fail("unknown_user", 2)
    res, logs, _ = run_notifier(double, boot() + [{"idle": 5000}, {"sleep_ms": 300}],
                                mpy_dir, knobs=FAST)
    assert [r["status"] for r in state_requests(double)] == [400, 400]
    assert any("ERROR: user_id 'user-1' unknown to the skill 2 times" in x for x in logs)
    assert res["stats"]["dropped"] == 2


def test_momentary_events_expire_but_stateful_ones_survive(double, mpy_dir):
    double.fail("503", 3)
    res, logs, _ = run_notifier(double, boot() + [
        {"idle": 100}, {"report": ["hall", EVENT, "button", "click"]},
        {"report": ["hall", EVENT, "motion", "detected"]}, {"idle": 20000}],
        mpy_dir, knobs=dict(FAST, backoff_ms=300, event_max_age_ms=600, initial_delay_ms=0))
    ok = [r for r in state_requests(double) if r["status"] == 202]
    sent = {(s["instance"], s["value"]) for r in ok for s in r["states"]}
    assert ("motion", "detected") in sent and ("button", "click") not in sent
    assert res["stats"]["dropped"] == 1
    assert any("'click' dropped: older than" in x for x in logs)


def test_discovery_callback_at_boot(double, mpy_dir):
    run_notifier(double, boot() + [{"idle": 5000}], mpy_dir, knobs=FAST, discovery=True)
    assert [r["kind"] for r in double.requests] == ["discovery", "state"]
    assert double.requests[0]["status"] == 202
    assert set(double.requests[0]["body"]) == {"ts", "payload"}


def test_same_scenario_on_cpython(double):
    run_notifier(double, boot() + [{"report": ["lamp", COLOR, "temperature_k", 3500.0]},
                                   {"idle": 5000}], runtime="cpython", knobs=FAST)
    assert double.latest[("lamp", "color_setting", "temperature_k")] == 3500
