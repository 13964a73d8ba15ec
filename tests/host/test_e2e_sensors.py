"""End to end, inputs and climate: lock, garage, thermostat, motion, contact, temperature on
one simulated board (DEMO_HEAP) against the Sinric Pro and Yango doubles: request -> pins and
a signed response, pin/sensor input -> event with the right cause, bad values move nothing,
Yango gets every change with the platform's types."""

import time

import pytest
from e2e_rig import checked, sid

LOCK, GARAGE, THERMO, MOTION, CONTACT, TEMP = (sid(n) for n in range(11, 17))
DEVICES = [
    {"name": "front lock", "type": "lock", "sinric_id": LOCK, "yango_id": "front-lock",
     "relay": 21, "contact": 22, "contact_active_low": True, "debounce_ms": 30},
    {"name": "garage", "type": "garage", "sinric_id": GARAGE, "yango_id": "garage",
     "relay": 23, "pulse_ms": 800, "contact": 34, "contact_active_low": True,
     "debounce_ms": 30},
    {"name": "heating", "type": "thermostat", "sinric_id": THERMO, "yango_id": "heating",
     "relay": 13, "dht": 4, "dht_type": "dht22", "target": 21, "hysteresis": 0.5,
     "interval_s": 2},
    {"name": "hall motion", "type": "motion", "sinric_id": MOTION, "yango_id": "hall-motion",
     "pin": 35, "debounce_ms": 30},
    {"name": "window", "type": "contact", "sinric_id": CONTACT, "yango_id": "window",
     "pin": 16, "active_low": True, "debounce_ms": 30},
    {"name": "outside", "type": "temperature", "sinric_id": TEMP, "yango_id": "outside",
     "dht": 15, "dht_type": "dht22", "interval_s": 2},
]


@pytest.fixture(scope="module")
def rig():
    yield from checked(DEVICES)


def ok(resp, value):
    assert resp["success"] is True, resp
    assert resp["value"] == value
    return resp


def refused(resp):
    assert resp["success"] is False, resp
    return resp


def test_lock_command_contact_and_unasked_change(rig):
    rig.board.set(22, 0)  # bolt in: contact closed = locked
    time.sleep(0.5)  # held past debounce_ms before the first command, as below (a request
    # answered within the debounce would meet a bolt the lock does not know moved yet)
    refused(rig.request(LOCK, "setLockState", {"state": "open sesame"}))
    assert rig.board.get(21)["value"] == 0
    ok(rig.request(LOCK, "setLockState", {"state": "unlock"}), {"state": "UNLOCKED"})
    assert rig.board.get(21)["value"] == 1
    rig.wait_yango("front-lock", "event", "open", "opened")
    rig.board.set(22, 1)  # the bolt follows: no event, it was asked for
    time.sleep(0.5)  # held well past debounce_ms
    ok(rig.request(LOCK, "setLockState", {"state": "lock"}), {"state": "LOCKED"})
    assert rig.board.get(21)["value"] == 0
    m = rig.events_mark()
    rig.board.set(22, 0)  # bolt in as commanded
    time.sleep(0.5)  # held well past debounce_ms
    rig.board.set(22, 1)  # ... then someone opens it with a key: an event nobody asked for
    e = rig.wait_event(LOCK, "setLockState", m, {"state": "UNLOCKED"})
    assert e["cause"] == {"type": "PHYSICAL_INTERACTION"}
    rig.wait_yango("front-lock", "event", "open", "opened")


def test_garage_pulse_then_contact_event(rig):
    rig.board.set(34, 0)  # door shut
    time.sleep(0.5)  # held past debounce_ms: the opener knows the door is shut
    refused(rig.request(GARAGE, "setMode", {"mode": "Ajar"}))
    assert rig.board.get(23)["value"] == 0
    ok(rig.request(GARAGE, "setMode", {"mode": "Open"}), {"mode": "Open"})
    assert rig.board.get(23)["value"] == 1  # the pulse, like the wall button
    rig.wait_pin(23, lambda p: p["value"] == 0)
    m = rig.events_mark()
    rig.board.set(34, 1)  # the door opens
    e = rig.wait_event(GARAGE, "setMode", m, {"mode": "Open"})
    assert e["cause"] == {"type": "PHYSICAL_INTERACTION"}
    rig.wait_yango("garage", "on_off", "on", True)
    rig.wait_yango("garage", "event", "open", "opened")
    # already open: no pulse (it would close the door)
    ok(rig.request(GARAGE, "setMode", {"mode": "Open"}), {"mode": "Open"})
    assert rig.board.get(23)["value"] == 0


def test_thermostat_heats_below_target_and_reports(rig):
    m = rig.events_mark()
    rig.board.dht(4, 18.0, 40)
    e = rig.wait_event(THERMO, "currentTemperature", m)
    assert e["value"] == {"temperature": 18, "humidity": 40}
    assert e["cause"] == {"type": "PERIODIC_POLL"}
    ok(rig.request(THERMO, "setPowerState", {"state": "On"}), {"state": "On"})
    rig.wait_pin(13, lambda p: p["value"] == 1)  # 18 C <= 21 - 0.5
    ok(rig.request(THERMO, "targetTemperature", {"temperature": 15.5}), {"temperature": 15.5})
    assert rig.board.get(13)["value"] == 0  # 18 C >= 15.5 + 0.5
    s = rig.wait_yango("heating", "range", "temperature", 15.5)
    assert s["type"] == "devices.capabilities.range"
    rig.wait_yango("heating", "float", "temperature", 18)
    refused(rig.request(THERMO, "targetTemperature", {"temperature": 50}))
    refused(rig.request(THERMO, "setThermostatMode", {"thermostatMode": "COOL"}))
    ok(rig.request(THERMO, "targetTemperature", {"temperature": 25}), {"temperature": 25})
    assert rig.board.get(13)["value"] == 1
    ok(rig.request(THERMO, "setThermostatMode", {"thermostatMode": "ECO"}),
       {"thermostatMode": "ECO"})
    rig.wait_yango("heating", "mode", "thermostat", "eco")
    ok(rig.request(THERMO, "setThermostatMode", {"thermostatMode": "OFF"}),
       {"thermostatMode": "OFF"})
    assert rig.board.get(13)["value"] == 0
    rig.wait_yango("heating", "on_off", "on", False)


def test_motion_edges(rig):
    m = rig.events_mark()
    rig.board.set(35, 1)
    e = rig.wait_event(MOTION, "motion", m, {"state": "detected"})
    assert e["cause"] == {"type": "PHYSICAL_INTERACTION"}
    rig.wait_yango("hall-motion", "event", "motion", "detected")
    rig.board.set(35, 0)
    rig.wait_event(MOTION, "motion", m, {"state": "notDetected"})
    rig.wait_yango("hall-motion", "event", "motion", "not_detected")


def test_contact_edges(rig):
    m = rig.events_mark()
    rig.board.set(16, 0)  # reed closes to ground: window shut
    rig.wait_event(CONTACT, "setContactState", m, {"state": "closed"})
    rig.wait_yango("window", "event", "open", "closed")
    rig.board.set(16, 1)
    rig.wait_event(CONTACT, "setContactState", m, {"state": "open"})
    rig.wait_yango("window", "event", "open", "opened")


def test_temperature_reading_to_both_clouds(rig):
    m = rig.events_mark()
    rig.board.dht(15, 21.5, 48.25)
    e = rig.wait_event(TEMP, "currentTemperature", m)
    assert e["value"] == {"temperature": 21.5, "humidity": 48.25}
    assert e["cause"] == {"type": "PERIODIC_POLL"}
    s = rig.wait_yango("outside", "float", "temperature", 21.5)
    assert s["type"] == "devices.properties.float"
    rig.wait_yango("outside", "float", "humidity", 48.25)
