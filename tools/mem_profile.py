"""Heap figures per chip profile and config on the simulated board (`make mem` prints them).

For each profile of tools/board_files.py (esp32: .mpy from the filesystem, 64-bit binary at the
ESP32 heap; esp8266: frozen, 32-bit, 38K) it runs the demo scenario (tools/demo/run.py: the
firmware against the Sinric and Yango doubles) with tests/host/mem_probe.py preloaded, which
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

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools import board_files  # noqa: E402
from tools.demo import run as demo_run  # noqa: E402

LOW = re.compile(r"^memprobe: low (\d+)$")
PROBE = {"preload": ["mem_probe"], "extra_path": ["tests/host"]}


def low_point(board, since=0):
    """The least free heap the probe reported in board output lines[since:], or None."""
    lows = [int(m.group(1)) for m in (LOW.match(ln) for ln in board.lines[since:]) if m]
    return min(lows) if lows else None


def current_low(board):
    return low_point(board)


def drive(demo, n):
    """n Sinric requests to the switch, each answered before the next, each followed by the
    free heap at rest (control `info`, which collects first). Returns the least of those."""
    sw = demo.devs["switch"]
    least = None
    for i in range(n):
        r = demo.ctl("request %s setPowerState %s" % (sw["sinric_id"], "On" if i % 2 else "Off"))
        if r.get("success") is not True:
            raise demo_run.DemoError("request %d failed: %r" % (i, r))
        free = demo.board.info()["free"]
        least = free if least is None else min(least, free)
    return least


def profile(chip, heap=None, config=demo_run.CONFIG, more=(100,), say=lambda s: None,
            tls=False):
    """{"chip", "heap", "config", "tls", "demo_low", "end_free", "lows": {requests: low},
    "rest": {requests: least free at rest}, "error"}. tls: both clouds over TLS."""
    cfg = json.loads(Path(config).read_text())
    for dev in cfg["devices"]:  # the scenario waits for a reading: read every 2 s
        if "interval_s" in dev:
            dev["interval_s"] = min(dev["interval_s"], 2)
    tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    with tmp:
        json.dump(cfg, tmp)
    d = demo_run.Demo(heap, tmp.name, say, chip=chip, board_args=PROBE, tls=tls)
    out = {"chip": chip, "heap": d.heap, "config": str(Path(config).name), "error": None,
           "lows": {}, "rest": {}, "tls": tls}
    try:
        d.run()
        out["demo_low"] = low_point(d.board)
        out["end_free"] = d.board.info()["free"]
        done = 0
        for n in more:
            out["rest"][n] = drive(d, n - done)
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chip", action="append", choices=board_files.CHIPS)
    ap.add_argument("--heap")
    ap.add_argument("--requests", type=int, nargs="*", default=[100, 1000])
    ap.add_argument("--config", default=str(demo_run.CONFIG))
    ap.add_argument("--tls", action="store_true", help="both clouds over TLS")
    args = ap.parse_args(argv)
    for chip in args.chip or board_files.CHIPS:
        why = board_files.why_unavailable(chip)
        if why:
            print(why)
            continue
        r = profile(chip, args.heap, args.config, more=args.requests, tls=args.tls)
        lows = ", ".join("low after %d: %s (at rest %s)" % (n, low, r["rest"].get(n))
                         for n, low in r["lows"].items())
        print("%-8s heap %-6s %s%s: low point %s bytes free during the demo%s%s"
              % (chip, r["heap"], r["config"], " (TLS)" if r["tls"] else "", r.get("demo_low"),
                 "; " + lows if lows else "",
                 "; FAILED: " + r["error"] if r["error"] else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
