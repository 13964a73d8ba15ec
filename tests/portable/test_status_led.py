from clock import Clock
from support import FakeTicks

from firmware.status_led import PATTERNS, StatusLed, level


class FakePin:
    def __init__(self):
        self.writes = []

    def value(self, v):
        self.writes.append(v)


def test_level_walks_the_pattern_and_repeats():
    p = (100, 150, 100, 1650)
    assert [level(p, ms) for ms in (0, 99, 100, 249, 250, 349, 350, 1999, 2000, 2099)] == [
        1, 1, 0, 0, 1, 1, 0, 0, 1, 1]


def test_every_state_has_a_distinct_pattern():
    states = ("off", "connecting", "online", "cloud_down", "config_error", "safe_mode")
    assert sorted(PATTERNS) == sorted(states)
    assert len(set(PATTERNS.values())) == len(states)
    assert all(level(PATTERNS["off"], ms) == 0 for ms in range(0, 3000, 50))
    on = sum(level(PATTERNS["online"], ms) for ms in range(0, 4000, 10))
    assert 0 < on < 10  # a short heartbeat


def test_led_follows_the_state_without_rewriting_the_pin():
    t = FakeTicks()
    pin = FakePin()
    led = StatusLed(pin, clock=Clock(t))
    assert pin.writes == [0]
    led.set("connecting")
    for _ in range(20):  # one second in 50 ms steps: 2 Hz gives 4 edges
        led.update()
        t.advance(50)
    assert pin.writes == [0, 1, 0, 1, 0]
    led.set("connecting")  # the same state does not restart the pattern
    assert led.state == "connecting"


def test_active_low_inverts():
    t = FakeTicks()
    pin = FakePin()
    led = StatusLed(pin, active_low=True, clock=Clock(t))
    led.set("safe_mode")
    led.update()
    assert pin.writes == [1, 0]  # off is high, lit is low


def test_no_pin_is_fine():
    led = StatusLed(None, clock=Clock(FakeTicks()))
    led.set("cloud_down")
    led.update()
    led.stop()


def test_a_timer_drives_it_when_no_loop_runs():
    class FakeTimer:
        PERIODIC = 1

        def init(self, period, mode, callback):
            self.args = (period, mode, callback)

        def deinit(self):
            self.args = None

    t = FakeTicks()
    pin = FakePin()
    led = StatusLed(pin, clock=Clock(t))
    led.set("config_error")
    timer = FakeTimer()
    led.start_timer(timer)
    period, mode, cb = timer.args
    assert period == led.step_ms and mode == 1
    cb(timer)
    assert pin.writes[-1] == 1
    led.stop()
    assert timer.args is None
