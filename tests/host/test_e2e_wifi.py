"""End to end, Wi-Fi lost and regained (control `wifi down/up`): the Sinric client drops the
link and reconnects, requests work again, and what changed meanwhile reaches Yango."""

import json

import pytest
from e2e_rig import HANG, checked, sid

SWITCH = sid(21)
DEVICES = [{"name": "lamp", "type": "switch", "sinric_id": SWITCH, "yango_id": "lamp",
            "relay": 5, "button": 0, "debounce_ms": 30}]


@pytest.fixture(scope="module")
def rig():
    yield from checked(DEVICES)


def test_wifi_down_and_up_reconnects_and_requests_work(rig):
    assert rig.request(SWITCH, "setPowerState", {"state": "On"})["success"] is True
    rig.wait_yango("lamp", "on_off", "on", True)
    first = rig.sinric.current
    rig.board.wifi(False)
    rig.run(rig.sinric.wait_until(lambda: not first.live, timeout=HANG))
    assert rig.sinric.current is None
    # offline, the button still works locally
    rig.board.press(0)
    rig.wait_pin(5, lambda p: p["value"] == 0)
    rig.board.wifi(True)
    rig.run(rig.sinric.wait_connection(2, timeout=HANG + 30))
    assert len(rig.sinric.connections) == 2
    # the change made offline reaches Yango once the link is back
    rig.wait_yango("lamp", "on_off", "on", False)
    r = rig.request(SWITCH, "setPowerState", {"state": "On"})
    assert r["success"] is True and r["value"] == {"state": "On"}
    assert rig.board.get(5)["value"] == 1
    rig.wait_yango("lamp", "on_off", "on", True)
    assert rig.board.info()["wifi"] == "online"


def test_health_report_through_the_product_wiring(rig):
    # The client reports uptime, free heap and reconnects; the board's services add the RSSI.
    r = rig.run(rig.sinric.send_request(None, "health", {}, scope="module"))
    assert r["success"] is True and r["scope"] == "module"
    report = json.loads(r["value"]["report"])
    assert report["wifiRSSI"] == -55  # the simulated station's signal
    assert report["freeHeap"] > 0 and report["uptime"] >= 0 and "reconnects" in report
