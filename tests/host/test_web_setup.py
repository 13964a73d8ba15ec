"""The setup access point and the local page on the simulated board (real MicroPython, real
sockets on 127.0.0.1: the board's port 80 and 53 are SimBoard.http_port and .dns_port)."""

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
from e2e_rig import Rig, sid
from simhelp import board as _board

from tools.demo.run import DEMO_HEAP


def board(cfg, **kw):
    # ESP32-class heap from .mpy; the ESP8266 runs these modules frozen (no heap for code)
    kw.setdefault("heap", DEMO_HEAP)
    return _board(cfg, **kw)

SECRET_WIFI = "wifi-pass-Zq81"
FORM_OK = {"wifi.ssid": "home", "wifi.password": SECRET_WIFI, "sinric.app_key": "",
           "sinric.app_secret": "", "yango.skill_id": "", "yango.user_id": "",
           "yango.token": ""}


def http(port, path, data=None, auth=None, method=None):
    """(status, headers, body text); never raises on an HTTP status."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=urllib.parse.urlencode(data).encode()
                                 if isinstance(data, dict) else data)
    if auth:
        req.add_header("Authorization",
                       "Basic " + base64.b64encode((":" + auth).encode()).decode())

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_a_board_without_config_is_set_up_from_its_page():
    with board(None) as sim:
        i = sim.wait_for("setup: access point ")
        assert "board-setup-" in sim.lines[i] and "WPA2" in sim.lines[i]
        assert "config.json: not found" in sim.lines[i]
        sim.wait_for("setup: page ready", since=i)
        assert sim.info()["app"] == "setup"
        pw = [ln for ln in sim.lines if "password (shown once" in ln]
        assert len(pw) == 1 and len(pw[0].rsplit(": ", 1)[1]) == 12
        # a phone's captive-portal probe is sent to the page
        st, h, _ = http(sim.http_port, "/generate_204")
        assert st == 302 and h["Location"] == "http://192.168.4.1/"
        st, _, page = http(sim.http_port, "/")
        assert st == 200 and 'name=wifi.ssid' in page and "type=password" in page
        # a bad value: the validator's exact words, nothing written, no restart
        st, _, page = http(sim.http_port, "/save", dict(FORM_OK, **{"wifi.ssid": "x" * 33}))
        assert st == 400
        assert "wifi.ssid: must be a non-empty string of at most 32 characters" in page
        assert "x" * 33 in page and SECRET_WIFI not in page  # values kept, secrets never
        assert not sim.path("config.json").exists() and len(sim.boots) == 1
        st, _, page = http(sim.http_port, "/save", FORM_OK)
        assert st == 200 and "Settings saved" in page and SECRET_WIFI not in page
        saved = json.loads(sim.path("config.json").read_text())
        assert saved == {"wifi": {"ssid": "home", "password": SECRET_WIFI}, "devices": []}
        assert not sim.path("config.json.tmp").exists()
        sim.wait_boot(2)
        j = sim.wait_for("app: running", since=sim.boots[1].first_line)
        assert "setup:" not in "\n".join(sim.lines[sim.boots[1].first_line:j])
        assert "password (shown once" not in sim.output(2)
        assert sim.info()["app"] == "running"
        assert SECRET_WIFI not in sim.output()


def test_the_captive_dns_answers_every_name_with_the_ap():
    with board(None) as sim:
        sim.wait_for("setup: page ready")
        q = (b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00"
             b"\x00\x01\x00\x01")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(10)
            s.sendto(q, ("127.0.0.1", sim.dns_port))
            a, _ = s.recvfrom(512)
        assert a[:2] == b"\xab\xcd" and a[-4:] == bytes((192, 168, 4, 1))


def test_a_broken_config_file_is_not_overwritten_by_setup():
    with board(None, config_text="{wifi") as sim:
        sim.wait_for("config: config.json: not valid JSON")
        sim.wait_for("sim: main.py returned")
        assert "setup:" not in sim.output() and sim.info()["app"] == "config_error"


PAGE_PW = "page-pass-81kx"
LAMP = {"name": "lamp", "type": "switch", "sinric_id": sid(1), "yango_id": "lamp", "relay": 5}


@pytest.fixture(scope="module")
def rig():
    with Rig([LAMP], extra={"web": {"password": PAGE_PW}}) as r:
        r.board.wait_for("web: local page on port")
        yield r


def test_the_local_page_needs_its_password(rig):
    port = rig.board.http_port
    for path in ("/", "/api/status"):
        st, h, body = http(port, path)
        assert st == 401 and h["WWW-Authenticate"].startswith("Basic ")
        assert http(port, path, auth="wrong-password")[0] == 401
    st, _, body = http(port, "/api/device", b"{}", method="POST")
    assert st == 401


def test_a_relay_toggled_from_the_page_reaches_the_pin_and_both_clouds(rig):
    port = rig.board.http_port
    mark = rig.events_mark()
    st, h, _ = http(port, "/control", {"device": "lamp", "action": "setPowerState",
                                       "key": "state", "value": "On"}, auth=PAGE_PW)
    assert st == 303 and h["Location"] == "/"
    rig.wait_pin(5, lambda p: p["value"] == 1)
    e = rig.wait_event(sid(1), "setPowerState", mark, {"state": "On"})
    assert e["cause"]["type"] == "PHYSICAL_INTERACTION"
    rig.wait_yango("lamp", "on_off", "on", True)
    st, _, page = http(port, "/", auth=PAGE_PW)
    assert st == 200 and "<td>on: True</td>" in page, page
    assert "Clouds: sinric: connected, yango: connected" in page
    # and through the JSON API
    st, _, body = http(port, "/api/device", json.dumps(
        {"device": "lamp", "action": "setPowerState", "value": {"state": "Off"}}).encode(),
        auth=PAGE_PW, method="POST")
    assert st == 200 and json.loads(body) == {"success": True, "value": {"state": "Off"}}
    rig.wait_pin(5, lambda p: p["value"] == 0)
    rig.wait_yango("lamp", "on_off", "on", False)


def test_the_status_api_reports_the_board(rig):
    st, _, body = http(rig.board.http_port, "/api/status", auth=PAGE_PW)
    s = json.loads(body)
    assert st == 200 and [d["name"] for d in s["devices"]] == ["lamp"]
    assert s["clouds"] == {"sinric": {"connected": True}, "yango": {"connected": True}}
    assert s["heap"]["free"] > 0 and s["uptime_s"] >= 0 and s["rssi"] == -55
    assert "e2e-password" not in body and "e2e-token" not in body


def test_a_bad_control_is_refused_and_moves_nothing(rig):
    port = rig.board.http_port
    before = rig.board.get(5)
    st, h, _ = http(port, "/control", {"device": "lamp", "action": "setPowerState",
                                       "key": "state", "value": "Maybe"}, auth=PAGE_PW)
    assert st == 303 and h["Location"].startswith("/?error=")
    st, _, page = http(port, h["Location"], auth=PAGE_PW)
    assert "role=alert" in page and "Maybe" in page
    assert rig.board.get(5) == before


def test_a_button_held_at_boot_starts_the_setup_access_point():
    cfg = {"wifi": {"ssid": "home", "password": "home-pass-123"},
           "board": {"setup_button": 0},
           "devices": [{"name": "lamp", "type": "switch", "relay": 5, "yango_id": "lamp"}]}
    with board(cfg, held={0: 0}) as sim:
        i = sim.wait_for("setup: access point ")
        assert "because GPIO 0 was held at boot" in sim.lines[i]
        sim.wait_for("setup: page ready", since=i)
        assert sim.info()["app"] == "setup" and sim.get(5)["mode"] is None  # no app, no relay
        st, _, page = http(sim.http_port, "/")
        assert st == 200 and "value='home'" in page and "home-pass-123" not in page
    with board(cfg) as sim:  # not held: the app, no access point
        sim.wait_for("app: running")
        assert "setup:" not in sim.output()
