"""No open doors: the Wi-Fi password, the Sinric app secret, the Yango token and the local
page's password never appear in a log line, an error, a health report or a page. One board
is driven through every failure path there is on the simulated board, and everything it
said (and every page and report it served) is scanned for them."""

import json

from e2e_rig import SECRET, YANGO, Rig, sid
from test_web_setup import http

PAGE_PW = "page-pass-81kx"
WIFI_PW = "e2e-password"
LAMP = {"name": "lamp", "type": "switch", "sinric_id": sid(1), "yango_id": "lamp", "relay": 5,
        "button": 4}
SECRETS = (SECRET, YANGO["token"], WIFI_PW, PAGE_PW)


def test_no_secret_in_any_output():
    seen = []  # every text the board produced outside its log
    with Rig([LAMP], extra={"web": {"password": PAGE_PW}}) as r:
        port = r.board.http_port
        r.board.wait_for("web: local page on port")
        # Sinric: a good request, a tampered one, an unsigned one, an unknown action, the
        # health report, a bad value
        r.request(sid(1), "setPowerState", {"state": "On"})
        seen.append(json.dumps(r.request(sid(1), "setPowerState", {"state": "Off"},
                                         tamper={"state": "On"})))
        seen.append(json.dumps(r.request_unsigned(sid(1), "setPowerState", {"state": "On"})))
        seen.append(json.dumps(r.request(sid(1), "setWhatever", {"x": 1})))
        seen.append(json.dumps(r.request(sid(1), "setPowerState", {"state": "Maybe"})))
        seen.append(json.dumps(r.request(None, "health", {}, scope="module")))
        # Yango: every fault the double can play, each on a state change
        # (401 last: it stops the notifier until the config changes, so nothing follows it)
        for fault in ("503", "400", "unknown_user", "reset", "401"):
            r.yango.fail(fault, 1)
            since = len(r.board.lines)
            r.board.press(4)
            r.board.wait_for("yango: ", since=since)
        # the local page: wrong password, bad control, status
        for auth in (None, "wrong-one-1234", PAGE_PW):
            seen.append(http(port, "/", auth=auth)[2])
            seen.append(http(port, "/api/status", auth=auth)[2])
        seen.append(http(port, "/api/device", b"{bad", auth=PAGE_PW, method="POST")[2])
        # the Sinric server goes away and comes back; Wi-Fi goes away and comes back
        r.run(r.sinric.kill())
        r.board.wait_for("sinric: disconnected")
        r.run(r.sinric.restart())
        r.run(r.sinric.wait_connection(2, timeout=30))
        r.board.query("wifi down")
        r.board.wait_for("wifi: link lost")
        r.board.query("wifi up")
        r.board.wait_for("wifi: online", since=len(r.board.lines) - 1)
        # a crash and the restart after it
        r.board.reset()
        r.board.wait_boot(2)
        r.board.wait_for("app: running", since=r.board.boots[1].first_line)
        seen.append(r.board.output())
        seen.extend(json.dumps(m.get("raw", "")) for m in r.sinric.messages)
    text = "\n".join(seen)
    assert "yango: " in text and "sinric: " in text and "Board" in text  # it did all that
    for s in SECRETS:
        assert s not in text, "a secret leaked"
