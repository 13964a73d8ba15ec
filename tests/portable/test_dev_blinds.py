# blinds: position tracked from the travel time, interlocked relays, stop, reversal pause.
from fakehw import Board, snapshot
from support import raises

RANGE = "devices.capabilities.range"
BLINDS = {"name": "blinds", "type": "blinds", "yango_id": "blinds", "up": 18, "down": 19,
          "travel_ms": 10000}


class Interlock:
    """Polled with the device: records relay states and fails if both are ever on."""

    def __init__(self, b):
        self.b = b
        self.seen = set()

    def poll(self):
        up, down = self.b.level(18), self.b.level(19)
        assert not (up and down), "both relays on"
        self.seen.add((up, down))


def test_move_to_a_position_and_stop_there():
    b = Board()
    bl = b.make(BLINDS)
    assert (b.level(18), b.level(19)) == (0, 0)
    assert bl.handle("setRangeValue", {"rangeValue": 50}, None) == {"rangeValue": 50}
    assert (b.level(18), b.level(19)) == (1, 0)
    assert b.out.yango_reports == [("blinds", RANGE, "open", 50)]
    lock = Interlock(b)
    b.run(4900, bl, lock)
    assert b.level(18) == 1 and 45 < bl.now_position() < 50 and b.out.changes == 0
    b.run(200, bl, lock)
    assert (b.level(18), b.level(19)) == (0, 0) and bl.position == 50
    assert bl.saved() == {"position": 50} and b.out.changes == 1
    assert bl.handle("adjustRangeValue", {"rangeValueDelta": -20}, None) == {"rangeValue": 30}
    assert (b.level(18), b.level(19)) == (0, 0)  # it was running up a moment ago
    b.run(bl.reverse_pause_ms, bl, lock)
    assert (b.level(18), b.level(19)) == (0, 1)
    b.run(2100, bl, lock)
    assert bl.position == 30 and (b.level(18), b.level(19)) == (0, 0)
    assert bl.yango_state() == [(RANGE, "open", 30)]


def test_end_positions_overrun_to_resync():
    b = Board()
    bl = b.make(BLINDS, {"position": 95})
    bl.handle("setRangeValue", {"rangeValue": 100}, None)
    b.run(500 + bl.overrun_ms - 100, bl)
    assert b.level(18) == 1  # still pushing against the end stop
    b.run(200, bl)
    assert b.level(18) == 0 and bl.position == 100
    bl.handle("setRangeValue", {"rangeValue": 100}, None)  # at the end: run in again
    assert b.level(18) == 1


def test_reversal_switches_off_and_pauses_first():
    b = Board()
    bl = b.make(BLINDS)
    lock = Interlock(b)
    bl.handle("setRangeValue", {"rangeValue": 100}, None)
    b.run(3000, bl, lock)
    bl.handle("setRangeValue", {"rangeValue": 0}, None)
    assert (b.level(18), b.level(19)) == (0, 0) and bl.position == 30
    b.run(bl.reverse_pause_ms - 50, bl, lock)
    assert (b.level(18), b.level(19)) == (0, 0)
    b.run(100, bl, lock)
    assert (b.level(18), b.level(19)) == (0, 1)
    b.run(3000 + bl.overrun_ms, bl, lock)
    assert bl.position == 0 and lock.seen == {(0, 0), (1, 0), (0, 1)}
    assert [r[3] for r in b.out.yango_reports] == [100, 0]


def test_stop_right_after_a_move_still_pauses_before_reversing():
    b = Board()
    bl = b.make(BLINDS, {"position": 50})
    bl.handle("setRangeValue", {"rangeValue": 80}, None)
    b.run(1000, bl)
    assert bl.handle("setPowerState", {"state": "Off"}, None) == {"state": "Off"}
    assert (b.level(18), b.level(19)) == (0, 0) and bl.position == 60
    assert b.out.yango_reports[-1] == ("blinds", RANGE, "open", 60) and b.out.changes == 1
    bl.handle("setRangeValue", {"rangeValue": 40}, None)
    assert b.level(19) == 0
    b.run(bl.reverse_pause_ms + 20, bl)
    assert b.level(19) == 1
    assert bl.handle("setPowerState", {"state": "On"}, None) == {"state": "On"}
    assert b.level(19) == 1  # On does not move or stop anything


def test_same_direction_request_retargets_the_running_move():
    b = Board()
    bl = b.make(BLINDS)
    bl.handle("setRangeValue", {"rangeValue": 20}, None)
    b.run(1000, bl)
    bl.handle("setRangeValue", {"rangeValue": 40}, None)
    b.run(2900, bl)
    assert b.level(18) == 1
    b.run(200, bl)
    assert b.level(18) == 0 and bl.position == 40


def test_bad_values_move_nothing_and_relays_start_off():
    b = Board()
    bl = b.make(dict(BLINDS, relay_active_low=True, power_on="on"), {"position": 70})
    assert (b.level(18), b.level(19)) == (1, 1) and bl.position == 70  # active low: both off
    before = snapshot()
    for action, value in (("setRangeValue", {"rangeValue": 101}),
                          ("setRangeValue", {"rangeValue": "50"}), ("setRangeValue", {}),
                          ("adjustRangeValue", {"rangeValueDelta": None}),
                          ("setPowerState", {"state": "off"})):
        with raises(ValueError, match=action):
            bl.handle(action, value, None)
    assert snapshot() == before and b.out.yango_reports == []
    b2 = Board()
    assert b2.make(BLINDS, {"position": 300}).position == 0 and "ignored" in b2.logs[0]
