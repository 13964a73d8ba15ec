from clock import EPOCH_2000_OFFSET, Clock, epoch_offset
from support import FakeTicks, raises


def make(start=0, bits=30):
    t = FakeTicks(start, bits)
    return t, Clock(t.ticks_ms, t.ticks_diff, t.ticks_add)


def test_not_synced_until_sync():
    t, c = make()
    assert not c.synced and c.now() is None
    c.sync(1700000000)
    assert c.synced and c.now() == 1700000000
    t.advance(1999)
    assert c.now() == 1700000001


def test_rejects_bad_sync_values():
    _, c = make()
    for bad in (0, -5, 1.7e9, "1700000000", True, None):
        with raises(ValueError):
            c.sync(bad)
    assert not c.synced


def test_wraps_at_2_30():
    # Sync just before the 2^30 wrap, step across it in small increments.
    t, c = make(start=(1 << 30) - 5000)
    c.sync(1700000000)
    for _ in range(20):
        t.advance(1000)
    assert t.t < 20000  # the counter really wrapped
    assert c.now() == 1700000020


def test_runs_for_weeks_across_many_wraps():
    # 40 days = three 2^30 wraps; reading hourly keeps the base inside ticks_diff's range.
    t, c = make(start=123456)
    c.sync(1700000000)
    hour = 3600 * 1000
    for _ in range(40 * 24):
        t.advance(hour)
        c.now()
    assert c.now() == 1700000000 + 40 * 24 * 3600


def test_no_drift_from_rebasing():
    t, c = make()
    c.sync(1000)
    for _ in range(5000):
        t.advance(3_600_777)
        c.now()
    assert c.now() == 1000 + (5000 * 3_600_777) // 1000


def test_resync_moves_time():
    t, c = make()
    c.sync(1700000000)
    t.advance(10_000)
    c.sync(1700000100)
    assert c.now() == 1700000100 and c.syncs == 2


def test_epoch_2000_correction():
    assert epoch_offset(lambda s: (2000, 1, 1)) == EPOCH_2000_OFFSET == 946684800
    assert epoch_offset(lambda s: (1970, 1, 1)) == 0
    _, c = make()
    c.sync_local(753315200, EPOCH_2000_OFFSET)  # 2023-11-14 counted from 2000
    assert c.now() == 1700000000
