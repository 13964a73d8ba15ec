# The board-side stored ticks (state store, watchdog, status LED, Wi-Fi) left alone for 7 and
# 13 days: the next action happens on time (issue: a state write due 5.4 days late after a
# week without changes). Fake ticks wrap at 2^30 like the ESP ports'.
import os

from clock import Clock
from support import IDLE_DAYS, FakeTicks

from firmware.persist import StateStore
from firmware.status_led import PATTERNS, StatusLed
from firmware.watchdog import Watchdog
from firmware.wifi import DOWN, ONLINE, Wifi


def test_state_store_writes_at_once_after_a_quiet_week():
    d = "%s/idle-%s" % (os.getenv("TMPDIR") or "/tmp",
                        "".join("%02x" % b for b in os.urandom(4)))
    os.mkdir(d)
    try:
        for days in IDLE_DAYS:
            t = FakeTicks(start=(1 << 30) - 3000)
            s = StateStore(d + "/state.json", 60, [].append, Clock(t))
            s.load()
            s.put("lamp", {"on": True})
            assert s.due_in() == 0 and s.flush()
            t.idle(days)
            s.put("lamp", {"on": False})
            assert s.due_in() == 0, (days, s.due_in())  # not in 5.4 days: a power cut then
            assert s.flush()  # would restore the old state
            t.advance(1000)
            s.put("lamp", {"on": True})
            assert 0 < s.due_in() <= 59000  # the coalescing window still holds after that
    finally:
        for n in os.listdir(d):
            os.remove(d + "/" + n)
        os.rmdir(d)


def test_watchdog_a_task_silent_for_days_stays_late():
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        logs = []
        wd = Watchdog(None, logs.append, Clock(t))
        wd.watch("sinric", 10000)
        t.advance(10001)
        assert not wd.feed() and wd.starved == "sinric"
        t.idle(days)
        assert not wd.feed(), days  # still silent: never "is back" because ticks wrapped
        assert wd.late()[0] == "sinric" and len(logs) == 1


def test_status_led_keeps_its_phase_over_days():
    # the pattern's start tick is read every 50 ms by the LED task; over days it must not
    # drift out of phase when ticks_diff runs out of range
    online = PATTERNS["online"]
    cycle = sum(online)
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        led = StatusLed(None, clock=Clock(t))
        led.set("online")
        step = (1 << 27) - (1 << 27) % cycle  # whole cycles, about 1.5 days
        for _ in range(days * 86400000 // step):
            t.advance(step)
            assert led.level() == 1, days  # the start of a heartbeat
        t.advance(online[0])
        assert led.level() == 0


def test_wifi_redials_on_time_after_days_online():
    class WLAN:
        connected = True

        def active(self, on=None):
            return True

        def connect(self, ssid, key):
            pass

        def disconnect(self):
            self.connected = False

        def isconnected(self):
            return self.connected

        def status(self, *a):
            return 1

        def ifconfig(self):
            return ("10.0.0.2",)

    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        wlan = WLAN()
        logs = []
        w = Wifi(wlan, "home", "pw", timeout_s=20, log=logs.append, clock=Clock(t),
                 rand=lambda n: n // 2)
        w.poll()
        w.poll()
        assert w.state == ONLINE
        t.idle(days)
        wlan.connected = False
        w.poll()  # link lost: dial again at once
        t.advance(20000)
        w.poll()  # no answer within timeout_s: give up and back off (not wait for days)
        assert w.state == DOWN and "no connection within 20 s" in logs[-1], (days, logs)
