"""Timings of the Sinric client under real MicroPython (-X heapsize=SINRIC_HEAP, 44wK: see
tests/host/mpproc.py) against the double.

usage: make bench-sinric            (add ARGS=--product for the 50 s product-default run)
Prints: dead-link detection time (scaled knobs, and product knobs with --product), the
reconnect time after the server comes back (product backoff), heap free when connected.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

from mpproc import SINRIC_HEAP, MpProc

from tools.sinric_server import SinricServer

KEY = "de0b1234-1a3b-4c3d-a12e-5dab12345678"
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5dc1564130aaaaaaaaaaaa01"


async def start(opts, port=0):
    server = await SinricServer(KEY, SECRET, port=port, log=None).start()
    cfg = {"url": server.url, "app_key": KEY, "app_secret": SECRET, "devices": [DEV],
           "opts": opts, "info": {"platform": "bench"}}
    fd, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(cfg, f)
    dev = await MpProc.start("mp_sinric_device.py", path)
    await server.wait_connection(timeout=30)
    await dev.wait_for("LOG sinric: connected")
    return server, dev, path


async def stop(server, dev, path):
    dev.send("stop")
    await dev.stop()
    await server.stop()
    os.unlink(path)


async def dead_link(opts, timeout):
    server, dev, path = await start(opts)
    try:
        await asyncio.sleep(0.5)
        t0 = time.monotonic()
        server.freeze()
        await dev.wait_for(r"disconnected \(dead link", timeout=timeout)
        return time.monotonic() - t0
    finally:
        await stop(server, dev, path)


async def reconnect(outage_s):
    server, dev, path = await start({})
    try:
        await server.kill()
        await asyncio.sleep(outage_s)
        t0 = time.monotonic()
        await server.restart()
        await server.wait_connection(count=2, timeout=120)
        return time.monotonic() - t0
    finally:
        await stop(server, dev, path)


async def heap_free():
    server, dev, path = await start({})
    try:
        await server.send_request(DEV, "setPowerState", {"state": "On"})
        dev.send("stats")
        _, m = await dev.wait_for(r"^STATS (.*)")
        return json.loads(m.group(1))["mem_free"]
    finally:
        await stop(server, dev, path)


def progress(text):
    """One line per measurement as it starts: the whole run takes minutes."""
    print("  ... %s" % text, file=sys.stderr, flush=True)


async def main(args):
    scaled = {"ping_interval_ms": 300, "pong_timeout_ms": 200, "max_missed_pongs": 2}
    times = []
    for i in range(5):
        progress("dead link %d of 5 (scaled knobs)" % (i + 1))
        times.append(await dead_link(scaled, 10))
    print("dead link, knobs 300/200 ms x2 (bound 0.70 s after the last pong): "
          "min %.2f median %.2f max %.2f s" % (min(times), statistics.median(times),
                                                max(times)))
    if args.product:
        progress("dead link with the product knobs (about 50 s)")
        t = await dead_link({}, 120)
        print("dead link, product knobs 30 s/10 s x2 (bound 50 s): %.1f s" % t)
    for outage in (2, 10):
        t = []
        for i in range(3):
            progress("reconnect after a %d s outage, %d of 3" % (outage, i + 1))
            t.append(await reconnect(outage))
        print("reconnect after a %d s outage, product backoff (1 s doubling, jitter): "
              "%s s" % (outage, " / ".join("%.2f" % x for x in t)))
    progress("heap free when connected")
    print("heap free when connected, -X heapsize=%s: %d bytes" % (SINRIC_HEAP, await heap_free()))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--product", action="store_true", help="also the 50 s product-knob run")
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:  # Ctrl-C: the runs above cleaned up; no traceback
        print("make bench-sinric: stopped (Ctrl-C)", file=sys.stderr)
        sys.exit(130)
