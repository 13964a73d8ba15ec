# lock and garage: relay plus contact, JAMMED detection, pulse, events on contact changes.
from fakehw import Board, snapshot
from support import raises

from firmware.devices.discovery import describe

EVENT = "devices.properties.event"
ON_OFF = "devices.capabilities.on_off"
LOCK = {"name": "door", "type": "lock", "yango_id": "door", "relay": 21, "contact": 22}
GARAGE = {"name": "garage", "type": "garage", "yango_id": "garage", "relay": 23,
          "pulse_ms": 500, "contact": 34}


def settle(b, dev, ms=200):
    b.run(ms, dev, *dev._inputs)


def closed_contact(b, cfg, gpio):
    """A device whose contact is closed (pin low) from the start."""
    dev = b.make(cfg)
    b.drive(gpio, 0)  # configuring the pull-up set the fake pin high
    settle(b, dev, max(dev.jam_ms, 500) if hasattr(dev, "jam_ms") else 500)
    b.out.clear()
    return dev


def test_lock_without_contact_follows_the_relay():
    b = Board()
    lk = b.make({"name": "door", "type": "lock", "relay": 21})
    assert b.level(21) == 0 and lk.state() == "LOCKED"  # off: locked (fail-secure)
    assert lk.handle("setLockState", {"state": "unlock"}, None) == {"state": "UNLOCKED"}
    assert b.level(21) == 1 and lk.saved() == {"on": True}
    assert lk.handle("setLockState", {"state": "LOCK"}, None) == {"state": "LOCKED"}
    assert b.level(21) == 0 and b.out.changes == 2
    assert lk.tasks() == []  # nothing to poll or debounce


def test_lock_contact_confirms_or_reports_jammed():
    b = Board()
    lk = closed_contact(b, LOCK, 22)  # bolt in: the contact closes to ground
    assert lk.state() == "LOCKED"
    lk.handle("setLockState", {"state": "unlock"}, None)
    b.drive(22, 1)  # the bolt follows
    settle(b, lk, lk.jam_ms + 500)
    assert lk.state() == "UNLOCKED" and b.out.sinric_events == []
    assert b.out.yango_reports == [("door", EVENT, "open", "opened")]
    lk.handle("setLockState", {"state": "lock"}, None)  # the bolt sticks
    settle(b, lk, lk.jam_ms - 300)
    assert b.out.sinric_events == []
    settle(b, lk, 500)
    assert b.out.sinric_events == [("door", "setLockState", {"state": "JAMMED"},
                                    "PHYSICAL_INTERACTION")]
    assert "JAMMED" in b.logs[-1]
    b.drive(22, 0)  # freed later: the cloud hears the real state
    settle(b, lk)
    assert b.out.sinric_events[-1][2] == {"state": "LOCKED"}
    assert b.out.yango_reports[-1] == ("door", EVENT, "open", "closed")


def test_lock_contact_change_by_key_sends_an_event():
    b = Board()
    lk = closed_contact(b, LOCK, 22)
    b.drive(22, 1)  # someone turns the key
    settle(b, lk)
    assert b.out.sinric_events == [("door", "setLockState", {"state": "UNLOCKED"},
                                    "PHYSICAL_INTERACTION")]
    assert lk.yango_state() == [(EVENT, "open", "opened")]
    assert b.level(21) == 0  # the relay is not touched


def test_lock_command_already_met_then_key_is_an_event_not_a_jam():
    b = Board()
    lk = closed_contact(b, LOCK, 22)
    lk.handle("setLockState", {"state": "lock"}, None)  # the bolt is in already
    b.drive(22, 1)  # a key opens it at once, well inside jam_ms
    settle(b, lk)
    assert b.out.sinric_events == [("door", "setLockState", {"state": "UNLOCKED"},
                                    "PHYSICAL_INTERACTION")]
    settle(b, lk, lk.jam_ms + 500)
    assert len(b.out.sinric_events) == 1  # and no JAMMED later


def test_lock_power_on_policy_and_bad_values():
    from firmware.devices.discovery import entry

    b = Board()
    lk = b.make(dict(LOCK, power_on="restore"), {"on": True})
    assert b.level(21) == 1
    before = snapshot()
    for value in ({"state": "open"}, {"state": 1}, {}):
        with raises(ValueError, match="setLockState"):
            lk.handle("setLockState", value, None)
    assert snapshot() == before and b.out.changes == 0
    assert lk.handle("setMode", {"mode": "Open"}, None) is None
    e = entry(lk)
    assert e["type"] == "devices.types.sensor" and e["capabilities"] == []
    assert e["properties"][0]["parameters"] == {
        "instance": "open", "events": [{"value": "opened"}, {"value": "closed"}]}


def test_garage_pulses_only_when_the_door_must_move():
    b = Board()
    gd = closed_contact(b, GARAGE, 34)
    assert b.level(23) == 0
    assert gd.handle("setMode", {"mode": "Close"}, None) == {"mode": "Close"}
    assert b.level(23) == 0  # already closed: a pulse would open it
    assert gd.handle("setMode", {"mode": "Open"}, None) == {"mode": "Open"}
    assert b.level(23) == 1
    gd.handle("setMode", {"mode": "Open"}, None)  # a second request does not stretch it
    b.run(480, gd)
    assert b.level(23) == 1
    b.run(40, gd)
    assert b.level(23) == 0
    b.drive(34, 1)  # the door leaves the closed position
    settle(b, gd)
    assert b.out.sinric_events == [("garage", "setMode", {"mode": "Open"},
                                    "PHYSICAL_INTERACTION")]
    assert ("garage", ON_OFF, "on", True) in b.out.yango_reports
    assert ("garage", EVENT, "open", "opened") in b.out.yango_reports
    b.drive(34, 0)
    settle(b, gd)
    assert b.out.sinric_events[-1][2] == {"mode": "Close"}
    assert gd.yango_state() == [(ON_OFF, "on", False), (EVENT, "open", "closed")]


def test_garage_without_contact_tracks_requests():
    from firmware.devices.discovery import entry

    b = Board()
    gd = b.make({"name": "g", "type": "garage", "relay": 23}, {"closed": False})
    assert gd.yango_state() == [(ON_OFF, "on", True)]
    assert entry(gd) is None  # no yango_id
    assert describe(gd)[1] == []  # no contact: no open property
    gd.handle("setMode", {"mode": "Close"}, None)
    assert b.level(23) == 1 and gd.saved() == {"closed": True} and b.out.changes == 1
    gd.handle("setMode", {"mode": "Open"}, None)  # mid-pulse: ignored, state unchanged
    assert gd.saved() == {"closed": True} and b.out.changes == 1
    b.run(600, gd)
    assert b.level(23) == 0
    before = snapshot()
    for value in ({"mode": "close"}, {"mode": None}, {}):
        with raises(ValueError, match="setMode"):
            gd.handle("setMode", value, None)
    assert snapshot() == before
    assert b.make({"name": "g2", "type": "garage", "relay": 25}, ["junk"]).saved() == {
        "closed": True}
