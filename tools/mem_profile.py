"""Heap figures per chip profile and config on the simulated board (`make mem` prints them).

For each profile of tools/board_files.py (esp32: .mpy from the filesystem, 64-bit binary at the
ESP32 heap; esp8266: frozen, 32-bit, 38K) it runs the demo scenario (tools/demo/run.py: the
firmware against the Sinric and Yango doubles) with tools/bench/mp/mem_probe.py preloaded, which
records the heap's low point (least free right after a collection). Then it drives more
Sinric requests and button events and reads the low point again: equal low points after 100
and after N more mean no leak and no fragmentation creep.

CLI:  python -m tools.mem_profile [--chip esp32|esp8266 ...] [--heap H] [--requests N]
"""
import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from tools import board_files
from tools.demo import run as demo_run

ROOT = Path(__file__).resolve().parent.parent

LOW = re.compile(r"^memprobe: low (\d+)$")
# The same runs before issue 11's second round (main at b1886db, 2026-12-01), for the
# "before" column `make mem` prints: (chip, heap, config, TLS, frozen, Sinric only) -> text.
BEFORE = {
    ("esp8266", "38K", "config.json", False, True, False):
        "fails: MemoryError loading the cloud stacks",
    ("esp8266", "52K", "config.json", False, True, False): "demo 4544",
    ("esp8266", "38K", "config.json", False, True, True): "fails: low 672, cannot connect",
    ("esp8266", "38K", "config.esp8266.example.json", False, True, True):
        "fails with its 4 devices: MemoryError after `app: running` at 3.6 KB free",
    ("esp32", "112wK", "config.json", False, False, False): "demo 32160 (14 % free)",
    ("esp32", "112wK", "config.example.json", False, False, False):
        "fails: low 3072 (1 % free), cannot connect",
    ("esp32", "112wK", "config.example.json", True, False, False):
        "fails: low 3968 (1 % free), cannot connect",
    ("esp32", "112K", "config.json", False, True, False): "demo 64480 (56 % free)",
    ("esp32", "112K", "config.example.json", False, True, False):
        "demo 49424 (43 % free) until the scenario's DHT step",
}


def before(r, sinric=False):
    """'; before: ...' for a result of profile()/sinric_only(), or ''."""
    key = (r["chip"], r["heap"], r["config"], r["tls"], bool(r.get("frozen", True)), sinric)
    return "; before: " + BEFORE[key] if key in BEFORE else ""
PROBE = {"preload": ["mem_probe"], "extra_path": ["tools/bench/mp"]}


def low_point(board, since=0):
    """The least free heap the probe reported in board output lines[since:], or None."""
    lows = [int(m.group(1)) for m in (LOW.match(ln) for ln in board.lines[since:]) if m]
    return min(lows) if lows else None


def current_low(board):
    return low_point(board)


def drive(demo, n, rest=True):
    """n Sinric requests to the switch, each answered before the next; rest: each followed by
    the free heap at rest (control `info`, which collects first). Returns the least of those
    (None without rest)."""
    sw = demo.devs["switch"]
    least = None
    for i in range(n):
        r = demo.ctl("request %s setPowerState %s" % (sw["sinric_id"], "On" if i % 2 else "Off"))
        if r.get("success") is not True:
            raise demo_run.DemoError("request %d failed: %r" % (i, r))
        if rest:
            free = demo.board.info()["free"]
            least = free if least is None else min(least, free)
    return least


def profile(chip, heap=None, config=demo_run.CONFIG, more=(100,), say=lambda s: None,
            tls=False, rest=True, frozen=None, word32=False):
    """{"chip", "heap", "config", "tls", "frozen", "word32", "demo_low", "end_free",
    "lows": {requests: low}, "rest": {requests: least free at rest}, "error"}. tls: both
    clouds over TLS. frozen: True plays the chip's frozen image; word32: an ESP32's .mpy on
    the kit's 32-bit interpreter (board_files.locate). ValueError for word32 with tls."""
    if word32 and tls:
        raise ValueError("the ESP32's .mpy on the 32-bit kit: without TLS (the kit's axTLS "
                         "is on the MicroPython heap, an ESP32's mbedTLS is not)")
    cfg = json.loads(Path(config).read_text())
    for dev in cfg["devices"]:  # the scenario waits for a reading: read every 2 s
        if "interval_s" in dev:
            dev["interval_s"] = min(dev["interval_s"], 2)
        if dev.get("dht_type") == "dht11":  # it expects 21.5 °C, finer than a DHT11 reads
            dev["dht_type"] = "dht22"
    tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with tmp:
        json.dump(cfg, tmp)
    d = demo_run.Demo(heap, tmp.name, say, chip=chip, board_args=PROBE, tls=tls,
                      frozen=frozen, word32=word32)
    out = {"chip": chip, "heap": d.heap, "config": str(Path(config).name), "error": None,
           "lows": {}, "rest": {}, "tls": tls, "frozen": d.interp_frozen(), "word32": word32}
    try:
        d.run()
        out["demo_low"] = low_point(d.board)
        out["end_free"] = d.board.info()["free"]
        done = 0
        for n in more:
            out["rest"][n] = drive(d, n - done, rest)
            done = n
            out["lows"][n] = low_point(d.board)
    except (demo_run.DemoError, RuntimeError, TimeoutError, OSError, ValueError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
        if d.board is not None:
            out["demo_low"] = low_point(d.board)
    finally:
        d.stop()
        os.unlink(tmp.name)
    return out


def sinric_only(chip, heap=None, more=(100,), tls=False, config=None):
    """A config (default the demo's) without Yango on the simulated board against the Sinric
    double alone: boot, connect (ws://, or wss:// through a TLS front), then requests to its
    first device. Returns {"chip", "heap", "tls", "config", "connect_low",
    "lows": {requests: low}, "error", "tail"}."""
    from tools.sim.run import SimBoard

    cfg = json.loads(Path(config or demo_run.CONFIG).read_text())
    cfg.pop("yango", None)
    for dev in cfg["devices"]:
        dev.pop("yango_id", None)
    tmp = tempfile.TemporaryDirectory(prefix="memprofile-")
    out = {"chip": chip, "heap": heap or board_files.HEAP[chip], "tls": tls, "error": None,
           "lows": {}, "tail": [], "config": Path(config or demo_run.CONFIG).name,
           "frozen": chip == "esp8266"}
    cfg_path = Path(tmp.name) / "config.json"
    cfg_path.write_text(json.dumps(cfg))
    ports = Path(tmp.name) / "ports"
    server = board = ctl = proxy = None
    try:
        server = demo_run.Proc("Sinric Pro double", [
            sys.executable, "-m", "tools.sinric_server", "serve", "--port", "0",
            "--control-port", "0", "--config", str(cfg_path), "--port-file", str(ports)],
            Path(tmp.name) / "sinric.log")
        ws, cp = (int(x) for x in demo_run.until(
            "the Sinric double's ports", lambda: ports.exists() and ports.read_text().split(),
            timeout=20, every=0.05))
        cfg["sinric"]["url"] = "ws://127.0.0.1:%d/" % ws
        if tls:
            from tools.tls_proxy import TlsProxy

            proxy = TlsProxy(ws).start()
            cfg["sinric"]["url"] = "wss://127.0.0.1:%d/" % proxy.port
        board = SimBoard(cfg, heap=out["heap"], interp=board_files.locate(chip), **PROBE)
        board.start()
        ctl = demo_run.SinricControl(cp)
        demo_run.until("the board connecting", lambda: ctl("status").get("connected"),
                        timeout=30, every=0.2)
        out["connect_low"] = low_point(board)
        sw, done = cfg["devices"][0], 0
        for n in more:
            for i in range(done, n):
                r = ctl("request %s setPowerState %s" % (sw["sinric_id"],
                                                          "On" if i % 2 else "Off"))
                if r.get("success") is not True:
                    raise demo_run.DemoError("request %d failed: %r" % (i, r))
            done = n
            out["lows"][n] = low_point(board)
    except (demo_run.DemoError, RuntimeError, TimeoutError, OSError, ValueError) as e:
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if board is not None:
            out["low"] = low_point(board)
            out["tail"] = board.lines[-int(os.environ.get("MEMPROFILE_TAIL", 6)):]
        for step in (ctl and ctl.close, board and board.stop, server and server.stop,
                     proxy and proxy.stop, tmp.cleanup):
            if step:
                try:
                    step()
                except Exception:  # noqa: BLE001 - keep stopping the others
                    pass
    return out


def heap_bytes(heap, frozen):
    """The heap in bytes of the interpreter that ran it ("112wK": 64-bit words unless frozen,
    which runs on the 32-bit kit)."""
    from tools.sim.run import heap_bytes as hb

    return hb(heap) if not frozen or "w" not in heap else hb(heap.replace("w", ""))


def share(low, heap, frozen):
    """'31 % free' of the low point, or '?'."""
    if low is None:
        return "?"
    return "%d %% free" % (100 * low // heap_bytes(heap, frozen))


def _lows(r):
    return ", ".join("after %d requests %s" % kv for kv in r["lows"].items())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chip", action="append", choices=board_files.CHIPS)
    ap.add_argument("--heap")
    ap.add_argument("--requests", type=int, nargs="*", default=[100, 1000])
    ap.add_argument("--config", default=str(demo_run.CONFIG))
    ap.add_argument("--tls", action="store_true", help="both clouds over TLS")
    ap.add_argument("--frozen", action="store_true",
                    help="the chip's frozen image on the kit's 32-bit interpreter")
    ap.add_argument("--word32", action="store_true",
                    help="the ESP32's .mpy on the kit's 32-bit interpreter at the chip's heap "
                         "in bytes (bytecode and objects as on the chip; not with --tls)")
    ap.add_argument("--sinric-only", action="store_true",
                    help="the demo config without Yango, against the Sinric double alone")
    args = ap.parse_args(argv)
    if args.word32 and args.tls:
        ap.error("--word32 runs without TLS: the kit's axTLS is on the MicroPython heap, an "
                 "ESP32's mbedTLS is not")
    print("Heap low points (least free right after a collection, bytes) on the simulated board")
    for chip in args.chip or board_files.CHIPS:
        why = board_files.why_unavailable("esp8266" if args.frozen or args.word32 else chip)
        if why:
            print(why)
            continue
        if args.sinric_only:
            r = sinric_only(chip, args.heap, args.requests, args.tls, args.config)
            print("%-8s heap %-6s %s, Sinric only over %s: connected %s; %s%s"
                  % (chip, r["heap"], r["config"], "wss://" if args.tls else "ws://",
                     r.get("connect_low"),
                     _lows(r), ("; FAILED: " + r["error"] if r["error"] else "")
                     + before(r, True)), flush=True)
            continue
        r = profile(chip, args.heap, args.config, more=args.requests, tls=args.tls,
                    frozen=args.frozen or None, word32=args.word32)
        print("%-8s heap %-6s %s%s, %s: demo %s (%s); %s%s"
              % (chip, r["heap"], r["config"], " (TLS)" if r["tls"] else "",
                 "frozen" if r["frozen"] else ".mpy on 32-bit" if r["word32"] else ".mpy",
                 r.get("demo_low"),
                 share(r.get("demo_low"), r["heap"], r["frozen"]), _lows(r),
                 ("; FAILED: " + r["error"] if r["error"] else "") + before(r)), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C: the runs above cleaned up; no traceback
        print("make mem: stopped (Ctrl-C)", file=sys.stderr)
        sys.exit(130)
