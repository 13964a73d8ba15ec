# The station-mode page and API, driven through its handler with the fake board's devices.
import asyncio
import json

from net.http_server import Request
from support import MICROPYTHON

from firmware.local_page import LocalPage

AUTH = {"authorization": "Basic OnBhZ2UtcGFzc3dvcmQ="}  # ":page-password"


class Out:
    def __init__(self):
        self.events = []

    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        self.events.append((dev.name, action, value, cause))


class Dev:
    """A device as the page sees it (the device contract of firmware/devices/base.py): the
    real types are driven through the page on the simulated board (tests/host)."""

    def __init__(self, name, type_, out):
        self.name, self.type, self.out = name, type_, out
        self.on, self.level = False, 100

    def handle(self, action, value, instance_id=None):
        fn = getattr(self, "do_" + action, None) if isinstance(action, str) else None
        if fn is None:
            return None
        if not isinstance(value, dict):
            raise ValueError("%s: value must be an object" % action)
        return fn(value, action)

    def do_setPowerState(self, value, action):
        if value.get("state") not in ("On", "Off"):
            raise ValueError('setPowerState: "state" must be one of On/Off')
        self.on = value["state"] == "On"
        return {"state": value["state"]}

    def yango_state(self):
        return [("devices.capabilities.on_off", "on", self.on)]


class Dimmer(Dev):
    def do_setPowerLevel(self, value, action):
        v = value.get("powerLevel")
        if not isinstance(v, int) or not 0 <= v <= 100:
            raise ValueError('setPowerLevel: "powerLevel" must be a number from 0 to 100')
        self.level = v
        return {"powerLevel": v}


class Wifi:
    def rssi(self):
        return -61

    def ip(self):
        return "192.168.1.50"


class Devs:
    def __init__(self, all_):
        self.all = all_


class Cloud:
    connected = False


class Ctx:
    def __init__(self):
        self.wifi = Wifi()
        self.errors = ["sinric: refused <script>"]
        self.lines = []
        self.out = Out()
        self.lamp = Dev("lamp", "switch", self.out)
        self.dim = Dimmer("hall <dim>", "dimmer", self.out)
        self.services = {"devices": Devs([self.lamp, self.dim]), "sinric": Cloud()}

    def log(self, s):
        self.lines.append(s)

    def uptime_s(self):
        return 4321


def call(page, method, path, body=b"", headers=AUTH, query=None):
    return asyncio.run(page.handle(Request(method, path, query or {}, dict(headers), body)))


def setup():
    ctx = Ctx()
    return ctx, LocalPage(ctx, "page-password", 0)


def test_every_route_needs_the_password():
    _, page = setup()
    for method, path in (("GET", "/"), ("GET", "/api/status"), ("POST", "/api/device"),
                         ("POST", "/control"), ("GET", "/nope")):
        for h in ({}, {"authorization": "Basic Ondyb25n"}):  # none, ":wrong"
            r = call(page, method, path, b"", h)
            assert r.status == 401, (method, path)
            assert ("WWW-Authenticate", 'Basic realm="board", charset="UTF-8"') in r.extra


def test_status_shows_devices_board_and_clouds():
    _, page = setup()
    r = call(page, "GET", "/api/status")
    assert r.status == 200 and r.ctype == "application/json"
    s = json.loads(r.body)
    assert [d["name"] for d in s["devices"]] == ["lamp", "hall <dim>"]
    assert s["devices"][0]["state"] == {"on": False}
    assert s["devices"][0]["actions"] == ["setPowerState"]
    assert s["devices"][1]["actions"] == ["setPowerState", "setPowerLevel"]
    assert s["clouds"] == {"sinric": {"connected": False}}
    assert s["rssi"] == -61 and s["uptime_s"] == 4321
    assert s["heap"]["free"] > 0 if MICROPYTHON else s["heap"]["free"] is None
    assert s["errors"] == ["sinric: refused <script>"]


def test_api_control_moves_the_pin_and_tells_both_clouds():
    ctx, page = setup()
    r = call(page, "POST", "/api/device",
             json.dumps({"device": "lamp", "action": "setPowerState", "value": {"state": "On"}}))
    assert r.status == 200 and json.loads(r.body) == {"success": True, "value": {"state": "On"}}
    assert ctx.lamp.on is True
    assert ctx.out.events == [("lamp", "setPowerState", {"state": "On"},
                               "PHYSICAL_INTERACTION")]
    assert ctx.lines == ['web: lamp setPowerState {"state": "On"}']


def test_api_refusals_move_nothing():
    ctx, page = setup()
    for body in (b"not json", b"{}", b'{"device": "lamp"}',
                 json.dumps({"device": "nope", "action": "setPowerState",
                             "value": {"state": "On"}}),
                 json.dumps({"device": "lamp", "action": "setPowerState",
                             "value": {"state": "Maybe"}}),
                 json.dumps({"device": "lamp", "action": "setPowerLevel",
                             "value": {"powerLevel": 5}}),
                 json.dumps({"device": "lamp", "action": "setPowerState", "value": "On"})):
        r = call(page, "POST", "/api/device", body)
        assert r.status == 400, body
        d = json.loads(r.body)
        assert d["success"] is False and d["message"], body
    assert ctx.lamp.on is False and ctx.dim.level == 100 and ctx.out.events == []


def test_page_forms_control_and_show_refusals():
    ctx, page = setup()
    r = call(page, "POST", "/control",
             b"device=hall+%3Cdim%3E&action=setPowerLevel&key=powerLevel&kind=num&value=40")
    assert r.status == 303 and ("Location", "/") in r.extra
    assert ctx.dim.level == 40
    r = call(page, "POST", "/control",
             b"device=lamp&action=setPowerState&key=state&value=Sideways")
    assert r.status == 303
    where = dict(r.extra)["Location"]
    assert where.startswith("/?error=") and ctx.lamp.on is False
    from net.http_server import escape, parse_form

    err = parse_form(where[2:])["error"]
    assert err == 'setPowerState: "state" must be one of On/Off'
    html = call(page, "GET", "/", query={"error": err}).text().decode()
    assert "<p class=bad role=alert>%s</p>" % escape(err) in html


def test_page_escapes_what_it_shows():
    _, page = setup()
    html = call(page, "GET", "/").text().decode()
    assert "hall &lt;dim&gt;" in html and "<dim>" not in html
    assert "refused &lt;script&gt;" in html and "<script>" not in html
    assert "value=On>On</button>" in html and "Set powerLevel" in html


def test_unknown_routes_and_methods():
    _, page = setup()
    assert call(page, "GET", "/nope").status == 404
    assert call(page, "DELETE", "/").status == 405
    assert call(page, "GET", "/api/device").status == 405
