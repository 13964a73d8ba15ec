"""Run the unchanged firmware on a simulated board (the MicroPython unix port plus fakes).

CLI:  python -m tools.sim.run CONFIG [--chip esp32|esp8266] [--image 1M] [--dir DIR]
      [--heap 38wK]   (what `make sim [CHIP=...]` runs; the chip picks the interpreter and
      heap, tools/board_files.py)
API:  with SimBoard({"wifi": ..., "devices": [...]}, chip="esp8266") as board:
          board.set(0, 0); board.get(5)["value"]; board.wait_for("wifi: online")

The board's filesystem is a directory (config.json is copied in, state files land there).
When the firmware resets (machine.reset(), the fake watchdog firing, the interpreter dying)
the runner boots it again and passes the reset cause on, so restarts, the power-on policy and
safe mode work end to end. The board plays a chip (tools/sim/fakes/sim_profile.py): the
chip argument, else the config's "board": {"chip": ...}, else esp32; each restart is
reported with the reset cause that chip's port gives for it. The control port (DESIGN.md:
set/get/pins/dht, plus wifi, reset, interrupt, info, help) is served here on 127.0.0.1 and
stays the same across reboots and chips; each command is carried to the board's agent
(tools/sim/agent.py) over its stdin. Ctrl-C stops it cleanly.
"""

import argparse
import itertools
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tools import board_files
from tools.board_files import MICROPYTHON, ROOT, compile_file  # noqa: F401 - MICROPYTHON: API

CACHE = ROOT / "build" / "sim-mpy"
MP_PATH = ["tools/sim/fakes", "lib", "."]
# Precompiled as for an ESP8266 deployment: compiling from source needs RAM the small heap may
# not have (the bytecode takes the same RAM either way). (source dir, cache dir, recursive)
COMPILED = (("lib", "lib", True), ("firmware", "firmware", True),
            ("tools/sim/fakes", "sim", False), ("tools/sim", "sim", False))


def _load_profiles():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "sim_profile_host", ROOT / "tools" / "sim" / "fakes" / "sim_profile.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.PROFILES


PROFILES = _load_profiles()  # chip -> the port facts the fakes follow
CHIPS = tuple(PROFILES)
# How a board restarts (the reset cause of each is the chip's: PROFILES[chip]["restart"])
POWERON, BUTTON, RESET, WATCHDOG, PANIC = "poweron", "button", "reset", "watchdog", "panic"
# The MicroPython heap of each chip: esp8266 main.c `static char heap[38 * 1024]`; esp32
# mpconfigport.h MICROPY_GC_INITIAL_HEAP_SIZE 56 KB, and the split heap grows from the IDF
# heap (at least once more on a stock ESP32). make sim runs each chip at its own heap; the
# tests' default stays 38wK, the smaller board.
HEAPS = {"esp32": "112wK", "esp8266": "38wK"}
# The firmware fits the ESP8266's 38 KB only frozen into flash, as the kit interpreter runs
# it; the 64-bit host interpreter loading it from files needs the demo's heap (DEMO_HEAP).
HOST_ESP8266_HEAP = "96wK"
SIM_EXTRA = 65536  # heap added for the simulator's own code, then pinned by the launcher
RESET_EXIT = 75  # the fake machine.reset()'s fallback exit status
AGENT = "@sim:"
# Timing knobs for tests: quick restarts after a crash.
FAST = {"firmware.app.RESTART_DELAY_S": 1}
MAX_LINE = 200
HELP = ["set <gpio> <0|1>", "get <gpio>", "pins", "dht <gpio> <celsius> <humidity>",
        "dht <gpio> fail [timeout|checksum]", "wifi <up|down>", "reset", "interrupt", "info",
        "help"]


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 free right now for kind (TCP or UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def heap_bytes(heap):
    """MicroPython's -X heapsize text ("38wK": 38 K words of 4 bytes scaled to this word size,
    so 77824 on 64-bit) in bytes."""
    h = heap.strip()
    mult = 1
    if h[-1:] in ("K", "k", "M", "m"):
        mult = 1024 if h[-1] in "Kk" else 1024 * 1024
        h = h[:-1]
    if h.endswith("w"):
        mult = mult * (8 if sys.maxsize > 2**32 else 4) // 4
        h = h[:-1]
    return int(h) * mult


_compile_lock = threading.Lock()


def compile_mpy(cache=CACHE):
    """mpy-cross the board and sim modules into cache (only what changed); returns the
    MICROPYPATH entries for it. Safe to call from several threads and processes."""
    with _compile_lock:
        return _compile_mpy(cache)


def _compile_mpy(cache):
    want = set()
    for src, dst, recursive in COMPILED:
        base = ROOT / src
        for py in sorted(base.rglob("*.py") if recursive else base.glob("*.py")):
            if py.name == "run.py":
                continue
            out = cache / dst / py.relative_to(base).with_suffix(".mpy")
            want.add(out)
            if out.exists() and out.stat().st_mtime >= py.stat().st_mtime:
                continue
            compile_file(py, out, py.relative_to(ROOT))
    for old in cache.rglob("*.mpy"):
        if old not in want and old.suffix == ".mpy":
            old.unlink(missing_ok=True)  # its source is gone
    return [str(cache / "sim"), str(cache / "lib"), str(cache)]


class CommandError(ValueError):
    pass


def _int(s, what, lo, hi):
    try:
        v = int(s)
    except ValueError:
        raise CommandError("%s must be an integer, not %r" % (what, s)) from None
    if not lo <= v <= hi:
        raise CommandError("%s must be %d-%d" % (what, lo, hi))
    return v


def _num(s, what, lo, hi):
    try:
        v = float(s)
    except ValueError:
        raise CommandError("%s must be a number, not %r" % (what, s)) from None
    if not lo <= v <= hi:
        raise CommandError("%s must be %s-%s" % (what, lo, hi))
    return v


def parse_command(line):
    """A control-port line -> the agent operation (a string), or CommandError."""
    words = line.split()
    if not words:
        raise CommandError("empty command; try help")
    cmd, args = words[0].lower(), words[1:]
    usage = {"set": (2, "set <gpio> <0|1>"), "get": (1, "get <gpio>"), "pins": (0, "pins"),
             "wifi": (1, "wifi <up|down>"), "reset": (0, "reset"), "info": (0, "info"),
             "interrupt": (0, "interrupt"), "help": (0, "help")}
    if cmd == "dht":
        if len(args) in (2, 3) and args[1] == "fail":
            how = args[2] if len(args) == 3 else "timeout"
            if how not in ("timeout", "checksum"):
                raise CommandError("usage: dht <gpio> fail [timeout|checksum]")
            return "d %d%s" % (_int(args[0], "gpio", 0, 48), " c" if how == "checksum" else "")
        if len(args) != 3:
            raise CommandError("usage: dht <gpio> <celsius> <humidity> | "
                               "dht <gpio> fail [timeout|checksum]")
        return "d %d %r %r" % (_int(args[0], "gpio", 0, 48), _num(args[1], "celsius", -40, 80),
                               _num(args[2], "humidity", 0, 100))
    if cmd not in usage:
        raise CommandError("unknown command %r; try help" % cmd[:20])
    n, text = usage[cmd]
    if len(args) != n:
        raise CommandError("usage: " + text)
    if cmd == "set":
        return "s %d %d" % (_int(args[0], "gpio", 0, 48), _int(args[1], "level", 0, 1))
    if cmd == "get":
        return "g %d" % _int(args[0], "gpio", 0, 48)
    if cmd == "wifi":
        if args[0] not in ("up", "down"):
            raise CommandError("usage: wifi <up|down>")
        return "w %d" % (args[0] == "up")
    return {"pins": "p", "reset": "r", "info": "i", "interrupt": "c", "help": "?"}[cmd]


def interpreter(chip):
    """(the host interpreter, the heap it plays chip at, a note or None) for a SimBoard
    given no interp: the ESP8266's 38 KB holds the firmware only frozen, in the kit's 32-bit
    interpreter (board_files.locate("esp8266"), which make sim uses when it is there)."""
    if chip == "esp8266":
        return MICROPYTHON, HOST_ESP8266_HEAP, (
            "esp8266 profile on the 64-bit host interpreter (the kit's frozen 32-bit one: "
            "SimBoard(interp=board_files.locate(\"esp8266\")), make sim CHIP=esp8266)")
    return MICROPYTHON, HEAPS[chip], None


class Boot:
    """One run of the interpreter: why it started and how it ended."""

    def __init__(self, number, kind, cause, first_line):
        self.number = number
        self.kind = kind  # how it restarted: POWERON, BUTTON, RESET, WATCHDOG, PANIC
        self.cause = cause  # what machine.reset_cause() says for that on this chip
        self.first_line = first_line  # index of its first output line in SimBoard.lines
        self.returncode = None  # None while running; -signal when killed

    def __repr__(self):
        return "Boot(%d, %s=%s, rc=%s)" % (self.number, self.kind, self.cause, self.returncode)


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        board = self.server.board
        while True:
            try:
                raw = self.rfile.readline(MAX_LINE + 1)
            except OSError:
                return
            if not raw:
                return
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                reply = json.dumps({"error": "line too long"})
                while raw and not raw.endswith(b"\n"):  # skip the rest of that line
                    raw = self.rfile.readline(4096)
            else:
                reply = board.command(raw.decode("utf-8", "replace"))
            try:
                self.wfile.write(reply.encode() + b"\n")
            except OSError:
                return


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SimBoard:
    """A simulated board run by a background thread; see the module docstring.

    config: a dict (written as config.json), a path to copy, or None (no config.json);
    config_text: raw config.json text instead (for broken files). port: the control port
    (default: "sim": {"port": N} of the config, else 0 = a free port; see .port).
    preload: MicroPython modules imported before boot.py (found on extra_path), e.g. test
    services that append to firmware.app.SERVICES. knobs: {"module.ATTR": number} set before
    boot.py (FAST for tests). heap: the board's heap, as -X heapsize; with as_board the
    simulator's own code (fakes, agent) is not charged to it, so gc.mem_free() in the firmware
    reads as on the board. echo: copy the board's output to stdout. interp: the chip
    profile's interpreter (tools.board_files.Interp; default the venv binary); its heap is the
    default heap, and on a frozen profile lib/ and firmware/ import from `.frozen` first.
    sntp: the board's time server (it has no internet): True starts an SntpDouble
    (tools/sim/sntp_double.py) for it, False a silent one (SNTP unreachable), or pass a
    running SntpDouble; a config without board.ntp_server is pointed at it.
    wifi: (ssid, password) of the one network the board can join (default: any name and
    password connect). held: {gpio: level} inputs held from power-on (a button pressed while
    the board boots).
    """

    reply_timeout = 5.0
    said_interp = False  # True: the caller already said why an esp8266 runs on the host one

    def __init__(self, config=None, *, config_text=None, board_dir=None, port=None,
                 preload=(), extra_path=(), knobs=None, env=None, heap=None, as_board=True,
                 echo=False, max_boots=None, interp=None, sntp=True, chip=None, image="",
                 wifi=None, held=None):
        self.config = config
        self.held = dict(held or {})  # {gpio: level} held from power-on (a pressed button)
        self.sntp = sntp
        self._own_sntp = None
        self.chip = chip  # None: the config's board.chip, else esp32 (see start())
        self.image = image  # "1M"/"512K": an ESP8266 image without asyncio
        self.home_wifi = wifi  # (ssid, password) of the only network the board can join
        self.config_text = config_text
        self.preload = list(preload)
        self.extra_path = list(extra_path)
        self.knobs = dict(knobs or {})
        # The board's port 80 and 53 (setup access point, local page, captive DNS) are free
        # ports on 127.0.0.1 here, so boards run side by side: .http_port, .dns_port.
        # (not on an image without asyncio: firmware.app cannot even be imported there)
        if not image:
            self.knobs.setdefault("firmware.app.HTTP_PORT", free_port())
            self.knobs.setdefault("firmware.app.DNS_PORT", free_port(socket.SOCK_DGRAM))
        self.http_port = self.knobs.get("firmware.app.HTTP_PORT")
        self.dns_port = self.knobs.get("firmware.app.DNS_PORT")
        self.env = dict(env or {})
        self.interp = interp
        self.binary = interp.path if interp else MICROPYTHON
        # the heap of the chip the host interpreter plays: an ESP32's (ports/esp32, see HEAPS);
        # the ESP8266's 38 KB is the kit's frozen interpreter (interp)
        heap = heap or (interp.heap if interp else HEAPS["esp32"])
        self.heap = heap
        self.as_board = as_board
        self._heap = heap_bytes(heap) + (SIM_EXTRA if as_board else 0)
        self.echo = echo
        self.max_boots = max_boots
        self._own_dir = board_dir is None
        self.board_dir = Path(board_dir or tempfile.mkdtemp(prefix="simboard-"))
        self._private = Path(tempfile.mkdtemp(prefix="simboard-rtc-"))
        self._want_port = port
        self.port = None
        self.lines = []  # every output line of every boot (agent replies left out)
        self.boots = []
        self._cond = threading.Condition()
        self._proc = None
        self._stdin_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending = {}  # request id -> [threading.Event, reply]
        self._thread = None
        self._server = None
        self._serving = False
        self._stopping = False
        self._next_kind = POWERON
        self._power_cut = False
        self._button = False
        self.pin_log = []  # (boot number, gpio, level): every change of an output's level
        self.stopped = threading.Event()

    # -- life cycle -------------------------------------------------------------------------
    def start(self, timeout=20):
        """Power the board on and open the control port; returns self once booted.
        Raises RuntimeError on a board already on: a second start would run a second
        interpreter beside the first, both writing to one output (`with` starts the board)."""
        if self._server is not None:
            raise RuntimeError("the simulated board is already on (start() or `with`, not both)")
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout):
        self.board_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        if self.chip is None:
            self.chip = (self.interp.chip if self.interp else None) or self._config_chip() \
                or "esp32"
        if self.chip not in PROFILES:
            raise ValueError("chip %r: the simulated board plays %s" % (self.chip,
                                                                        ", ".join(CHIPS)))
        if self.interp is None and self.chip == "esp8266" and not self.said_interp:
            self._say(interpreter(self.chip)[2])
        self._mpy_path = compile_mpy()
        port = self._want_port if self._want_port is not None else self._config_port()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.board = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self._serving = True
        self._say("control port 127.0.0.1:%d; an %s board%s" % (
            self.port, self.chip, " (%s image)" % self.image if self.image else ""))
        self._thread = threading.Thread(target=self._supervise, daemon=True)
        self._thread.start()
        self.wait_boot(1, timeout)
        return self

    def stop(self):
        """Power off for good: ends the interpreter, closes the port, removes temp dirs."""
        self._stopping = True
        self._kill()
        if self._thread is not None:
            self._thread.join(10)
        srv, self._server = self._server, None
        if srv is not None:
            if self._serving:
                srv.shutdown()
            srv.server_close()
        if self._own_sntp is not None:
            self._own_sntp.stop()
        shutil.rmtree(self._private, ignore_errors=True)
        if self._own_dir:
            shutil.rmtree(self.board_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return not self.stopped.is_set()

    def power_cycle(self, timeout=20):
        """Cut the power and restore it: unsaved state is lost, RTC memory too, and the board
        boots as after power-on. Returns the new boot's number."""
        n = len(self.boots) + 1
        self._power_cut = True
        self._kill()
        self.wait_boot(n, timeout)
        return n

    def press_reset(self, timeout=20):
        """Press the reset button (ESP32 EN, ESP8266 RST): nothing is saved, RTC memory
        stays. Returns the new boot's number."""
        n = len(self.boots) + 1
        self._button = True
        self._kill()
        self.wait_boot(n, timeout)
        return n

    def _kill(self):
        p = self._proc
        if p is None or p.poll() is not None:
            return
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def _write_config(self):
        dst = self.board_dir / "config.json"
        if self.config_text is not None:
            dst.write_text(self.config_text)
        elif isinstance(self.config, dict):
            dst.write_text(json.dumps(self._with_sntp(self.config), indent=1))
        elif self.config is not None:
            shutil.copyfile(self.config, dst)
            try:  # a board config from a file: the same time server, never the internet's
                cfg = json.loads(dst.read_text())
            except (OSError, ValueError):
                cfg = None
            if isinstance(cfg, dict) and isinstance(cfg.get("board", {}), dict) \
                    and "ntp_server" not in cfg.get("board", {}):
                dst.write_text(json.dumps(self._with_sntp(cfg), indent=1))
        elif dst.exists():
            dst.unlink()

    def sntp_double(self):
        """The SntpDouble this board's config points at (started on first use)."""
        from tools.sim.sntp_double import SntpDouble

        if not isinstance(self.sntp, SntpDouble):
            self._own_sntp = self.sntp = SntpDouble(silent=self.sntp is False).start()
        return self.sntp

    def _with_sntp(self, cfg):
        board = cfg.get("board")
        if board is not None and (not isinstance(board, dict) or "ntp_server" in board):
            return cfg
        cfg = dict(cfg, board=dict(board or {}))
        cfg["board"]["ntp_server"] = self.sntp_double().address
        return cfg

    def _config_chip(self):
        try:
            return json.loads((self.board_dir / "config.json").read_text())["board"]["chip"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _config_port(self):
        try:
            port = json.loads((self.board_dir / "config.json").read_text())["sim"]["port"]
            return port if isinstance(port, int) and 0 <= port < 65536 else 0
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def _env(self, kind):
        e = dict(os.environ)
        path = ([str(ROOT / p) for p in self.extra_path] + self._mpy_path
                + [str(ROOT / p) for p in MP_PATH] + [".frozen"])
        if self.interp and self.interp.frozen:  # the firmware from flash, as on the chip
            path = [".frozen"] + path
        e.update({
            "MICROPYPATH": ":".join(path),
            "SIM_ROOT": str(ROOT),
            "SIM_PRELOAD": ",".join(self.preload),
            "SIM_CHIP": self.chip,
            "SIM_IMAGE": self.image or "",
            "SIM_RESET_KIND": kind,
            "SIM_RTC": str(self._private / "rtc.bin"),
            "SIM_WIFI": str(self._private / "wifi-ap.flash"),
            "SIM_KNOBS": ",".join("%s=%s" % kv for kv in self.knobs.items()),
            "SIM_EXTRA": str(SIM_EXTRA if self.as_board else 0),
            "SIM_HOME_WIFI": ":".join(self.home_wifi) if self.home_wifi else "",
            "SIM_HELD": ",".join("%d=%d" % kv for kv in self.held.items()),
        })
        e.update(self.env)
        return e

    def _say(self, text):
        self._add_line("[sim] " + text)

    def _add_line(self, text):
        if text.startswith(AGENT):
            rid, _, reply = text[len(AGENT):].partition(" ")
            if rid == "pin":
                gpio, _, level = reply.partition(" ")
                with self._cond:
                    self.pin_log.append((len(self.boots), int(gpio), int(level)))
                return
            with self._cond:
                slot = self._pending.get(rid)
                if slot is not None:
                    slot[1] = reply
                    slot[0].set()
            return
        with self._cond:
            self.lines.append(text)
            self._cond.notify_all()
        if self.echo:
            print(text, flush=True)

    def _supervise(self):
        quick_panics = 0
        try:
            while not self._stopping:
                kind = self._next_kind
                started = time.monotonic()
                p = subprocess.Popen(
                    [str(self.binary), "-X", "heapsize=%d" % self._heap, "-m", "launcher"],
                    cwd=self.board_dir, env=self._env(kind), stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
                cause = PROFILES[self.chip]["restart"][kind]
                with self._cond:
                    self._proc = p
                    self.boots.append(Boot(len(self.boots) + 1, kind, cause, len(self.lines)))
                    self._cond.notify_all()
                for raw in p.stdout:
                    self._add_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
                rc = p.wait()
                with self._cond:
                    self.boots[-1].returncode = rc
                    for slot in self._pending.values():  # nobody will answer those now
                        slot[1] = json.dumps({"error": "board reset before replying"})
                        slot[0].set()
                    self._cond.notify_all()
                if self._stopping:
                    break
                if self._power_cut:
                    self._power_cut = False
                    (self._private / "rtc.bin").unlink(missing_ok=True)
                    (self._private / "rtc.bin.rtc-time-offset").unlink(missing_ok=True)  # its time
                    self._next_kind = POWERON
                    self._say("power cycle")
                elif self._button:
                    self._button = False
                    self._next_kind = BUTTON
                    self._say("reset button: booting again (reset cause %d)" % self._cause(BUTTON))
                elif rc in (-signal.SIGUSR1, RESET_EXIT):
                    self._next_kind = RESET
                    self._say("machine.reset(): booting again (reset cause %d)"
                              % self._cause(RESET))
                elif rc == -signal.SIGKILL:
                    self._next_kind = WATCHDOG
                    self._say("watchdog reset: booting again (reset cause %d)"
                              % self._cause(WATCHDOG))
                elif rc == 0:
                    self._say("board powered off")
                    break
                else:
                    # the interpreter itself died: the chip panics and resets
                    quick_panics = quick_panics + 1 if time.monotonic() - started < 3 else 1
                    if quick_panics >= 5:
                        self._say("interpreter keeps failing (exit %s); giving up" % rc)
                        break
                    self._next_kind = PANIC
                    self._say("interpreter exited with %s: panic, booting again (reset cause %d)"
                              % (rc, self._cause(PANIC)))
                if self.max_boots is not None and len(self.boots) >= self.max_boots:
                    self._say("max_boots reached")
                    break
        finally:
            self.stopped.set()
            with self._cond:
                self._cond.notify_all()

    def _cause(self, kind):
        return PROFILES[self.chip]["restart"][kind]

    # -- watching the output ----------------------------------------------------------------
    def output(self, boot=None):
        """All output (or boot number `boot`'s) as text."""
        with self._cond:
            if boot is None:
                return "\n".join(self.lines)
            start = self.boots[boot - 1].first_line
            end = self.boots[boot].first_line if boot < len(self.boots) else len(self.lines)
            return "\n".join(self.lines[start:end])

    def wait_for(self, pattern, timeout=20, since=0):
        """Index of the first output line at or after index `since` that contains pattern
        (a str, or a compiled regex). Raises TimeoutError with the output tail."""
        deadline = time.monotonic() + timeout
        i = since
        with self._cond:
            while True:
                while i < len(self.lines):
                    line = self.lines[i]
                    if pattern.search(line) if hasattr(pattern, "search") else pattern in line:
                        return i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.stopped.is_set():
                    raise TimeoutError("%r not seen; output tail:\n%s"
                                       % (pattern, "\n".join(self.lines[-40:])))
                self._cond.wait(min(left, 0.5))

    def wait_boot(self, number, timeout=20):
        """Wait until boot `number` has started; returns the index of its first line."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.boots) < number:
                left = deadline - time.monotonic()
                if left <= 0 or self.stopped.is_set():
                    raise TimeoutError("boot %d did not start; output tail:\n%s"
                                       % (number, "\n".join(self.lines[-40:])))
                self._cond.wait(min(left, 0.5))
            return self.boots[number - 1].first_line

    # -- the control port ---------------------------------------------------------------------
    def command(self, line):
        """One control-port command line -> its one-line JSON reply (what `nc` gets)."""
        try:
            op = parse_command(line)
        except CommandError as e:
            return json.dumps({"error": str(e)})
        if op == "?":
            return json.dumps({"commands": HELP})
        rid = str(next(self._ids))
        slot = [threading.Event(), None]
        with self._cond:
            self._pending[rid] = slot
        try:
            p = self._proc
            try:
                with self._stdin_lock:
                    p.stdin.write(("%s%s %s\n" % (AGENT, rid, op)).encode())
                    p.stdin.flush()
            except (OSError, AttributeError, ValueError):
                return json.dumps({"error": "board is not running"})
            if not slot[0].wait(self.reply_timeout):
                return json.dumps({"error": "board busy: no reply within %g s"
                                   % self.reply_timeout})
            return slot[1]
        finally:
            with self._cond:
                self._pending.pop(rid, None)

    def query(self, line):
        """command() with the reply decoded; raises RuntimeError on an error reply."""
        reply = json.loads(self.command(line))
        if isinstance(reply, dict) and "error" in reply:
            raise RuntimeError("%s: %s" % (line, reply["error"]))
        return reply

    def talk(self, line, timeout=10):
        """Send a line over a real TCP connection to the control port; returns the reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(line.encode() + b"\n")
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    raise ConnectionError("control port closed after %r" % buf)
                buf += chunk
        return buf.decode().rstrip("\n")

    def set(self, gpio, level):
        return self.query("set %d %d" % (gpio, level))

    def press(self, gpio, active_low=True, hold_s=0.15):
        """A clean button press (released after hold_s)."""
        self.set(gpio, 0 if active_low else 1)
        time.sleep(hold_s)
        return self.set(gpio, 1 if active_low else 0)

    def get(self, gpio):
        return self.query("get %d" % gpio)

    def pins(self):
        return self.query("pins")

    def dht(self, gpio, celsius, humidity):
        return self.query("dht %d %s %s" % (gpio, celsius, humidity))

    def wifi(self, up):
        return self.query("wifi " + ("up" if up else "down"))

    @property
    def pid(self):
        """The process id of the board's interpreter (None while it is not running)."""
        p = self._proc
        return p.pid if p is not None else None

    def info(self):
        return self.query("info")

    def reset(self):
        """A deliberate restart through the firmware (pending state saved first)."""
        return self.query("reset")

    def interrupt(self):
        """Ctrl-C at the board's console: stops the running app, which returns to the REPL."""
        return self.query("interrupt")

    def repl(self, line):
        """Type one line at the board's REPL (answered once main.py has returned)."""
        with self._stdin_lock:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()

    def path(self, name):
        """A file on the board's filesystem."""
        return self.board_dir / name


def _config_chip(path):
    try:
        chip = json.loads(path.read_text())["board"]["chip"]
        return chip if chip in PROFILES else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _forward_stdin(board):
    for line in sys.stdin:
        try:
            board.repl(line.rstrip("\n"))
        except (OSError, AttributeError, ValueError):
            pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="config.json to run (copied onto the board)")
    ap.add_argument("--dir", help="board filesystem directory (default build/sim/<name>)")
    ap.add_argument("--chip", choices=CHIPS, help="the chip to play: its interpreter and heap "
                    "(default: the config's board.chip, else esp32)")
    ap.add_argument("--heap", help="MicroPython heap (default: the chip's, tools/board_files.py)")
    ap.add_argument("--image", default="", choices=("", "1M", "512K"),
                    help="an ESP8266 1 MB / 512 KB image (no asyncio)")
    args = ap.parse_args(argv)
    # Python leaves SIGINT ignored when started with it ignored (a background job of a
    # script, nohup): Ctrl-C must stop the runner whatever started it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    chip = args.chip or _config_chip(Path(args.config)) or "esp32"
    try:
        mp = board_files.locate(chip)
    except board_files.Unavailable as e:
        if chip != "esp8266":
            sys.exit("sim: %s" % e)
        mp = None  # the fakes still play an ESP8266, on the host interpreter (one line why)
        print("[sim] %s; the esp8266 profile runs on the 64-bit host interpreter at %s"
              % (e, HOST_ESP8266_HEAP), flush=True)
        args.heap = args.heap or HOST_ESP8266_HEAP
    board_dir = Path(args.dir or ROOT / "build" / "sim" / Path(args.config).stem)
    board = SimBoard(Path(args.config), board_dir=board_dir, heap=args.heap, echo=True,
                     interp=mp, chip=chip, image=args.image)
    board.said_interp = mp is None  # the line above said which interpreter and why
    print("[sim] %s profile: %s, heap %s" % (chip, mp.path.name if mp else "micropython",
                                             board.heap), flush=True)
    print("[sim] board filesystem %s; Ctrl-C stops; Python lines go to the board's REPL"
          % board_dir, flush=True)
    try:
        board.start()
        threading.Thread(target=_forward_stdin, args=(board,), daemon=True).start()
        while board.running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    except (TimeoutError, OSError) as e:
        print("[sim] %s" % e, file=sys.stderr)
    finally:
        board.stop()
        print("[sim] stopped", flush=True)


if __name__ == "__main__":
    main()
