"""`make demo`: the unchanged firmware on the simulated board against the Sinric Pro double
and the Yango callback double, each double a separate process (their own CLIs), playing a
scripted scenario and narrating what every side saw.

    python -m tools.demo.run [--heap 112wK] [--config tools/demo/config.json] [--echo]

Exit status 0 when every step was observed at the board's pins, at the Sinric double and at
the Yango double (with no protocol problem at either double); 1 with a FAILED line naming
the step otherwise; 130 on Ctrl-C. Every process it starts is stopped on every path.
Logs of the three processes land in build/demo/.
"""

import argparse
import json
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tools import board_files
from tools.board_files import ROOT
from tools.sim.run import SimBoard

# The heap the demo board runs with: an ESP32's (tools/sim/run.py HEAPS, from the port's
# mpconfigport.h). From .mpy on the 64-bit host the firmware with both clouds, SNTP, the
# banner and the pages' hooks no longer fits 96wK (Yango's first POST ran out); the
# ESP8266 runs it frozen at 38 KB on the kit's interpreter.
DEMO_HEAP = "112wK"
CONFIG = ROOT / "tools" / "demo" / "config.json"
LOGS = ROOT / "build" / "demo"
STEP_TIMEOUT = 15  # s: a hang guard per observation, not a speed target
PYTHON = sys.executable


class DemoError(Exception):
    """A step whose effect was not observed (the message says what was missing)."""


class Proc:
    """A double started through its CLI; its output is collected line by line."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.lines = []
        self._cond = threading.Condition()
        self.log_path = log_path
        self.p = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  bufsize=1)
        self.pid = self.p.pid
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_line(self, pred, timeout):
        end = time.monotonic() + timeout
        i = 0
        with self._cond:
            while True:
                while i < len(self.lines):
                    r = pred(self.lines[i])
                    if r:
                        return r
                    i += 1
                if self.p.poll() is not None:
                    raise DemoError("%s exited with %s:\n%s" % (self.name, self.p.returncode,
                                                                self.tail()))
                left = end - time.monotonic()
                if left <= 0:
                    raise DemoError("%s did not start within %d s:\n%s"
                                    % (self.name, timeout, self.tail()))
                self._cond.wait(min(left, 0.2))

    def tail(self, n=15):
        return "\n".join("    " + s for s in self.lines[-n:])

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        if self.log_path:
            self.log_path.write_text("\n".join(self.lines) + "\n")


class SinricControl:
    """The Sinric double's control port: one command line in, one JSON line out."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT + 5)
        self.rfile = self.sock.makefile("r", encoding="utf-8")

    def __call__(self, line):
        self.sock.sendall((line + "\n").encode())
        answer = self.rfile.readline()
        if not answer:
            raise DemoError("the Sinric double closed its control port")
        return json.loads(answer)

    def close(self):
        self.rfile.close()
        self.sock.close()


def yango_control(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return json.loads(r.read())


def yango_states(requests):
    """(request n, device, short type, instance, value) for every state of accepted
    requests."""
    out = []
    for r in requests:
        if r["status"] != 202 or r["kind"] != "state":
            continue
        for d in r["body"]["payload"]["devices"]:
            for key in ("capabilities", "properties"):
                for it in d.get(key, ()):
                    out.append((r["n"], d["id"], it["type"].rsplit(".", 1)[1],
                                it["state"]["instance"], it["state"]["value"]))
    return out


def until(what, fn, timeout=STEP_TIMEOUT, every=0.1):
    """Poll fn() until it returns something true; DemoError naming `what` otherwise."""
    end = time.monotonic() + timeout
    while True:
        r = fn()
        if r:
            return r
        if time.monotonic() > end:
            raise DemoError("%s: not seen within %d s" % (what, timeout))
        time.sleep(every)


def _j(v):
    return json.dumps(v, separators=(",", ":"))


class Demo:
    """The scenario. run() returns a summary dict or raises DemoError; stop() (always
    called by main()) ends every process it started."""

    def __init__(self, heap=None, config=CONFIG, say=print, echo=False, logs=LOGS, chip=None,
                 board_args=None, tls=False, frozen=None, word32=False):
        self.chip = chip
        self.frozen = frozen  # True: the chip's frozen image on the kit (board_files.locate)
        self.word32 = word32  # True: an ESP32's .mpy on the kit (board_files.locate)
        self.tls = tls  # both clouds through TLS fronts (tools/tls_proxy.py, throwaway CA)
        self.proxies = []
        self.board_args = dict(board_args or {})  # more SimBoard arguments (preload=...)
        self.heap = heap or ((board_files.FROZEN_HEAP if frozen or word32
                              else board_files.HEAP)[chip]
                             if chip else DEMO_HEAP)
        self.cfg = json.loads(Path(config).read_text())
        self.config_path = Path(config)
        self.say = say
        self.echo = echo
        self.logs = Path(logs)
        self.sinric = self.yango = self.board = self.ctl = None
        self.devs = {d["type"]: d for d in self.cfg["devices"]}
        self.steps = []
        self._tmp = tempfile.TemporaryDirectory(prefix="demo-")

    def interp_frozen(self):
        """True when the board runs a frozen image (the kit), as far as known before start."""
        return bool(self.frozen) or self.chip == "esp8266"

    # -- the three processes ---------------------------------------------------------------
    def start(self):
        try:
            self.interp = board_files.locate(self.chip or "esp32", frozen=self.frozen,
                                             word32=self.word32)
        except board_files.Unavailable as e:
            raise DemoError(str(e)) from None
        self.logs.mkdir(parents=True, exist_ok=True)
        port_file = Path(self._tmp.name) / "sinric.ports"
        self.sinric = Proc("Sinric Pro double",
                           [PYTHON, "-m", "tools.sinric_server", "serve", "--port", "0",
                            "--control-port", "0", "--config", str(self.config_path),
                            "--port-file", str(port_file)], self.logs / "sinric.log")
        self.yango = Proc("Yango double",
                          [PYTHON, "-m", "tools.yango_server", "--port", "0", "--config",
                           str(self.config_path)], self.logs / "yango.log")
        self.sinric.wait_line(lambda s: "device URL" in s, 20)
        # the CLI writes the port file just after that line
        ports = until("the Sinric double's port file", lambda: port_file.exists() and (
            port_file.read_text().split() or None), timeout=10, every=0.05)
        ws_port, ctl_port = (int(x) for x in ports)
        url = self.yango.wait_line(
            lambda s: s.split()[3] if s.startswith("yango-double: listening on ") else None, 20)
        self.yango_port = int(url.rsplit(":", 1)[1])
        self.ctl = SinricControl(ctl_port)
        self.say("[setup] Sinric Pro double (pid %d): devices connect to ws://127.0.0.1:%d/, "
                 "control port %d" % (self.sinric.pid, ws_port, ctl_port))
        self.say("[setup] Yango double (pid %d): callbacks to %s" % (self.yango.pid, url))
        cfg = json.loads(json.dumps(self.cfg))
        cfg["sinric"]["url"] = "ws://127.0.0.1:%d/" % ws_port
        cfg["yango"]["url"] = url
        if self.tls:
            from tools.tls_proxy import TlsProxy

            self.proxies = [TlsProxy(ws_port).start(), TlsProxy(self.yango_port).start()]
            cfg["sinric"]["url"] = "wss://127.0.0.1:%d/" % self.proxies[0].port
            cfg["yango"]["url"] = "https://127.0.0.1:%d" % self.proxies[1].port
            # the transport under test here; certificate checks have their own tests
            # (tests/host/test_tls_verify.py), so the fronts' throwaway CA is not deployed
            cfg["sinric"]["tls_verify"] = cfg["yango"]["tls_verify"] = False
            self.say("[setup] TLS fronts: %s, %s" % (cfg["sinric"]["url"], cfg["yango"]["url"]))
        self.board = SimBoard(cfg, heap=self.heap, echo=self.echo, interp=self.interp,
                              board_dir=Path(self._tmp.name) / "board", **self.board_args)
        self.board.start()
        try:
            self.board.wait_for("app: running", timeout=30)
        except TimeoutError as e:
            raise DemoError("the firmware did not start: %s" % e) from None
        info = self.board.info()
        self.say("[setup] simulated board (pid %d, heap %s, control port %d): app %s, free "
                 "heap %d bytes" % (self.board.pid, self.heap, self.board.port,
                                    info.get("app"), info["free"]))
        until("the board connecting to the Sinric double",
               lambda: self.ctl("status").get("connected"), timeout=30, every=0.2)
        h = self.ctl("status")["headers"]
        self.say("[setup] board connected to the Sinric double: deviceids=%s mac=%s "
                 "firmwareVersion=%s" % (h.get("deviceids"), h.get("mac"),
                                         h.get("firmwareversion")))
        # The notifier sends nothing before the clock is synced; its first report follows.
        first = until("the initial state report at the Yango double",
                       lambda: yango_states(yango_control(self.yango_port,
                                                          "/_control/requests")))
        devs = sorted({s[1] for s in first})
        self.say("[setup] Yango double got the initial state report of %s" % ", ".join(devs))

    def stop(self):
        for step in (lambda: self.ctl and self.ctl.close(),
                     lambda: self.board and self._save_board(),
                     lambda: self.sinric and self.sinric.stop(),
                     lambda: self.yango and self.yango.stop(),
                     lambda: [p.stop() for p in self.proxies]):
            try:
                step()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                self.say("[stop] %r" % e)
        self._tmp.cleanup()

    def _save_board(self):
        self.board.stop()
        (self.logs / "board.log").write_text(self.board.output() + "\n")

    # -- observing ---------------------------------------------------------------------------
    def _marks(self):
        return (len(self.ctl("events 1000")["events"]),
                len(yango_control(self.yango_port, "/_control/requests")))

    def _sinric_event(self, marks, dev, action, what):
        def seen():
            evs = self.ctl("events 1000")["events"][marks[0]:]
            return [e for e in evs if e.get("deviceId") == dev["sinric_id"]
                    and e["action"] == action]
        e = until("Sinric double: %s" % what, seen)[-1]
        self.say("   sinric:  event %s %s cause=%s (signature verified)"
                 % (e["action"], _j(e["value"]), e["cause"]["type"]))
        return e

    def _yango(self, marks, dev, want):
        """want: [(short type, instance, value)], all to arrive after marks."""
        def seen():
            got = {(s[2], s[3]): s[4] for s in yango_states(
                yango_control(self.yango_port, "/_control/requests")) if s[0] > marks[1]
                and s[1] == dev["yango_id"]}
            return got if all(got.get((t, i)) == v for t, i, v in want) else None
        until("Yango double: %s %s" % (dev["yango_id"], ", ".join(
            "%s.%s=%s" % (t, i, _j(v)) for t, i, v in want)), seen)
        for t, i, v in want:
            self.say("   yango:   %s %s.%s = %s" % (dev["yango_id"], t, i, _j(v)))

    def _request(self, dev, action, value):
        r = self.ctl("request %s %s %s" % (dev["sinric_id"], action, value))
        if "error" in r:
            raise DemoError("Sinric double: %s %s: %s" % (action, value, r["error"]))
        if r.get("success") is not True:
            raise DemoError("Sinric double: %s %s answered success=%s %r"
                            % (action, value, r.get("success"), r.get("message")))
        self.say("   sinric:  response to %s: success=true %s (signature verified)"
                 % (action, _j(r["value"])))
        return r

    def _pin(self, gpio, what, pred, show):
        p = until("board: %s" % what, lambda: (lambda s: s if pred(s) else None)(
            self.board.get(gpio)), timeout=5)
        self.say("   board:   GPIO %d %s" % (gpio, show(p)))
        return p

    def _step(self, title):
        self.steps.append(title)
        self.say("\n%d. %s" % (len(self.steps), title))

    # -- the scenario --------------------------------------------------------------------------
    def run(self):
        self.start()
        sw, dim = self.devs["switch"], self.devs["dimmer"]
        pir, temp = self.devs["motion"], self.devs["temperature"]

        self._step('Voice: "Alexa, turn on the %s" (setPowerState On from the Sinric double)'
                   % sw["name"])
        m = self._marks()
        self._request(sw, "setPowerState", "On")
        self._pin(sw["relay"], "relay high", lambda s: s["value"] == 1,
                  lambda s: "(relay) = 1: on")
        self._yango(m, sw, [("on_off", "on", True)])

        self._step("Someone presses the %s's button (GPIO %d)" % (sw["name"], sw["button"]))
        m = self._marks()
        self.board.press(sw["button"])
        self._pin(sw["relay"], "relay low again", lambda s: s["value"] == 0,
                  lambda s: "(relay) = 0: off")
        self._sinric_event(m, sw, "setPowerState", "setPowerState Off event")
        self._yango(m, sw, [("on_off", "on", False)])

        self._step('Voice: "Alexa, set the %s to 40 %%" (setPowerState On, setPowerLevel 40)'
                   % dim["name"])
        m = self._marks()
        self._request(dim, "setPowerState", "On")
        self._request(dim, "setPowerLevel", "40")
        want = round(0.4 * 65535)
        self._pin(dim["pwm"], "PWM duty 40 %", lambda s: abs(s.get("duty_u16", -1) - want) < 700,
                  lambda s: "(PWM %d Hz) duty_u16 = %d of 65535: %.0f %%"
                  % (s["freq"], s["duty_u16"], s["duty_u16"] / 655.35))
        self._yango(m, dim, [("on_off", "on", True), ("range", "brightness", 40)])

        self._step("Someone walks past the %s (PIR on GPIO %d goes high)"
                   % (pir["name"], pir["pin"]))
        m = self._marks()
        self.board.set(pir["pin"], 1)
        self.say("   board:   GPIO %d (PIR input) = %d" % (pir["pin"],
                                                         self.board.get(pir["pin"])["value"]))
        self._sinric_event(m, pir, "motion", "motion detected event")
        self._yango(m, pir, [("event", "motion", "detected")])

        self._step("The %s sensor (DHT22 on GPIO %d) reads 21.5 C, 48 %% humidity"
                   % (temp["name"], temp["dht"]))
        m = self._marks()
        self.board.dht(temp["dht"], 21.5, 48)
        self.say("   board:   DHT22 on GPIO %d answers 21.5 C / 48 %%" % temp["dht"])
        self._sinric_event(m, temp, "currentTemperature", "currentTemperature event")
        self._yango(m, temp, [("float", "temperature", 21.5), ("float", "humidity", 48)])

        return self.summary()

    def summary(self):
        status = self.ctl("status")
        y = yango_control(self.yango_port, "/_control/state")
        info = self.board.info()
        problems = status["problems"] + y["violations"]
        self.say("\nSinric double: %d messages, %d events, problems: %s"
                 % (status["messages"], status["events"], status["problems"] or "none"))
        self.say("Yango double: %d requests (%d accepted), %d states, violations: %s"
                 % (y["requests"], y["accepted"], y["states"], y["violations"] or "none"))
        self.say("Board: free heap %d bytes at heap %s (control `info`)"
                 % (info["free"], self.heap))
        if problems:
            raise DemoError("protocol problems at the doubles: %s" % problems)
        return {"steps": list(self.steps), "free": info["free"], "heap": self.heap,
                "sinric_events": status["events"], "yango_requests": y["requests"],
                "pids": [p.pid for p in (self.sinric, self.yango) if p]}


def run_demo(heap=None, config=CONFIG, say=print, echo=False, logs=LOGS, chip=None):
    """Run the whole demo; returns the summary dict, raises DemoError. Always cleans up.
    chip: a profile of tools/board_files.py (its interpreter; its heap unless heap is given)."""
    demo = Demo(heap, config, say, echo, logs, chip=chip)
    try:
        try:
            return demo.run()
        except (RuntimeError, TimeoutError, OSError, ValueError) as e:
            raise DemoError("%s: %s" % (type(e).__name__, e)) from e
    except DemoError:
        for p in (demo.sinric, demo.yango):
            if p is not None:
                say("--- %s output (tail) ---\n%s" % (p.name, p.tail()))
        if demo.board is not None:
            say("--- board output (tail) ---\n%s"
                % "\n".join("    " + s for s in demo.board.lines[-20:]))
        raise
    finally:
        demo.stop()


def _sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--heap", help="board heap (default: the chip's, else %s)" % DEMO_HEAP)
    ap.add_argument("--chip", choices=board_files.CHIPS,
                    help="chip profile: its interpreter and heap (tools/board_files.py)")
    ap.add_argument("--config", default=str(CONFIG), help="demo config (its urls are replaced)")
    ap.add_argument("--echo", action="store_true", help="also print the board's own output")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    # Python leaves SIGINT ignored when started with it ignored (a background job of a
    # script, nohup): Ctrl-C must stop the demo whatever started it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    t0 = time.monotonic()
    print("== demo: firmware on a simulated board, Sinric Pro double, Yango double ==",
          flush=True)
    try:
        s = run_demo(args.heap, args.config, lambda t: print(t, flush=True), args.echo,
                     chip=args.chip)
    except DemoError as e:
        print("\nFAILED: %s" % e, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: every process stopped", flush=True)
        return 130
    print("\nOK: all %d steps observed in %.1f s; logs in %s"
          % (len(s["steps"]), time.monotonic() - t0, LOGS.relative_to(ROOT)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
