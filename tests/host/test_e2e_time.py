"""End to end, time sources: the unchanged firmware on the simulated board, its SNTP server
the local double (tools/sim/sntp_double.py) over real UDP on 127.0.0.1. Yango-only (the
replayed report: a Yango-only board never reported anything), SNTP unreachable, Sinric-only,
both, and the RTC across a soft reset. The SNTP double answers the host's time plus an
offset, so a Yango `ts` or a log line shows which source set the clock."""

import asyncio
import threading
import time

from e2e_rig import HANG, KEY, SECRET, YANGO, sid

from tools.demo.run import DEMO_HEAP
from tools.sim.run import FAST, SimBoard
from tools.sim.sntp_double import SntpDouble
from tools.sinric_server import SinricServer
from tools.yango_devices import entries_from_config
from tools.yango_server import YangoDouble

LAMP = {"name": "lamp", "type": "switch", "yango_id": "lamp", "sinric_id": sid(1), "relay": 5,
        "button": 0, "debounce_ms": 30}
OFFSET = 5000  # s the SNTP double's time is ahead of the host's: its mark on every ts
KNOBS = dict(FAST, **{"yango.notifier.SYNC_WAIT_LOG_MS": 2000})


def yango_config(yango_url, sntp=None):
    cfg = {"wifi": {"ssid": "t", "password": "time-password", "timeout_s": 5},
           "yango": dict(YANGO, url=yango_url), "board": {"watchdog_s": 30},
           "devices": [dict(LAMP)]}
    if sntp is not None:
        cfg["board"]["ntp_server"] = sntp.address
    return cfg


def _yango():
    cfg = yango_config("http://127.0.0.1:1")
    return YangoDouble(devices=entries_from_config(cfg), log=None, **YANGO).serve_in_thread()


def _press_until_reported(board, y, value):
    board.press(0)
    y.wait_for(lambda d: d.latest.get(("lamp", "on_off", "on")) is value, HANG)
    return [s for s in y.states if s["device"] == "lamp"][-1]


def test_yango_only_board_reports_with_sntp_time():
    with _yango() as y, SntpDouble(offset_s=OFFSET) as sntp:
        cfg = yango_config(y.url, sntp)
        with SimBoard(cfg, heap=DEMO_HEAP, knobs=KNOBS) as board:
            board.wait_for("time: clock set by SNTP", timeout=HANG)
            s = _press_until_reported(board, y, True)
            assert abs(s["ts"] - (time.time() + OFFSET)) < 60, s  # the SNTP double's time
            assert sntp.requests >= 1 and y.violations == []


def test_yango_only_with_sntp_unreachable_says_why_nothing_is_sent():
    with _yango() as y, SntpDouble(silent=True) as sntp:
        with SimBoard(yango_config(y.url, sntp), heap=DEMO_HEAP, knobs=KNOBS) as board:
            board.wait_for("time: SNTP %s failed (OSError: no answer within 3000 ms)"
                           % sntp.address, timeout=HANG)
            board.press(0)
            board.wait_for("yango: nothing sent yet: the clock is not set", timeout=HANG)
            assert board.get(5)["value"] == 1  # the relay moved; only the report waits
            assert y.requests == []
            sntp.silent = False  # the server comes back: the waiting state goes out
            y.wait_for(lambda d: d.latest.get(("lamp", "on_off", "on")) is True, 60 * 5)


class _Sinric:
    """The Sinric Pro double served by its own event loop thread (as e2e_rig.Rig does)."""

    def __enter__(self):
        self.loop = asyncio.new_event_loop()
        self._t = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._t.start()
        self.server = self.run(SinricServer(KEY, SECRET, port=0, log=None).start())
        return self

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(HANG + 10)

    def __exit__(self, *exc):
        try:
            self.run(self.server.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._t.join(10)


def test_sinric_only_and_both_agree_on_one_clock():
    for with_yango in (False, True):
        with _yango() as y, SntpDouble() as sntp, _Sinric() as s:
            cfg = {"wifi": {"ssid": "t", "password": "time-password", "timeout_s": 5},
                   "sinric": {"app_key": KEY, "app_secret": SECRET, "url": s.server.url},
                   "board": {"watchdog_s": 30, "ntp_server": sntp.address},
                   "devices": [dict(LAMP)]}
            if with_yango:
                cfg["yango"] = dict(YANGO, url=y.url)
            with SimBoard(cfg, heap=DEMO_HEAP, knobs=KNOBS) as board:
                s.run(s.server.wait_connection(1, timeout=HANG))
                board.wait_for("time: clock set by SNTP", timeout=HANG)
                r = s.run(s.server.send_request(sid(1), "setPowerState", {"state": "On"},
                                                timeout=HANG))
                assert r["success"] and abs(r["createdAt"] - time.time()) < 60, r
                assert board.get(5)["value"] == 1
                if with_yango:
                    y.wait_for(lambda d: d.latest.get(("lamp", "on_off", "on")) is True, HANG)
                    assert abs(y.states[-1]["ts"] - time.time()) < 60
                else:
                    assert y.requests == []
                assert s.server.problems == []


def test_the_rtc_keeps_the_time_across_a_soft_reset_not_a_power_cut():
    with _yango() as y, SntpDouble(offset_s=OFFSET) as sntp:
        with SimBoard(yango_config(y.url, sntp), heap=DEMO_HEAP, knobs=KNOBS) as board:
            board.wait_for("time: clock set by SNTP", timeout=HANG)
            sntp.silent = True  # from now on only the RTC knows the time
            mark = len(board.lines)
            board.reset()
            board.wait_for("time: clock set from the RTC", timeout=HANG, since=mark)
            s = _press_until_reported(board, y, True)
            assert abs(s["ts"] - (time.time() + OFFSET)) < 60, s  # SNTP's time, kept
            mark = len(board.lines)
            board.power_cycle()
            board.wait_for("time: RTC not set (2000-01-01)", timeout=HANG, since=mark)
