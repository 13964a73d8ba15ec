# Every device-side stored tick left alone for 7 days (past ticks_diff's 2^29 ms) and for 13
# days (past a whole 2^30 wrap), then the next action must happen on time (issue: blinds that
# moved 5.4 days late). The fake ticks wrap at 2^30 like the ESP ports'.
from fakehw import Board, dht
from support import IDLE_DAYS

from firmware.inputs import ButtonInput

BLINDS = {"name": "blinds", "type": "blinds", "yango_id": "blinds", "up": 18, "down": 19,
          "travel_ms": 10000}
LOCK = {"name": "door", "type": "lock", "yango_id": "door", "relay": 21, "contact": 22}
GARAGE = {"name": "garage", "type": "garage", "yango_id": "garage", "relay": 23}
TEMP = {"name": "outside", "type": "temperature", "yango_id": "outside", "dht": 15,
        "interval_s": 10}


def test_blinds_move_at_once_after_a_week_closed():
    for days in IDLE_DAYS:
        b = Board()
        bl = b.make(BLINDS, {"position": 30})
        bl.handle("setRangeValue", {"rangeValue": 0}, None)  # closing: the last way was down
        b.run(3000 + bl.overrun_ms + 100, bl)
        assert bl.position == 0 and (b.level(18), b.level(19)) == (0, 0)
        b.ticks.idle(days)
        assert bl.handle("setRangeValue", {"rangeValue": 50}, None) == {"rangeValue": 50}
        assert (b.level(18), b.level(19)) == (1, 0), days  # the motor runs now, not in 5.4 d
        b.run(5100, bl)
        assert bl.position == 50 and b.level(18) == 0


def test_button_press_goes_out_after_idle_days():
    for days in IDLE_DAYS:
        b = Board()
        seen = []
        btn = ButtonInput(b.hw, 0, seen.append, active_low=True, pull="up")
        for _ in range(btn.burst):  # spend every token
            b.drive(0, 0)
            b.run(100, btn)
            b.drive(0, 1)
            b.run(100, btn)
        n = len(seen)
        b.ticks.idle(days)
        b.drive(0, 0)
        b.run(btn.debounce_ms + 20, btn)
        assert len(seen) == n + 1 and seen[-1] is True, days


def test_lock_jam_check_fires_on_time_after_idle_days():
    for days in IDLE_DAYS:
        b = Board()
        lk = b.make(LOCK)
        b.drive(22, 0)  # bolt in: the contact closes to ground
        b.run(lk.jam_ms, lk, *lk._inputs, step=100)
        b.ticks.idle(days)
        lk.handle("setLockState", {"state": "unlock"}, None)  # the bolt sticks
        b.run(lk.jam_ms - 200, lk, *lk._inputs, step=100)
        assert lk.reported == "UNLOCKED"
        b.run(400, lk, *lk._inputs, step=100)
        assert lk.reported == "JAMMED", days


def test_garage_pulse_ends_on_time_after_idle_days():
    for days in IDLE_DAYS:
        b = Board()
        g = b.make(GARAGE)
        g.pulse()
        b.run(g.pulse_ms + 20, g)
        assert b.level(23) == 0
        b.ticks.idle(days)
        assert g.pulse() and b.level(23) == 1
        b.run(g.pulse_ms + 20, g)
        assert b.level(23) == 0, days


def test_temperature_event_goes_out_when_the_sensor_recovers_after_days():
    for days in IDLE_DAYS:
        b = Board()
        t = b.make(TEMP)
        dht.set_reading(15, 21.0, 40.0)
        b.run(2000, t, step=100)
        assert len(b.out.sinric_events) == 1
        del dht.READINGS[15]  # the sensor fails for days (reads time out, are skipped)
        b.ticks.idle(days)
        dht.set_reading(15, 23.0, 41.0)
        b.run(100, t, step=100)  # the read is due at once, not after the idle
        b.run(10000, t, step=100)
        assert b.out.sinric_events[-1][2] == {"temperature": 23.0, "humidity": 41.0}, days
