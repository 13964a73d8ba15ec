from clock import Clock
from sinric.event_limiter import EventLimiter
from support import FakeTicks, raises


def make(start=0, max_keys=16):
    t = FakeTicks(start)
    return t, EventLimiter(Clock(t), max_keys)


def test_first_event_goes_at_once_then_the_latest_value_when_the_window_opens():
    t, lim = make()
    assert lim.offer("k", "On", 1000) is None
    assert lim.wait_ms() == 0
    assert lim.take() == ("k", "On", 0)
    assert lim.take() is None and lim.wait_ms() is None
    t.advance(100)
    assert lim.offer("k", "Off", 1000) is None
    t.advance(100)
    assert lim.offer("k", "On", 1000) == "Off"  # replaced: coalesced, not queued twice
    t.advance(100)
    assert lim.offer("k", "Off", 1000) == "On"
    assert lim.take() is None  # window still closed
    assert lim.wait_ms() == 700
    t.advance(699)
    assert lim.take() is None
    t.advance(1)
    assert lim.take() == ("k", "Off", 0)  # the true final state, fresh as its window opens
    assert lim.take() is None


def test_keys_are_independent_and_oldest_goes_first():
    t, lim = make()
    lim.offer(("d", "setRangeValue", "a"), 1, 1000)
    t.advance(10)
    lim.offer(("d", "setRangeValue", "b"), 2, 1000)
    t.advance(10)
    lim.offer(("d", "currentTemperature", None), {"t": 20}, 60000)
    assert [lim.take()[1] for _ in range(3)] == [1, 2, {"t": 20}]
    t.advance(1000)
    lim.offer(("d", "currentTemperature", None), {"t": 21}, 60000)
    lim.offer(("d", "setRangeValue", "a"), 3, 1000)
    assert lim.take()[1] == 3  # 1 s gap over; the sensor waits for its 60 s gap
    assert lim.wait_ms() == 59000
    t.advance(59000)
    assert lim.take()[1] == {"t": 21}


def test_windows_survive_the_tick_wrap():
    t, lim = make(start=(1 << 30) - 300)
    lim.offer("k", 1, 1000)
    assert lim.take()[1] == 1
    t.advance(500)  # wrapped past 2^30
    lim.offer("k", 2, 1000)
    assert lim.take() is None and lim.wait_ms() == 500
    t.advance(500)
    assert lim.take() == ("k", 2, 0)


def test_expire_drops_old_items_and_reports_them():
    t, lim = make()
    lim.offer("a", "x", 1000)
    t.advance(30000)
    lim.offer("b", "y", 1000)
    t.advance(25000)
    assert lim.expire(50000) == [("a", "x", 55000)]
    assert lim.take() == ("b", "y", 25000)


def test_age_counts_from_when_the_window_opened():
    t, lim = make()
    lim.offer("s", 20, 60000)
    lim.take()
    t.advance(5000)
    lim.offer("s", 21, 60000)  # held back 55 s by the gap: that is not staleness
    t.advance(54000)
    assert lim.expire(50000) == [] and lim.take() is None
    t.advance(1000)
    t.advance(49000)  # then 49 s offline after the window opened
    assert lim.expire(50000) == []
    assert lim.take() == ("s", 21, 49000)


def test_table_is_bounded_and_prunes_idle_keys():
    t, lim = make(max_keys=2)
    lim.offer("a", 1, 1000)
    lim.offer("b", 2, 1000)
    with raises(OverflowError, match="2 keys"):
        lim.offer("c", 3, 1000)
    lim.take()
    lim.take()
    with raises(OverflowError):
        lim.offer("c", 3, 1000)  # a and b still have closed windows
    t.advance(1000)
    assert lim.offer("c", 3, 1000) is None  # their windows opened: pruned
    assert lim.take() == ("c", 3, 0)


def test_restore_puts_a_failed_send_back_unless_newer():
    t, lim = make()
    lim.offer("k", "On", 1000)
    key, item, age = lim.take()
    lim.restore(key, item, age)
    assert lim.take() == ("k", "On", 0)  # window reopened for the retry
    lim.restore("k", "On", 0)
    lim.offer("k", "Off", 1000)
    assert lim.take()[1] == "Off"
