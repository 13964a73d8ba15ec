# SinricClient.handle(): valid requests, module scope, failures with the spec's messages.
import json

from oomlog import OomLog
from sinric_rig import DEV, NOW, Rig


def test_valid_request_is_dispatched_and_answered():
    r = Rig()
    p = r.answer(r.request("setPowerState", {"state": "On"}))
    assert (p["success"], p["message"], p["value"]) == (True, "OK", {"state": "On"})
    assert (p["type"], p["replyToken"], p["deviceId"], p["scope"]) == (
        "response", "token-1", DEV, "device")
    assert p["createdAt"] == NOW
    assert r.acts == [("setPowerState", {"state": "On"}, None)]


def test_instance_id_reaches_the_handler_and_the_response():
    r = Rig()
    p = r.answer(r.request("setRangeValue", {"rangeValue": 3}, instanceId="speed"))
    assert p["success"] and p["instanceId"] == "speed"
    assert r.acts == [("setRangeValue", {"rangeValue": 3}, "speed")]


def test_failures_have_the_spec_messages_and_actuate_nothing():
    r = Rig()
    cases = [("setThermostatMode", {"thermostatMode": "COOL"}, {},
              'Device did not handle "setThermostatMode"'),
             ("setPowerState", {"state": "Maybe"}, {}, 'state must be "On" or "Off"'),
             ("explode", {}, {}, 'Device failed to handle "explode"'),
             ("odd", {}, {}, 'Device failed to handle "odd"'),
             ("nan", {}, {}, 'Device failed to handle "nan"'),
             ("setPowerState", {"state": "On"}, {"deviceId": "ffffffffffffffffffffffff"},
              "Device ffffffffffffffffffffffff not found")]
    for action, value, extra, message in cases:
        p = r.answer(r.request(action, value, **extra))
        assert (p["success"], p["message"]) == (False, message), (action, p)
    assert r.acts == []
    assert "sinric: handler for explode for %s raised RuntimeError: wiring fault" % DEV in r.logs
    assert "sinric: bad value from handler for odd for %s: 42" % DEV in r.logs


def test_responses_from_the_server_are_ignored():
    r = Rig()
    raw = r.codec.response({"action": "setPowerState", "replyToken": "x"}, NOW)
    assert r.c.handle(raw.encode()) is None
    assert r.logs[-1] == "sinric: ignored response setPowerState"
    raw = r.codec.event("setPowerState", {"state": "On"}, NOW, DEV)  # nor are events
    assert r.c.handle(raw.encode()) is None
    assert r.logs[-1] == "sinric: ignored event setPowerState"
    assert r.acts == [] and r.c.stats["requests"] == 0


def test_mid_session_timestamp_frame_is_a_hint_only():
    r = Rig()
    assert r.c.handle(b'{"timestamp":%d}' % (NOW + 20)) is None
    assert r.clock.now() == NOW + 20  # close to the running clock: taken
    for wild in (1800000000, NOW * 1000 + 123, NOW - 86400):
        assert r.c.handle(b'{"timestamp":%d}' % wild) is None
        assert r.clock.now() == NOW + 20  # far off: logged, not trusted
        assert "not taken" in r.logs[-1], r.logs[-1]
    assert r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW + 20))["success"]


def test_module_scope_health_setting_ota_and_unknown():
    r = Rig()
    r.c.health = lambda: {"wifiRSSI": -70}
    p = r.answer(r.request("health", {}, scope="module", deviceId=None))
    report = json.loads(p["value"]["report"])
    assert p["success"] and p["scope"] == "module"
    assert report["wifiRSSI"] == -70 and report["reconnects"] == 0 and "uptime" in report
    settings = []
    r.c.on_setting = lambda sid, v: settings.append((sid, v)) or v
    p = r.answer(r.request("setSetting", {"id": "pro.sinric::x", "value": "abc"},
                           scope="module", deviceId=None))
    assert (p["success"], p["value"]) == (True, {"id": "pro.sinric::x", "value": "abc"})
    assert settings == [("pro.sinric::x", "abc")]
    p = r.answer(r.request("otaUpdateAvailable", {"url": "http://x", "version": {}},
                           scope="module", deviceId=None))
    assert p["success"] is False and "OTA" in p["message"]
    p = r.answer(r.request("reboot", {}, scope="module", deviceId=None))
    assert p["message"] == 'Module did not handle "reboot"'
    r.c.health = lambda: 1 / 0
    p = r.answer(r.request("health", {}, scope="module", deviceId=None))
    assert p["success"]  # a broken hook does not break the report
    assert any("handler for health raised ZeroDivisionError" in ln for ln in r.logs)


def test_health_uptime_survives_the_tick_wrap():
    r = Rig()
    r.t.advance(10000)
    p = r.answer(r.request("health", {}, scope="module", deviceId=None))
    assert json.loads(p["value"]["report"])["uptime"] == 10
    for _ in range(7 * 24):  # a week: the 2^30 ms ticks wrap on the way
        r.t.advance(3600000)
        r.clock.now()  # the client's pump reads the clock at least every ping interval
    p = r.answer(r.request("health", {}, scope="module", deviceId=None,
                           createdAt=r.clock.now()))
    assert json.loads(p["value"]["report"])["uptime"] == 10 + 7 * 24 * 3600


def test_a_health_hook_failing_on_a_full_heap_still_gets_the_report_out():
    # The hook's failure may be the heap's: its line with the details did not fit either,
    # and that MemoryError turned the report into "Device out of memory". A short line now.
    r = Rig()
    r.c.log = OomLog("handler for health raised")

    def tight():
        raise MemoryError("memory allocation failed, allocating 96 bytes")

    r.c.health = tight
    p = r.answer(r.request("health", {}, scope="module", deviceId=None))
    assert p["success"] and "uptime" in json.loads(p["value"]["report"])
    assert r.c.log.lines == ["sinric: health handler failed (out of memory for the details)"]


class _MacOutOfHeapAt:
    # the codec's HMAC, running out of heap on its n-th signature (1: the request's check)
    def __init__(self, mac, n):
        self.mac = mac
        self.n = n

    def b64_into(self, data, out):
        self.n -= 1
        if not self.n:
            raise MemoryError("memory allocation failed")
        return self.mac.b64_into(data, out)


def test_a_response_signature_out_of_heap_leaves_one_whole_response_in_the_send_buffer():
    # The handler acted, the response's HMAC ran out of heap: the dispatcher answers again
    # after a collect, into the same buffer. The failed attempt's payload used to stay in
    # it, the second response went out behind it, and the server got a frame that is not
    # JSON (the request unanswered, nothing logged).
    r = Rig()
    r.c.codec._mac = _MacOutOfHeapAt(r.c.codec._mac, 2)
    out = bytearray(b"")
    got = r.c.handle(r.request("setPowerState", {"state": "On"}).encode(), out)
    assert got is out
    p = r.codec.verify(bytes(out))  # one signed message, nothing of the failed attempt
    assert (p["success"], p["replyToken"], p["value"]) == (True, "token-1", {"state": "On"})
    assert r.acts == [("setPowerState", {"state": "On"}, None)]


def test_every_signed_message_into_a_buffer_keeps_its_length_when_the_signature_fails():
    r = Rig()
    codec = r.c.codec
    p = {"action": "setPowerState", "clientId": "x", "createdAt": NOW, "deviceId": DEV,
         "replyToken": "t", "type": "request", "value": {}}
    writes = (lambda out: codec.sign_into(out, p),
              lambda out: codec.response_into(out, p, NOW),
              lambda out: codec.event_into(out, "setPowerState", {"state": "On"}, NOW, DEV))
    for write in writes:
        codec._mac = _MacOutOfHeapAt(r.c.codec._mac, 1)
        out = bytearray(b"head")
        try:
            write(out)
        except MemoryError:
            pass
        else:
            raise AssertionError("no MemoryError")
        assert out == b"head", out
        codec._mac = codec._mac.mac
