"""The Yango callback double and the discovery command (host tools, CPython)."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from mpy import ROOT

from tools.yango.discovery import color_cap, device_entry, event_prop, on_off_cap, range_cap
from tools.yango_check import check_entry
from tools.yango_devices import entries_from_config, load_config, main, reply_for_config
from tools.yango_server import YangoDouble

LAMP = device_entry("lamp", "Lamp", "light", [on_off_cap(), range_cap("brightness", 1, 100),
                                              color_cap("rgb", (2700, 6500))])
DOOR = device_entry("door", "Door", "sensor", [], [event_prop("open", ["opened", "closed"])])


def post(url, body, headers=None, method="POST", timeout=10):
    """(status, body text) of one request; body: bytes, str or a JSON-able object."""
    if not isinstance(body, (bytes, str)) and body is not None:
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    h = {"Content-Type": "application/json", "Authorization": "OAuth token-1"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=body, method=method,
                                 headers={k: v for k, v in h.items() if v is not None})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def state(*items, ts=1735689600, user="user-1"):
    devs = {}
    for dev, t, inst, v in items:
        key = "capabilities" if ".capabilities." in t else "properties"
        devs.setdefault(dev, {"id": dev}).setdefault(key, []).append(
            {"type": t, "state": {"instance": inst, "value": v}})
    return {"ts": ts, "payload": {"user_id": user, "devices": list(devs.values())}}


ON = "devices.capabilities.on_off"
COLOR = "devices.capabilities.color_setting"
OPEN = "devices.properties.event"


@pytest.fixture
def y():
    lines = []
    d = YangoDouble(devices=[LAMP, DOOR], log=lines.append)
    d.lines = lines
    with d.serve_in_thread():
        d.state_url = d.url + "/api/v1/skills/skill-1/callback/state"
        yield d


def test_accepts_a_valid_state_and_records_it(y):
    status, text = post(y.state_url, state(("lamp", ON, "on", True),
                                           ("lamp", COLOR, "temperature_k", 3500),
                                           ("door", OPEN, "open", "opened")))
    body = json.loads(text)
    assert status == 202 and body["status"] == "ok" and len(body["request_id"]) == 36
    assert y.latest == {("lamp", "on_off", "on"): True,
                        ("lamp", "color_setting", "temperature_k"): 3500,
                        ("door", "event", "open"): "opened"}
    assert [s["instance"] for s in y.states] == ["on", "temperature_k", "open"]
    assert y.requests[0]["request_id"] == body["request_id"]
    assert y.violations == []
    assert "lamp on_off.on = true" in y.lines[0] and "202" in y.lines[0]


def test_integer_fields_reject_floats_like_the_platform(y):
    raw = ('{"ts":1735689600,"payload":{"user_id":"user-1","devices":[{"id":"lamp",'
           '"capabilities":[{"type":"devices.capabilities.color_setting","state":'
           '{"instance":"temperature_k","value":3500.0}}]}]}}')
    status, text = post(y.state_url, raw)
    body = json.loads(text)
    assert status == 400 and body["status"] == "error" and body["request_id"]
    assert body["error_message"] == ("json: unexpected type at payload.devices[0]."
                                     "capabilities[0].state.value: number 3500.0")
    assert y.states == []


@pytest.mark.parametrize("doc, text", [
    (state(("lamp", COLOR, "rgb", "#ff0000")), "unexpected type"),
    (state(("lamp", COLOR, "rgb", 16777216)), "out of 0..16777215"),
    (state(("lamp", ON, "on", 1)), "want bool"),
    (state(("lamp", ON, "off", True)), "unknown instance 'off'"),
    (state(("lamp", "devices.capabilities.teleport", "on", True)), "unknown type"),
    (state(("lamp", "devices.properties.float", "temperature", "20")), "want number"),
    (state(("door", OPEN, "open", "ajar")), "not an event of open"),
    (state(("lamp", "devices.capabilities.mode", "thermostat", "warm")), "unknown mode"),
    (state(("lamp", ON, "on", None)), "null"),
    ({"payload": state(("lamp", ON, "on", True))["payload"]}, "ts:"),
    (dict(state(("lamp", ON, "on", True)), ts="now"), "ts:"),
    ({"ts": 1, "payload": {"user_id": "user-1", "devices": []}}, "payload.devices"),
    ({"ts": 1, "payload": {"devices": [{"id": "lamp"}]}}, "user_id"),
    ({"ts": 1, "payload": {"user_id": "user-1", "devices": [{"id": "lamp"}]}},
     "no capabilities or properties"),
    ([1, 2], "cannot unmarshal array"),
])
def test_bad_bodies_get_400_with_a_reason(y, doc, text):
    status, body = post(y.state_url, doc)
    body = json.loads(body)
    assert status == 400 and body["error_code"] in ("BAD_REQUEST", "INVALID_VALUE")
    assert text in body["error_message"], body
    assert y.requests[-1]["status"] == 400 and y.states == []


def test_unknown_user(y):
    status, body = post(y.state_url, state(("lamp", ON, "on", True), user="someone"))
    assert status == 400 and json.loads(body)["error_code"] == "UNKNOWN_USER"


def test_transport_level_refusals(y):
    ok = state(("lamp", ON, "on", True))
    assert post(y.state_url, ok, {"Authorization": None}) == (401, "Unauthorized")
    assert post(y.state_url, ok, {"Authorization": "Bearer token-1"})[0] == 401
    assert post(y.state_url, ok, {"Authorization": "OAuth other"})[0] == 401
    assert post(y.url + "/api/v1/skills/other/callback/state", ok) == (403, "")
    assert post(y.url + "/api/v1/skills/skill-1/callback/nope", ok)[0] == 404
    assert post(y.state_url, None, method="GET")[0] == 405
    status, body = post(y.state_url, ok, {"Content-Type": "text/plain"})
    assert status == 400 and "Content-Type" in body
    status, body = post(y.state_url, "{not json")
    assert status == 400 and json.loads(body)["error_message"].startswith("json:")
    assert y.states == []


def test_violations_are_recorded_but_accepted_like_the_platform(y):
    status, _ = post(y.state_url, state(("lamp", ON, "on", True), ("lamp", ON, "on", False),
                                        ("lamp", COLOR, "temperature_k", 9000),
                                        ("lamp", COLOR, "hsv", {"h": 1, "s": 2, "v": 3}),
                                        ("ghost", ON, "on", True)))
    assert status == 202
    text = "\n".join(y.violations)
    assert "twice in one request" in text
    assert "9000 outside the declared 2700..6500" in text
    assert "lamp devices.capabilities.color_setting hsv was not declared" in text
    assert "device 'ghost' was never discovered" in text
    assert "VIOLATION" in y.lines[-1]


def test_discovery_callback(y):
    url = y.url + "/api/v1/skills/skill-1/callback/discovery"
    status, body = post(url, {"ts": 1611764267.12, "payload": {"user_id": "user-1"}})
    assert status == 202 and json.loads(body)["status"] == "ok"
    assert post(url, {"payload": {"user_id": "user-1"}})[0] == 400
    assert y.accepted("discovery") and not y.states


def test_fault_injection(y):
    ok = state(("lamp", ON, "on", True))
    y.fail("503", 2)
    y.fail("pass", 1)
    y.fail("500", 1)
    y.fail("401", 1)
    y.fail("403", 1)
    y.fail("unknown_user", 1)
    y.fail("400", 1)
    got = [post(y.state_url, ok) for _ in range(9)]
    assert [g[0] for g in got] == [503, 503, 202, 500, 401, 403, 400, 400, 202]
    assert json.loads(got[3][1])["error_code"] == "INTERNAL_ERROR"
    assert json.loads(got[6][1])["error_code"] == "UNKNOWN_USER"
    assert json.loads(got[7][1])["error_code"] == "INVALID_VALUE"
    assert [r["fault"] for r in y.requests][:3] == ["503", "503", None]
    y.fail("reset", 1)
    with pytest.raises((ConnectionError, urllib.error.URLError, OSError)):
        post(y.state_url, ok)
    y.hang_s = 3
    y.fail("timeout", 1)
    with pytest.raises((TimeoutError, urllib.error.URLError, OSError)):
        post(y.state_url, ok, timeout=0.5)
    y.fail("502", None)  # until cleared
    assert [post(y.state_url, ok)[0] for _ in range(3)] == [502, 502, 502]
    y.clear()
    assert post(y.state_url, ok)[0] == 202
    with pytest.raises(ValueError):
        y.fail("teapot")


def test_wait_for_is_a_hang_guard(y):
    with pytest.raises(TimeoutError):
        y.wait_for(lambda d: d.states, timeout=0.3)
    post(y.state_url, state(("lamp", ON, "on", True)))
    assert y.wait_for(lambda d: d.states, timeout=5)


def test_control_endpoint(y):
    assert post(y.url + "/_control/fail", {"fault": "503", "times": 1})[0] == 200
    assert post(y.state_url, state(("lamp", ON, "on", True)))[0] == 503
    assert post(y.state_url, state(("lamp", ON, "on", True)))[0] == 202
    status, body = post(y.url + "/_control/fail", {"fault": "nope"})
    assert status == 400 and "unknown fault" in body
    post(y.url + "/_control/fail", {"fault": "500", "times": None})
    post(y.url + "/_control/clear", {})
    assert post(y.state_url, state(("lamp", ON, "on", False)))[0] == 202
    status, body = post(y.url + "/_control/state", None, method="GET")
    s = json.loads(body)
    assert s["latest"] == {"lamp on_off.on": False} and s["requests"] == 3
    status, body = post(y.url + "/_control/requests", None, method="GET")
    assert [r["status"] for r in json.loads(body)] == [503, 202, 202]


def test_standalone_process_with_config_and_cli_faults(tmp_path):
    cfg = load_config(ROOT / "config.example.json")
    cfg["yango"].update(skill_id="sk-9", token="tok-9", user_id="u-9")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    p = subprocess.Popen([sys.executable, "-m", "tools.yango_server", "--port",
                          "0", "--config", str(path), "--fail", "503:1"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = p.stdout.readline()
        assert "listening on http://127.0.0.1:" in first and "11 devices declared" in first
        url = first.split("listening on ")[1].split()[0]
        sturl = url + "/api/v1/skills/sk-9/callback/state"
        doc = state(("lamp", ON, "on", True), user="u-9")
        auth = {"Authorization": "OAuth tok-9"}
        assert post(sturl, doc, auth)[0] == 503
        assert post(sturl, doc, auth)[0] == 202
        assert post(sturl, state(("strip", COLOR, "temperature_k", 3000), user="u-9"),
                    auth)[0] == 202
        s = json.loads(post(url + "/_control/state", None, method="GET")[1])
        assert s["latest"] == {"lamp on_off.on": True, "strip color_setting.temperature_k": 3000}
        assert s["violations"] == []
    finally:
        p.terminate()
        out = p.communicate(timeout=10)[0]
    assert "#1 state 503 [fault 503]" in out and "lamp on_off.on = true" in out


def test_discovery_reply_for_the_example_config():
    # The entries are the board's own discovery.entry(dev): one mapping, not two.
    reply = reply_for_config(load_config(ROOT / "config.example.json"), "r-1")
    devs = reply["payload"]["devices"]
    assert reply["request_id"] == "r-1" and reply["payload"]["user_id"] == "user-1"
    assert [d["id"] for d in devs] == ["lamp", "hall-dimmer", "strip", "blinds", "front-lock",
                                       "garage", "heating", "hall-motion", "window", "outside",
                                       "bell"]
    for d in devs:
        check_entry(d)
    by = {d["id"]: d for d in devs}
    assert by["strip"]["capabilities"][2]["parameters"] == {
        "color_model": "rgb", "temperature_k": {"min": 2200, "max": 7000}}
    assert by["bell"]["properties"][0]["retrievable"] is False
    assert by["heating"]["type"] == "devices.types.thermostat"
    assert [p["parameters"]["instance"] for p in by["heating"]["properties"]] == [
        "temperature", "humidity"]
    assert by["front-lock"]["properties"][0]["parameters"]["instance"] == "open"
    assert by["blinds"]["capabilities"][0]["parameters"]["instance"] == "open"
    assert by["front-lock"]["type"] == "devices.types.sensor"  # read-only: no voice unlock


@pytest.mark.parametrize("change, text", [
    (lambda c: c["devices"].append({"name": "x", "type": "toaster", "yango_id": "x"}),
     'unknown type "toaster"'),
    (lambda c: c["devices"].append({"name": "l2", "type": "light", "yango_id": "l2",
                                    "red": 1}), "green: required with red+green+blue"),
    (lambda c: c["devices"].append({"name": "dup", "type": "switch", "yango_id": "lamp",
                                    "relay": 1}), "used twice"),
    (lambda c: c["yango"].pop("user_id"), "yango.user_id"),
    (lambda c: c.update(devices={}), "devices must be a list"),
])
def test_bad_configs_exit_2_with_the_reason(tmp_path, capsys, change, text):
    cfg = load_config(ROOT / "config.example.json")
    change(cfg)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cfg))
    assert main([str(path)]) == 2
    assert text in capsys.readouterr().err


def test_cli_prints_json_and_skips_devices_without_yango_id(tmp_path, capsys):
    cfg = load_config(ROOT / "config.example.json")
    del cfg["devices"][0]["yango_id"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cfg))
    assert main([str(path), "--request-id", "abc"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["request_id"] == "abc" and len(out["payload"]["devices"]) == 10
    assert len(entries_from_config(cfg)) == 10
    path.write_text("{")
    assert main([str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
