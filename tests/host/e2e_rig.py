"""End-to-end rig: the unchanged firmware on the simulated board (DEMO_HEAP) against the
Sinric Pro double and the Yango double, both in-process. Blocking API for pytest:

    with Rig(devices) as r:
        r.request(sinric_id, "setPowerState", {"state": "On"})   # -> response payload
        r.board.get(5); r.wait_event(lambda e: ...); r.wait_yango(yango_id, "on_off", "on", True)
"""

import asyncio
import json
import threading
import time

from tools.demo.run import DEMO_HEAP
from tools.sim.run import FAST, SimBoard
from tools.sinric_server import SinricServer
from tools.yango_devices import entries_from_config
from tools.yango_server import YangoDouble

KEY = "de0b1234-1a3b-4c3d-a12b-5dab12345678"
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
YANGO = {"skill_id": "6f1c2a3b-4d5e-4f60-8a1b-2c3d4e5f6a7b", "token": "e2e-token",
         "user_id": "e2e-user"}
HANG = 20  # s: hang guard for every wait, never a speed assertion


def sid(n):
    return "5dc1564130eeeeeeeeeeee%02d" % n


def config(devices, sinric_url, yango_url):
    return {"wifi": {"ssid": "e2e", "password": "e2e-password", "timeout_s": 5},
            "sinric": {"app_key": KEY, "app_secret": SECRET, "url": sinric_url},
            "yango": dict(YANGO, url=yango_url),
            "board": {"state_write_interval_s": 60},
            "devices": devices}


class Rig:
    def __init__(self, devices, heap=DEMO_HEAP, initial_report=True, chip=None, extra=None):
        self.devices = devices
        self.chip = chip  # the simulated board's chip profile (None: esp32)
        self.extra = extra or {}  # more config sections, e.g. {"web": {...}}
        self.initial_report = initial_report
        self.heap = heap
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.sinric = self.yango = self.board = None
        self._yctx = None

    def run(self, coro, timeout=HANG + 10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self):
        self._thread.start()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        async def make():
            return await SinricServer(KEY, SECRET, port=0, log=None).start()

        self.sinric = self.run(make())
        cfg = config(self.devices, self.sinric.url, "http://127.0.0.1:1")
        cfg.update(self.extra)
        self._yctx = YangoDouble(devices=entries_from_config(cfg), log=None,
                                 **YANGO).serve_in_thread()
        self.yango = self._yctx.__enter__()
        cfg["yango"]["url"] = self.yango.url
        self.board = SimBoard(cfg, heap=self.heap, knobs=FAST, chip=self.chip)
        self.board.start()
        self.board.wait_for("app: running", timeout=HANG)
        self.run(self.sinric.wait_connection(1, timeout=HANG))
        # The full report (capabilities and floats only) follows the clock sync: from then on
        # states at the double are changes.
        if self.initial_report:
            self.yango.wait_for(lambda y: y.accepted(), HANG)

    def close(self):
        if self.board is not None:
            self.board.stop()
        if self.yango is not None:
            self._yctx.__exit__(None, None, None)
        if self.sinric is not None:
            try:
                self.run(self.sinric.stop(), 10)
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    # -- Sinric -------------------------------------------------------------------------------
    def request(self, device_id, action, value, **kw):
        """A signed request (or tamper=...: altered after signing); the response payload."""
        return self.run(self.sinric.send_request(device_id, action, value, timeout=HANG, **kw))

    def request_unsigned(self, device_id, action, value):
        """The request without its signature object; returns the response payload."""
        text, token = self.sinric.request_text(device_id, action, value)
        text = text[: text.rfind(',"signature"')] + "}"
        return self.run(self.sinric.send_and_wait(text, token, HANG))

    def events_mark(self):
        return len(self.sinric.events)

    def wait_event(self, device_id, action, since, value=None):
        """The first event for device_id/action after index `since` (with `value`)."""
        def match():
            for e in self.sinric.events[since:]:
                if e.get("deviceId") == device_id and e["action"] == action and (
                        value is None or e["value"] == value):
                    return e
            return None

        self.run(self.sinric.wait_until(lambda: match() is not None, timeout=HANG))
        return match()

    # -- Yango ----------------------------------------------------------------------------------
    def wait_yango(self, device, type_, instance, value):
        """Wait until the Yango double's latest state for the instance is `value` (with the
        same JSON type: True is not 1, 40 is not 40.0); returns the accepted state record."""
        def same(v):
            return json.dumps(v) == json.dumps(value)

        self.yango.wait_for(lambda y: same(y.latest.get((device, type_, instance), None)), HANG)
        for s in reversed(self.yango.states):
            if s["device"] == device and s["instance"] == instance and \
                    s["type"].endswith("." + type_):
                return s
        return None

    # -- pins -------------------------------------------------------------------------------------
    def wait_pin(self, gpio, pred, timeout=HANG):
        end = time.monotonic() + timeout
        while True:
            p = self.board.get(gpio)
            if pred(p):
                return p
            if time.monotonic() > end:
                raise TimeoutError("GPIO %d never matched; last %r" % (gpio, p))
            time.sleep(0.02)

    def pins(self, *gpios):
        return {g: self.board.get(g) for g in gpios}


def checked(devices):
    """A Rig as a module fixture's body (`yield from checked(DEVICES)`): when the module is
    done, neither double may have seen a problem or a violation."""
    with Rig(devices) as r:
        yield r
        assert r.sinric.problems == []
        assert r.yango.violations == []
