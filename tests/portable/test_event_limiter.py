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


def test_a_restore_never_replaces_a_newer_waiting_item_and_keeps_the_age():
    t, lim = make()
    lim.offer("k", "On", 1000)
    t.advance(300)
    key, item, age = lim.take()
    assert age == 300
    lim.restore(key, item, age)
    t.advance(10)
    assert lim.take() == ("k", "On", 310)  # it keeps its age: not made younger
    lim.offer("k", "Off", 1000)  # newer, waiting for the window
    lim.restore("k", "On", 0)  # a late failure of the older send
    t.advance(1000)
    assert lim.take()[1] == "Off"
    lim.restore("unknown", "x", 0)  # nothing to put back into
    assert lim.take() is None


def test_wait_is_the_shortest_of_all_waiting_keys_and_never_negative():
    t, lim = make()
    for key, gap in (("a", 700), ("b", 300), ("c", 500)):
        lim.offer(key, 1, gap)
        lim.take()
        lim.offer(key, 2, gap)
    assert lim.wait_ms() == 300
    t.advance(300)
    assert lim.wait_ms() == 0
    t.advance(5)
    assert lim.wait_ms() == 0  # overdue is "now", not negative
    assert lim.take()[0] == "b"


def test_the_age_of_a_held_item_counts_from_its_offer_or_its_window_whichever_is_later():
    t, lim = make()
    lim.offer("k", 1, 1000)
    lim.take()
    t.advance(5000)  # the window opened 4 s ago
    lim.offer("k", 2, 1000)
    t.advance(10)
    assert lim.take() == ("k", 2, 10)  # from the offer
    t.advance(999)  # 1 ms before the window opens
    lim.offer("k", 3, 1000)
    t.advance(1)
    assert lim.take() == ("k", 3, 0)  # from the window: it could not go earlier
    t.advance(1000)
    lim.offer("k", 4, 1000)  # exactly as the window opens
    assert lim.take() == ("k", 4, 0)


def test_expiry_is_strictly_older_than_the_limit():
    t, lim = make()
    lim.offer("k", 1, 1000)
    t.advance(500)
    assert lim.expire(500) == []
    t.advance(1)
    assert lim.expire(500) == [("k", 1, 501)]


def test_a_new_gap_applies_from_the_next_offer_and_keys_are_not_forgotten_early():
    t, lim = make()
    lim.offer("k", 1, 1000)
    lim.take()
    t.advance(1000)
    lim.offer("k", 2, 5000)
    lim.take()
    t.advance(4999)
    lim.prune()
    lim.offer("k", 3, 5000)
    assert lim.take() is None  # the 5 s window is still closed, pruned or not
    t.advance(1)
    assert lim.take() == ("k", 3, 0)


def test_oldest_first_even_when_it_was_inserted_later():
    t, lim = make()
    lim.offer("x", 1, 10)
    lim.take()
    t.advance(10)
    lim.offer("y", 1, 10)
    t.advance(1)
    lim.offer("x", 2, 10)  # x comes first in the table but is 1 ms newer than y
    assert lim.take()[0] == "y"


def test_sixteen_keys_by_default():
    t = FakeTicks()
    lim = EventLimiter(Clock(t))
    for i in range(16):
        lim.offer(i, i, 1000)
    with raises(OverflowError, match="16 keys"):
        lim.offer(16, 16, 1000)


def test_idle_keys_expire_nothing_and_are_pruned_long_after_their_window():
    t, lim = make(max_keys=2)
    lim.offer("a", 1, 1000)
    lim.offer("b", 2, 1000)
    lim.take()
    lim.take()
    t.advance(60000)  # sent long ago, nothing waiting
    assert lim.expire(50000) == []  # nothing to report as dropped
    lim.offer("a", 3, 1000)
    lim.offer("c", 4, 1000)  # the table had room: idle keys are forgotten
    assert sorted(k for k, _, _ in (lim.take(), lim.take())) == ["a", "c"]
