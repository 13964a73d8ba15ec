from clock import Clock
from support import DAY_MS, FakeTicks, raises

T = 1700000000


def make(start=0, bits=30):
    t = FakeTicks(start, bits)
    logs = []
    return t, Clock(t, logs.append)


def test_not_synced_until_sync():
    t, c = make()
    assert not c.synced and c.now() is None
    c.sync(T)
    assert c.synced and c.now() == T
    t.advance(1999)
    assert c.now() == T + 1


def test_rejects_bad_sync_values():
    _, c = make()
    for bad in (0, -5, 1.7e9, "1700000000", True, None, T * 1000 + 123, 1000):
        with raises(ValueError):
            c.sync(bad)
    assert not c.synced


def test_wraps_at_2_30():
    # Sync just before the 2^30 wrap, step across it in small increments.
    t, c = make(start=(1 << 30) - 5000)
    c.sync(T)
    for _ in range(20):
        t.advance(1000)
    assert t.t < 20000  # the counter really wrapped
    assert c.now() == T + 20


def test_runs_for_weeks_across_many_wraps():
    # 40 days = three 2^30 wraps; reading hourly keeps the base inside ticks_diff's range.
    t, c = make(start=123456)
    c.sync(T)
    hour = 3600 * 1000
    for _ in range(40 * 24):
        t.advance(hour)
        c.now()
    assert c.now() == T + 40 * 24 * 3600


def test_no_drift_from_rebasing():
    t, c = make()
    c.sync(T)
    for _ in range(5000):
        t.advance(3_600_777)
        c.now()
    assert c.now() == T + (5000 * 3_600_777) // 1000


def test_resync_moves_time():
    t, c = make()
    c.sync(T)
    t.advance(10_000)
    c.sync(T + 100)
    assert c.now() == T + 100 and c.syncs == 2


def test_a_weaker_source_never_overrides_a_stronger_one():
    _, c = make()
    assert c.sync(T - 500, "rtc")  # the RTC at boot: better than nothing
    assert c.sync(T, "sntp") and c.now() == T and c.name == "sntp"
    assert not c.sync(T - 500, "rtc") and c.now() == T
    assert c.sync(T + 1, "sinric") and c.now() == T + 1 and c.syncs == 3


def test_since_reads_a_tick_left_for_days_as_old():
    t, c = make(start=(1 << 30) - 1000)
    past = t.ticks_ms()
    t.advance(500)
    assert c.since(past) == 500
    for days in (7, 13, 25):
        t2 = FakeTicks(past)
        t2.advance(days * DAY_MS)
        got = c.since(past, t2.ticks_ms())
        # days later: never negative (the future), and past a wrap at most its age mod 2^30
        assert got >= 0
        assert got == (1 << 29) - 1 or got == (days * DAY_MS) % (1 << 30)
        assert got >= 60_000  # "has a minute passed?" is true


def test_until_reads_a_deadline_left_for_days_as_passed():
    t, c = make(start=5)
    due = t.ticks_add(t.ticks_ms(), 2000)
    assert c.until(due, 2000) == 2000
    t.advance(1500)
    assert c.until(due, 2000) == 500
    t.advance(600)
    assert c.until(due, 2000) == 0
    for days in (7, 13):
        t.advance(days * DAY_MS)
        assert c.until(due, 2000) == 0


def test_uptime_survives_the_tick_wrap():
    t, c = make(start=(1 << 30) - 1000)
    t.advance(10_000)
    assert c.uptime_s() == 10
    c.sync(T)
    for _ in range(20 * 24):  # 20 days, the clock read hourly (the time service does)
        t.advance(3_600_000)
        c.now()
    assert c.uptime_s() == 10 + 20 * 86400
