"""Issue 18, Yango half: after a batch the 4xx policy dropped, a later full-state report
(rate-limited) makes the platform converge on the real state. Real MicroPython against
the Yango double on 127.0.0.1."""

import pytest
from test_yango_notifier_mp import FAST, HALL, LAMP, ON, boot, state_requests
from yango_rig import build_mpy, run_notifier

from tools.yango_server import YangoDouble


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    return build_mpy(str(tmp_path_factory.mktemp("mpy")))


@pytest.fixture
def double():
    y = YangoDouble(devices=[LAMP, HALL], log=lambda line: None)
    with y.serve_in_thread():
        yield y
    assert y.violations == [], y.violations


def test_a_dropped_batch_is_followed_by_one_full_report(double, mpy_dir):
    double.fail("pass", 1)  # the initial report goes through ...
    double.fail("400", 1)  # ... the lamp turning on is refused and dropped
    res, logs, _ = run_notifier(double, boot() + [
        {"idle": 5000}, {"report": ["lamp", ON, "on", True]}, {"idle": 3000},
        {"sleep_ms": 2500}], mpy_dir, knobs=dict(FAST, resync_ms=1500))
    reqs = state_requests(double)
    st = [r["status"] for r in reqs]
    assert st[:2] == [202, 400] and set(st[2:]) == {202} and len(st) <= 4, st
    assert double.latest[("lamp", "on_off", "on")] is True  # converged
    assert any("dropped, not retried; full state report in 1 s" in x for x in logs), logs
    assert any("yango: full state report (a batch was dropped)" in x for x in logs), logs
    assert res["stats"]["dropped"] >= 1
