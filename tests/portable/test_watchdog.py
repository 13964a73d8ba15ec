from clock import Clock
from support import FakeTicks

from firmware.watchdog import Watchdog


class FakeWDT:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


def _wd(start=0):
    t = FakeTicks(start=start)
    wdt = FakeWDT()
    logs = []
    return Watchdog(wdt, logs.append, Clock(t)), wdt, t, logs


def test_feeds_while_every_task_checks_in():
    wd, wdt, t, logs = _wd()
    wd.watch("wifi", 1000)
    wd.watch("sinric", 5000)
    for _ in range(10):
        t.advance(900)
        wd.checkin("wifi")
        wd.checkin("sinric")
        assert wd.feed()
    assert wdt.feeds == 10 and logs == []


def test_a_silent_task_stops_the_feeding_and_says_so_once():
    wd, wdt, t, logs = _wd()
    wd.watch("wifi", 1000)
    wd.watch("sinric", 5000)
    t.advance(900)
    wd.checkin("wifi")
    assert wd.feed() and wdt.feeds == 1
    t.advance(300)  # wifi last seen 300 ms ago; sinric never: 1200 ms
    assert wd.feed()
    t.advance(3900)  # sinric silent 5100 ms, wifi 4200 ms
    assert not wd.feed() and not wd.feed()
    assert wdt.feeds == 2 and wd.starved == "wifi"
    assert logs == ["watchdog: wifi silent for 4200 ms; not feeding, the board will reset"]


def test_a_task_that_comes_back_in_time_is_forgiven():
    wd, wdt, t, logs = _wd()
    wd.watch("app", 1000)
    t.advance(1500)
    assert not wd.feed()
    wd.checkin("app")
    assert wd.feed() and wd.starved is None
    assert logs[-1] == "watchdog: app is back; feeding again"


def test_checkin_of_an_unwatched_name_is_harmless():
    wd, wdt, t, logs = _wd()
    wd.checkin("nobody")
    wd.watch("a", 10)
    wd.unwatch("a")
    t.advance(100)
    assert wd.feed() and wdt.feeds == 1


def test_limits_hold_across_the_tick_wrap():
    wd, wdt, t, logs = _wd(start=(1 << 30) - 400)
    wd.watch("a", 1000)
    t.advance(900)  # wraps
    assert wd.feed()
    t.advance(200)
    assert not wd.feed()


def test_without_a_hardware_watchdog_it_only_checks():
    t = FakeTicks()
    wd = Watchdog(None, [].append, Clock(t))
    wd.watch("a", 10)
    assert wd.feed() and not wd.enabled
    t.advance(20)
    assert not wd.feed()
