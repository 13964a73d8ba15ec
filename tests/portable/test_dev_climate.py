# temperature and thermostat: periodic DHT readings, events, failures, hysteresis, modes.
import asyncio

from fakehw import Board, dht, snapshot
from oomlog import OomLog
from support import raises

FLOAT = "devices.properties.float"
RANGE = "devices.capabilities.range"
MODE = "devices.capabilities.mode"
ON_OFF = "devices.capabilities.on_off"
TEMP = {"name": "outside", "type": "temperature", "yango_id": "outside", "dht": 15,
        "interval_s": 10}
THERMO = {"name": "heating", "type": "thermostat", "yango_id": "heating", "relay": 13, "dht": 4,
          "target": 21, "hysteresis": 0.5, "interval_s": 10, "power_on": "on"}


def sinric_temps(b):
    return [e[2] for e in b.out.sinric_events if e[1] == "currentTemperature"]


def test_readings_become_events_and_reports():
    b = Board()
    t = b.make(TEMP)
    assert t.yango_state() == []
    dht.set_reading(15, 21.34, 40.061)
    b.run(2000, t, step=100)
    assert b.out.sinric_events == [("outside", "currentTemperature",
                                    {"temperature": 21.3, "humidity": 40.06}, "PERIODIC_POLL")]
    assert b.out.yango_reports == [("outside", FLOAT, "temperature", 21.3),
                                   ("outside", FLOAT, "humidity", 40.06)]
    assert t.yango_state() == [(FLOAT, "temperature", 21.3), (FLOAT, "humidity", 40.06)]
    dht.set_reading(15, 22.0, 40.06)
    b.run(50000, t, step=100)  # five readings, changed, but within Sinric's 60 s limit
    assert len(sinric_temps(b)) == 1 and b.out.yango_reports[-1][2:] == ("temperature", 22.0)
    b.run(10000, t, step=100)
    assert sinric_temps(b)[-1] == {"temperature": 22.0, "humidity": 40.06}
    b.run(200000, t, step=1000)  # unchanged: no events until the heartbeat
    assert len(sinric_temps(b)) == 2
    b.run(400000, t, step=1000)
    assert len(sinric_temps(b)) == 3


def test_failing_sensor_is_logged_skipped_and_then_unknown():
    b = Board()
    t = b.make(dict(TEMP, dht_type="dht11"))
    b.run(2000, t, step=100)  # no sensor answering
    assert b.out.sinric_events == [] and "sensor read failed (1 in a row)" in b.logs[-1]
    dht.set_reading(15, 19.6, 55)
    b.run(10000, t, step=100)
    assert t.yango_state() == [(FLOAT, "temperature", 19), (FLOAT, "humidity", 55)]
    dht.set_reading(15, 60, 55)  # beyond a DHT11: implausible
    b.run(20000, t, step=100)
    assert "implausible" in b.logs[-1] and t.climate.temperature == 19
    del dht.READINGS[15]
    b.run(20000, t, step=100)
    assert t.yango_state() == [] and t.climate.failures == 4


def test_thermostat_hysteresis():
    b = Board()
    th = b.make(THERMO)
    assert b.level(13) == 0  # no reading yet: never heat blind
    steps = ((20.4, 1), (20.6, 1), (21.4, 1), (21.5, 0), (20.6, 0), (20.5, 1))
    for temp, relay in steps:
        dht.set_reading(4, temp, 50)
        b.run(10000, th, step=500)
        assert b.level(13) == relay, (temp, relay)
    assert sinric_temps(b)[0] == {"temperature": 20.4, "humidity": 50}


def test_thermostat_modes_power_and_target():
    b = Board()
    th = b.make(THERMO)
    dht.set_reading(4, 19.0, 50)
    b.run(2000, th, step=500)
    assert b.level(13) == 1
    r = th.handle("setThermostatMode", {"thermostatMode": "ECO"}, None)
    assert r == {"thermostatMode": "ECO"} and b.level(13) == 0  # 19 >= 18 + 0.5
    assert th.handle("targetTemperature", {"temperature": 24}, None) == {"temperature": 24}
    assert b.level(13) == 1  # eco setpoint 21
    r = th.handle("adjustTargetTemperature", {"temperature": -1.5}, None)
    assert r == {"temperature": 22.5}
    assert th.handle("setThermostatMode", {"thermostatMode": "OFF"}, None)
    assert b.level(13) == 0 and th.yango_state()[0] == (ON_OFF, "on", False)
    th.handle("setThermostatMode", {"thermostatMode": "AUTO"}, None)
    assert b.level(13) == 1
    assert th.handle("setPowerState", {"state": "Off"}, None) == {"state": "Off"}
    assert b.level(13) == 0
    assert th.saved() == {"on": False, "mode": "AUTO", "target": 22.5}
    assert (MODE, "thermostat", "auto") in th.yango_state()
    assert ("heating", MODE, "thermostat", "eco") in b.out.yango_reports
    assert ("heating", RANGE, "temperature", 24) in b.out.yango_reports


def test_thermostat_bad_values_and_cool_move_nothing():
    b = Board()
    th = b.make(THERMO)
    dht.set_reading(4, 19.0, 50)
    b.run(2000, th, step=500)
    before = snapshot()
    for action, value in (("setThermostatMode", {"thermostatMode": "COOL"}),
                          ("setThermostatMode", {"thermostatMode": "heat"}),
                          ("targetTemperature", {"temperature": 80}),
                          ("targetTemperature", {"temperature": "21"}),
                          ("adjustTargetTemperature", {}), ("setPowerState", {"state": 1})):
        with raises(ValueError, match=action):
            th.handle(action, value, None)
    assert snapshot() == before and th.mode == "HEAT" and th.target == 21


def test_thermostat_lost_sensor_turns_the_heater_off():
    b = Board()
    th = b.make(THERMO)
    dht.set_reading(4, 18.0, 50)
    b.run(2000, th, step=500)
    assert b.level(13) == 1
    del dht.READINGS[4]
    b.run(20000, th, step=500)
    assert b.level(13) == 1  # two misses: keep going on the last reading
    b.run(10000, th, step=500)
    assert b.level(13) == 0 and th.climate.temperature is None


def test_thermostat_restore_and_discovery():
    from firmware.devices.discovery import entry

    b = Board()
    th = b.make(dict(THERMO, power_on="restore"), {"on": True, "mode": "ECO", "target": 23})
    assert (th.on, th.mode, th.target) == (True, "ECO", 23)
    e = entry(th)
    assert e["type"] == "devices.types.thermostat"
    assert e["capabilities"][1]["parameters"]["range"] == {"min": 5, "max": 35, "precision": 0.5}
    assert e["capabilities"][2]["parameters"]["modes"] == [
        {"value": "heat"}, {"value": "auto"}, {"value": "eco"}]
    assert [p["parameters"]["unit"] for p in e["properties"]] == [
        "unit.temperature.celsius", "unit.percent"]
    b2 = Board()
    th = b2.make(dict(THERMO, power_on="restore"), {"on": True, "mode": "COOL", "target": 23})
    assert th.mode == "HEAT" and "ignored" in b2.logs[0]


def _heater_stops_on(failure):
    b = Board()
    th = b.make(THERMO)
    dht.set_reading(4, 19.0, 50)
    b.run(2000, th, step=500)
    assert b.level(13) == 1 and th.yango_on()
    b.out.clear()
    dht.READINGS[4] = failure
    b.run(20000, th, step=500)  # two failed reads: the heater holds on the last reading
    assert b.level(13) == 1 and th.climate.failures == 2
    b.run(10000, th, step=500)  # the third: the sensor is lost
    assert b.level(13) == 0 and th.climate.lost
    assert ("heating", "pushNotification",
            {"alert": "heating: temperature sensor not answering"}, "ALERT") in b.out.sinric_events
    assert ("heating", ON_OFF, "on", False) in b.out.yango_reports
    assert th.yango_state()[0] == (ON_OFF, "on", False)
    b.run(30000, th, step=500)  # still failing: reported once, heater stays off
    assert b.level(13) == 0 and len(b.out.sinric_events) == 1
    dht.set_reading(4, 19.0, 50)
    b.run(10000, th, step=500)
    assert b.level(13) == 1 and not th.climate.lost
    assert b.out.yango_reports[-1] == ("heating", ON_OFF, "on", True) or (
        "heating", ON_OFF, "on", True) in b.out.yango_reports


def test_a_checksum_error_counts_as_a_sensor_failure():
    # the stock dht driver raises a plain Exception("checksum error"), not an OSError
    _heater_stops_on(dht.CHECKSUM)


def test_a_sensor_timeout_turns_the_heater_off_and_is_reported():
    _heater_stops_on(None)


class _Stop(Exception):
    pass


def test_a_device_poll_failing_on_a_full_heap_keeps_its_loop():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    b = Board()
    dev = b.make(TEMP)
    log = b.hw.log = OomLog("outside: poll: ")
    calls = []

    def poll():
        calls.append(1)
        raise MemoryError("memory allocation failed, allocating 64 bytes")

    async def sleep_ms(ms):
        if len(calls) == 3:
            raise _Stop

    dev.poll = poll
    dev.poll_ms = 10
    b.hw.sleep_ms = sleep_ms
    with raises(_Stop):
        asyncio.run(dev._loop())
    assert len(calls) == 3
    assert log.lines == ["device poll failed (out of memory for the details)"] * 3


def test_a_sensor_failing_on_a_full_heap_counts_and_goes_on():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    b = Board()
    t = b.make(TEMP)
    log = b.hw.log = OomLog("outside: sensor read failed (1 in a row): ")
    b.run(2000, t, step=100)  # no sensor answering; the line with its name does not fit
    assert t.climate.failures == 1
    assert log.lines == ["temperature: sensor read failed (out of memory for the details)"]


def test_a_sensor_lost_on_a_full_heap_still_turns_the_heater_off():
    # The third failed read's lines did not fit the heap: their MemoryError left the loss
    # unreported to the thermostat, whose heater went on heating on a dead sensor (a fourth
    # failure never reports the loss again). The state change happens whatever the heap holds.
    b = Board()
    th = b.make(THERMO)
    dht.set_reading(4, 19.0, 50)
    b.run(2000, th, step=500)
    assert b.level(13) == 1
    b.out.clear()
    log = b.hw.log = OomLog("heating: sensor lost after ")
    dht.READINGS[4] = None
    b.run(30000, th, step=500)  # three failed reads: the sensor is lost
    assert b.level(13) == 0 and th.climate.lost
    assert ("heating", ON_OFF, "on", False) in b.out.yango_reports
    assert ("heating", "pushNotification",
            {"alert": "heating: temperature sensor not answering"}, "ALERT") in b.out.sinric_events
    assert "temperature: sensor lost (out of memory for the details)" in log.lines
