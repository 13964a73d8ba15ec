# motion, contact and doorbell: pin edges -> Sinric events and Yango reports.
from fakehw import Board
from support import raises

EVENT = "devices.properties.event"
MOTION = {"name": "pir", "type": "motion", "yango_id": "pir", "pin": 35, "debounce_ms": 100}
CONTACT = {"name": "window", "type": "contact", "yango_id": "window", "pin": 26}
BELL = {"name": "bell", "type": "doorbell", "yango_id": "bell", "button": 27}


def test_motion_edges():
    b = Board()
    m = b.make(MOTION)
    assert b.pin(35).pull is None  # a PIR drives its output: no pull resistor
    assert m.yango_state() == [(EVENT, "motion", "not_detected")]
    b.drive(35, 1)
    b.run(150, *m._inputs)
    b.drive(35, 0)
    b.run(150, *m._inputs)
    assert b.out.sinric_events == [
        ("pir", "motion", {"state": "detected"}, "PHYSICAL_INTERACTION"),
        ("pir", "motion", {"state": "notDetected"}, "PHYSICAL_INTERACTION")]
    assert [r[3] for r in b.out.yango_reports] == ["detected", "not_detected"]


def test_chattering_pir_cannot_flood_and_ends_in_its_final_state():
    b = Board()
    m = b.make(MOTION)
    level = 0
    for _ in range(200):  # 30 s of a PIR flapping every 150 ms
        level ^= 1
        b.drive(35, level)
        b.run(150, *m._inputs)
    b.drive(35, 1)
    b.run(5000, *m._inputs)
    n = len(b.out.sinric_events)
    pir = m._inputs[0]
    assert n <= pir.burst + 35000 // pir.refill_ms + 1 and n < 60
    assert b.out.sinric_events[-1][2] == {"state": "detected"}
    assert b.out.yango_reports[-1][3] == "detected"
    assert m.yango_state() == [(EVENT, "motion", "detected")]


def test_contact_is_active_low_with_pull_up():
    b = Board()
    c = b.make(CONTACT)
    assert b.pin(26).pull == b.hw.machine.Pin.PULL_UP
    assert c.yango_state() == [(EVENT, "open", "opened")]
    b.drive(26, 0)  # reed closes to ground
    for _ in range(5):  # bounce
        b.drive(26, 1)
        b.run(2, *c._inputs, step=1)
        b.drive(26, 0)
        b.run(2, *c._inputs, step=1)
    b.run(100, *c._inputs)
    assert b.out.sinric_events == [("window", "setContactState", {"state": "closed"},
                                    "PHYSICAL_INTERACTION")]
    assert b.out.yango_reports == [("window", EVENT, "open", "closed")]
    assert c.handle("setContactState", {"state": "open"}, None) is None


def test_doorbell_press_is_one_event():
    from firmware.devices.discovery import entry

    b = Board()
    d = b.make(BELL)
    b.press(d, 27, bounces=6)
    assert b.out.sinric_events == [("bell", "DoorbellPress", {"state": "pressed"},
                                    "PHYSICAL_INTERACTION")]
    assert b.out.yango_reports == [("bell", EVENT, "button", "click")]
    assert d.yango_state() == []  # momentary: never in a state query
    assert d.handle("setPowerState", {"state": "Off"}, None) == {"state": "Off"}
    with raises(ValueError):
        d.handle("setPowerState", {"state": "off"}, None)
    b.press(d, 27)
    assert len(b.out.sinric_events) == 2
    assert entry(d)["properties"] == [{
        "type": EVENT, "retrievable": False, "reportable": True,
        "parameters": {"instance": "button", "events": [{"value": "click"}]}}]


def test_sensor_discovery():
    from firmware.devices.discovery import entry

    b = Board()
    assert entry(b.make(MOTION))["type"] == "devices.types.sensor"
    e = entry(b.make(CONTACT))
    assert e["type"] == "devices.types.sensor" and e["capabilities"] == []
    assert e["properties"][0]["parameters"]["events"] == [{"value": "closed"},
                                                          {"value": "opened"}]
