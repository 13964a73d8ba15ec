"""make bench: latency against the official SDK, heap floor, throughput, footprint, recovery.

usage: python -m tools.bench.run [--json build/bench.json] [--quick]
Prints a Markdown table and writes the same figures as JSON. A measurement, never a test: a
slow or busy machine gives slower figures, never a failure (what could not be measured is
reported as such). Every server binds 127.0.0.1 port 0.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.server import serve

from tools.board_files import MICROPYTHON as MP
from tools.board_files import ROOT, board_sources, compile_file
from tools.certs import make_certs
from tools.sim.run import CACHE, FAST, MP_PATH, SimBoard, compile_mpy
from tools.sinric_server import SinricServer

# The round trip, recovery and throughput runs use the ESP32 profile's heap
# (tools/board_files.HEAP: what a stock ESP32 image gives); the heap floor section says where
# the firmware really starts to fit. 64wK, used before, no longer leaves the bench's replay
# memory one piece beside the merged firmware.
BENCH_HEAP = "112wK"
FLOOR_LO, FLOOR_HI, FLOOR_STEP = 24, 256, 2  # heap-floor bisection range and precision (wK)
SINGLE_OUTAGES = (10, 30, 45)  # s; the old backoff answered 30 s after some of these
N_REQUESTS = 1000
ROUNDS = 5  # interleaved rounds of the round-trip section (see section_round_trip)
N_TIMELINE = 300
HEAP_32_EXTRA = 32  # K, see heap_for()
TIMELINE_HEAP = "112wK"  # Sinric and Yango together: the ESP32's heap, as BENCH_HEAP
IN_FLIGHT = 10
SDK_PYTHON = ROOT / "build" / "bench-venv" / "bin" / "python"
PROBE_PATH = "tools/bench/mp"
SCALED = "ping_interval_ms=300,pong_timeout_ms=200,max_missed_pongs=2"

KEY = "de0b1234-1a3b-4c3d-a12b-5dab12345678"
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5dc1564130aaaaaaaaaaaa01"
RELAY, BUTTON = 5, 0


def say(text):
    print("[bench] " + text, file=sys.stderr, flush=True)


def config(url, interp=None):
    """The bench board: one switch on Sinric at url. wss:// runs with tls_verify false (the
    throwaway CA is not deployed to the simulated board; verification happens once per
    connection, never per request). The ESP8266 profile's watchdog is fixed at 5 s."""
    cfg = {"wifi": {"ssid": "bench", "password": "password1"},
           "sinric": {"app_key": KEY, "app_secret": SECRET, "url": url},
           "board": {"watchdog_s": 5 if getattr(interp, "chip", None) == "esp8266" else 30},
           "devices": [{"name": "lamp", "type": "switch", "sinric_id": DEV,
                        "relay": RELAY, "button": BUTTON}]}
    if url.startswith("wss:"):
        cfg["sinric"]["tls_verify"] = False
    return cfg


class TlsServer(SinricServer):
    """The double behind TLS (wss://localhost:PORT/), as the official SDK insists on wss."""

    def __init__(self, *args, ssl_context, **kw):
        super().__init__(*args, **kw)
        self.ssl_context = ssl_context

    async def start(self):
        self._server = await serve(self._handler, self.host, self.port,
                                   process_request=self._check_request,
                                   ping_interval=self.ping_interval, compression=None,
                                   ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self):
        return "wss://localhost:%d/" % self.port


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


async def _load_raw(server, n, in_flight):
    """n signed setPowerState requests, in_flight at a time: (latencies ms, failed, wall s)."""
    lat, failed = [], [0]

    async def worker(count, k):
        for i in range(count):
            t0 = time.perf_counter()
            try:
                r = await server.send_request(DEV, "setPowerState",
                                              {"state": "On" if (i + k) % 2 else "Off"},
                                              timeout=10)
            except (TimeoutError, asyncio.TimeoutError, ConnectionError) as e:
                failed[0] += 1
                say("request failed: %r" % (e,))
                continue
            lat.append((time.perf_counter() - t0) * 1000)
            if not r.get("success"):
                failed[0] += 1
    t = time.perf_counter()
    await asyncio.gather(*(worker(n // in_flight, k) for k in range(in_flight)))
    return lat, failed[0], time.perf_counter() - t


def _summary(n, lat, failed, wall):
    if not lat:
        return {"n": n, "failed": failed}
    return {"n": n, "failed": failed, "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90),
            "p99_ms": pct(lat, 99), "per_s": len(lat) / wall}


async def load(server, n, in_flight):
    """n signed setPowerState requests, in_flight at a time; latency figures in ms."""
    return _summary(n, *(await _load_raw(server, n, in_flight)))


async def on_board(server, heap=BENCH_HEAP, cfg=None, **kw):
    board = SimBoard(cfg or config(server.url, kw.get("interp")), knobs=FAST, heap=heap, **kw)
    await asyncio.to_thread(board.start)
    return board


def heap_for(heap, interpreter):
    """-X heapsize text for the interpreter: a 32-bit build takes "64K" where the 64-bit
    venv binary takes "64wK" (the same number of words), plus HEAP_32_EXTRA for the probes
    and for a build without the firmware frozen (which then loads it from .mpy)."""
    if interpreter is None:
        return heap
    return "%dK" % (int(heap.replace("w", "").rstrip("K")) + HEAP_32_EXTRA)


async def _start_board(server, interpreter=None):
    # Hundreds of requests a second are far more than a real server sends; the replay
    # memory (64 requests per 60 s window by default, then refusals) is sized for them here
    # with a 1 s window (requests are answered in milliseconds): 1,024 slots are 8 KB, where
    # 4,096 for a minute (32 KB in one piece) no longer fit beside the firmware.
    board = await on_board(server, heap=heap_for(BENCH_HEAP, interpreter),
                           interp=interpreter,
                           env={"BENCH_SINRIC": "seen_tokens=1024,max_age_s=1"},
                           extra_path=[PROBE_PATH], preload=["bench_probe"])
    await server.wait_connection(timeout=30)

    async def stop():
        await asyncio.to_thread(board.stop)

    def report(out):
        out["board_errors"] = [x for x in board.lines if "rror" in x or "sinric: dis" in x][:5]
        out["boots"] = len(board.boots)

    return stop, report


async def _start_sdk(server, ca):
    if not SDK_PYTHON.exists():
        raise RuntimeError("bench venv missing (make bench creates build/bench-venv)")
    env = dict(os.environ, SSL_CERT_FILE=ca)
    proc = await asyncio.create_subprocess_exec(
        str(SDK_PYTHON), str(ROOT / "tools" / "bench" / "sdk_device.py"), str(server.port),
        KEY, SECRET, DEV, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)

    async def stop():
        if proc.returncode is None:
            try:
                proc.kill()
            except ProcessLookupError:  # gone already: a Ctrl-C reaches the whole group
                pass
        await proc.wait()

    try:
        await server.wait_connection(timeout=30)
    except BaseException:
        await stop()
        raise
    return stop, lambda out: None


async def section_round_trip(tmp, interpreter32=None, rounds=ROUNDS):
    """The firmware (ws://, wss://, and ws:// on the ESP8266 profile when there is one) and
    the SDK (wss://), all connected at once, take turns: each of `rounds` rounds gives every
    one N_REQUESTS / rounds requests one at a time, then as many IN_FLIGHT at a time, in an
    order rotated from round to round. A load spike on the shared machine thus falls on all
    of them alike instead of on whichever ran at that moment; the figures pool the rounds,
    and each round's own figures are kept ("rounds") to show the spread."""
    paths = make_certs(tmp, hostname="localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(paths["cert"], paths["key"])
    out, out32 = {}, {}
    plan = [("firmware_ws", out, False, None), ("firmware_wss", out, True, None),
            ("sdk_wss", out, True, "sdk")]
    if interpreter32 is not None:
        plan.append(("firmware_ws", out32, False, interpreter32))
        # the ESP8266 profile runs Sinric over ws:// only
        out32["firmware_wss"] = {"error": "no wss on the ESP8266 profile (the config check "
                                          "refuses TLS there: one axTLS connection needs "
                                          "about 18 KB)"}
    live = []  # (name, dest, server, stop, report)
    try:
        for name, dest, tls, kind in plan:
            server = (TlsServer(KEY, SECRET, log=None, ssl_context=ctx) if tls
                      else SinricServer(KEY, SECRET, log=None))
            await server.start()
            try:
                if kind == "sdk":
                    stop, report = await _start_sdk(server, paths["ca"])
                else:
                    stop, report = await _start_board(server, kind)
                for _ in range(20):  # warm-up: imports, first allocations, TCP windows
                    await server.send_request(DEV, "setPowerState", {"state": "On"},
                                              timeout=10)
            except Exception as e:  # noqa: BLE001 - a bench reports, never fails
                dest[name] = {"error": "%s: %s" % (type(e).__name__, e)}
                await server.stop()
                continue
            live.append((name, dest, server, stop, report))
        n = N_REQUESTS // rounds
        pooled = {(id(d), name): {"serial": ([], 0, 0.0), "in_flight": ([], 0, 0.0),
                                  "rounds": []} for name, d, *_ in live}
        for r in range(rounds):
            say("round trip: round %d of %d, %d requests each one at a time, then %d in "
                "flight" % (r + 1, rounds, n, IN_FLIGHT))
            k = r % len(live)
            for name, dest, server, _, _ in live[k:] + live[:k]:
                acc = pooled[(id(dest), name)]
                per = {}
                for mode, width in (("serial", 1), ("in_flight", IN_FLIGHT)):
                    lat, failed, wall = await _load_raw(server, n, width)
                    pl, pf, pw = acc[mode]
                    acc[mode] = (pl + lat, pf + failed, pw + wall)
                    per[mode] = _summary(n, lat, failed, wall)
                acc["rounds"].append({"p50_ms": per["serial"].get("p50_ms"),
                                      "p99_ms": per["serial"].get("p99_ms"),
                                      "per_s": per["in_flight"].get("per_s")})
        for name, dest, server, _, report in live:
            acc = pooled[(id(dest), name)]
            d = dest[name] = {mode: _summary(n * rounds, *acc[mode])
                              for mode in ("serial", "in_flight")}
            d["rounds"] = acc["rounds"]
            d["problems"] = len(server.problems)
            report(d)
    finally:
        for _, _, server, stop, _ in live:
            await stop()
            await server.stop()
    return out, out32


# -- timeline, allocation, button and Yango latency --------------------------------------------
TL_STEPS = ("frame read", "verified", "handler called", "relay driven", "state to the store",
            "state to the Yango notifier", "handler returned", "response signed",
            "response written")


def _column(rows, i):
    v = [r[i] for r in rows if r[i]]
    return statistics.median(v) / 1000 if v else None


async def _request_lines(server, board, n, marker):
    """n sequential requests; the board's marker lines for them and the double's RTTs."""
    mark = len(board.lines)
    rtts = []
    for i in range(n):
        t0 = time.perf_counter()
        await server.send_request(DEV, "setPowerState", {"state": "On" if i % 2 else "Off"},
                                  timeout=10)
        rtts.append((time.perf_counter() - t0) * 1000)
    await asyncio.sleep(0.2)
    lines = [x.split()[2:] for x in board.lines[mark:] if x.startswith(marker)]
    return [[int(v) for v in x] for x in lines], rtts


async def section_timeline(n=N_TIMELINE, interpreter=None):
    """One request's steps on the real interpreter (a switch with Sinric and Yango), the
    bytes it allocates, and the two paths with a deliberate delay: button -> event at the
    Sinric double, state change -> POST at the Yango double."""
    from tools.yango_server import YangoDouble

    skill = "0c3d5a9e-4b1f-4e2a-9c7d-2f6e8a1b3c4d"  # the config check wants a UUID
    yango = await YangoDouble(skill_id=skill, log=None).start()
    server = await SinricServer(KEY, SECRET, log=None).start()
    cfg = config(server.url, interpreter)
    cfg["yango"] = {"skill_id": skill, "token": "token-1", "user_id": "user-1",
                    "url": yango.url}
    cfg["devices"][0]["yango_id"] = "lamp"
    out = {}
    board = None
    try:
        for timeline in (False, True):  # allocation without the timing wrappers first
            board = await on_board(server, heap=heap_for(TIMELINE_HEAP, interpreter), cfg=cfg,
                                   interp=interpreter, extra_path=[PROBE_PATH],
                                   preload=["bench_probe", "bench_timeline"],
                                   env=dict({"BENCH_TIMELINE": "1"} if timeline else {},
                                            BENCH_SINRIC="seen_tokens=1024,max_age_s=1"))
            await server.wait_connection(count=1 + timeline, timeout=30)
            for _ in range(20):
                await server.send_request(DEV, "setPowerState", {"state": "On"}, timeout=10)
            if not timeline:
                rows, _ = await _request_lines(server, board, n, "BENCH alloc")
                # bytes per request of each window (one request a window: the probe closes
                # one at the next frame; 0 frames: the connect's, the timestamp frame)
                allocs = [r[0] // r[1] for r in rows if r[1]]
                out["alloc"] = {"n": len(allocs), "median": statistics.median(allocs),
                                "max": max(allocs)} if allocs else None
                await asyncio.to_thread(board.stop)
                continue
            rows, rtts = await _request_lines(server, board, n, "BENCH tl")
            out["rtt_p50_ms"] = statistics.median(rtts)
            out["steps_ms"] = [[name, _column(rows, i)] for i, name in enumerate(TL_STEPS)]
            writes = [int(x.split()[2]) for x in board.lines if x.startswith("BENCH write")]
            out["state_writes"] = {"n": len(writes),
                                   "median_ms": statistics.median(writes) / 1000
                                   if writes else None}
            out["button_to_event_ms"] = await _button_events(server, board)
            out["change_to_yango_ms"] = await _yango_posts(server, board, yango)
    except Exception as e:  # noqa: BLE001 - a bench reports, never fails
        out["error"] = "%s: %s" % (type(e).__name__, e)
        if board is not None:
            out["board_tail"] = board.lines[-15:]
    finally:
        if board is not None:
            await asyncio.to_thread(board.stop)
        await server.stop()
        await yango.stop()
    return out


async def _button_events(server, board, samples=3):
    """ms from the button's pin going low to the signed event at the double."""
    out = []
    for _ in range(samples):
        await asyncio.sleep(1.2)  # the client's 1 s gap between two events of one device
        n = len(server.events)
        t0 = time.perf_counter()
        await asyncio.to_thread(board.set, BUTTON, 0)
        await server.wait_until(lambda n=n: len(server.events) > n, timeout=10)
        out.append((time.perf_counter() - t0) * 1000)
        await asyncio.to_thread(board.set, BUTTON, 1)
    return out


async def _yango_posts(server, board, yango, samples=3):
    """ms from the answered request that changed the state to its POST at the double."""
    out = []
    for _ in range(samples):
        await asyncio.sleep(2.2)  # past the notifier's window and gap from the last post
        n = len(yango.states)
        on = (await asyncio.to_thread(board.get, RELAY))["value"]
        await server.send_request(DEV, "setPowerState", {"state": "Off" if on else "On"},
                                  timeout=10)
        t0 = time.perf_counter()
        await asyncio.to_thread(yango.wait_for, lambda y, n=n: len(y.states) > n, 10)
        out.append((time.perf_counter() - t0) * 1000)
    return out


# -- heap floor -------------------------------------------------------------------------------
def source_env():
    """MICROPYPATH that takes lib/ and firmware/ from source (the simulator's own modules stay
    precompiled: they are not charged to the firmware)."""
    return {"MICROPYPATH": ":".join([str(CACHE / "sim")] + [str(ROOT / p) for p in MP_PATH]
                                    + [".frozen"])}


async def scenario(heap, source=False, probe=False):
    """The demo: boot, connect, one setPowerState request, one button press -> event.
    Returns (passed, details)."""
    server = await SinricServer(KEY, SECRET, log=None).start()
    env = source_env() if source else {}
    if probe:
        env["BENCH_HEAP_PROBE"] = "1"
    board = None
    try:
        board = await on_board(server, heap=heap, env=env, extra_path=[PROBE_PATH],
                               preload=["bench_probe"] if probe else [])

        def broken():
            return len(board.boots) > 1 or any("MemoryError" in x for x in board.lines)

        t0 = time.monotonic()
        while not (server.current and server.current.timestamp_sent):
            if broken() or time.monotonic() - t0 > 20:
                return False, {}
            await asyncio.sleep(0.05)
        r = await server.send_request(DEV, "setPowerState", {"state": "On"}, timeout=8)
        if not r.get("success") or board.get(RELAY)["value"] != 1:
            return False, {}
        info = await asyncio.to_thread(board.info)
        await asyncio.to_thread(board.press, BUTTON)
        await server.wait_until(lambda: server.events, timeout=8)
        passed = server.events[0]["action"] == "setPowerState" and not broken()
        grow = [int(m.group(1)) for m in
                (re.search(r"BENCH handle_alloc (\d+)", x) for x in board.lines) if m]
        return passed, {"free_connected": info.get("free"), "handle_alloc": grow}
    except Exception:  # noqa: BLE001 - any failure is "does not pass at this heap"
        return False, {}
    finally:
        if board is not None:
            await asyncio.to_thread(board.stop)
        await server.stop()


async def floor(source):
    """Smallest heap (wK, FLOOR_STEP precision) where the scenario passes, by bisection."""
    tried = {}

    async def ok(k):
        tried[k] = (await scenario("%dwK" % k, source))[0]
        say("heap floor (%s): %dwK %s" % ("source" if source else ".mpy", k,
                                           "passes" if tried[k] else "fails"))
        return tried[k]

    lo, hi = FLOOR_LO, FLOOR_HI
    if not await ok(hi):
        return {"floor_wK": None, "note": "fails even at %dwK" % hi, "tried": tried}
    if await ok(lo):
        return {"floor_wK": lo, "note": "passes at the lowest heap tried", "tried": tried}
    while hi - lo > FLOOR_STEP:  # lo fails, hi passes
        mid = (lo + hi) // 2 // FLOOR_STEP * FLOOR_STEP
        if mid in (lo, hi):
            break
        if await ok(mid):
            hi = mid
        else:
            lo = mid
    return {"floor_wK": hi, "tried": tried}


async def section_heap():
    out = {"mpy": await floor(False), "source": await floor(True)}
    passed, d = await scenario(BENCH_HEAP, probe=True)
    out["probe"] = {"heap": BENCH_HEAP, "passed": passed,
                    "free_connected": d.get("free_connected"),
                    "handle_alloc_max": max(d.get("handle_alloc") or [0]) or None}
    return out


# -- throughput, footprint --------------------------------------------------------------------
def section_throughput():
    env = dict(os.environ, MICROPYPATH=":".join([str(ROOT / "build" / "mpy" / "lib"),
                                                 str(ROOT / "lib"), ".frozen"]))
    r = subprocess.run([str(MP), "-X", "heapsize=" + BENCH_HEAP,
                        str(ROOT / "tools" / "bench" / "mp_throughput.py")], env=env,
                       capture_output=True, text=True, timeout=120)
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        out = {"error": (r.stderr or r.stdout)[-300:]}
    # tools/bench/mp_ws_mask.py (make bench-ws): masking against the alternatives, by size
    r = subprocess.run([str(MP), "-X", "heapsize=" + BENCH_HEAP,
                        str(ROOT / "tools" / "bench" / "mp_ws_mask.py")], env=env,
                       capture_output=True, text=True, timeout=120)
    sizes = {}
    for line in r.stdout.splitlines()[1:]:
        m = re.match(r"(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
        if m:
            sizes[m.group(1).strip()] = [float(x) for x in m.groups()[1:]]
    out["mask_mb_per_s_by_size"] = {"sizes_bytes": [64, 400, 4096], "rows": sizes}
    return out


def board_files():
    return [ROOT / f for f in board_sources()]


def section_footprint():
    out = {"lib": 0, "firmware": 0, "boot_main": 0, "source": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for f in board_files():
            mpy = Path(tmp) / "x.mpy"
            compile_file(f, mpy, f.relative_to(ROOT))  # the source name deploy stores too
            rel = f.relative_to(ROOT).parts[0]
            group = rel if rel in ("lib", "firmware") else "boot_main"
            out[group] += mpy.stat().st_size
            out["source"] += f.stat().st_size
    out["total"] = out["lib"] + out["firmware"] + out["boot_main"]
    out["files"] = len(board_files())
    return out


# -- recovery ---------------------------------------------------------------------------------
async def dead_link(server, board, samples, timeout):
    """Seconds from the server going silent (no reads, no pongs) to the firmware's verdict."""
    times = []
    for n in range(samples):
        await server.wait_connection(count=n + 1, timeout=60)
        await asyncio.sleep(0.5)
        mark = len(board.lines)
        t0 = time.monotonic()
        server.freeze()
        while not any("dead link" in x for x in board.lines[mark:]):
            if time.monotonic() - t0 > timeout:
                return times
            await asyncio.sleep(0.01)
        times.append(time.monotonic() - t0)
    return times


async def dead_link_run(knobs, samples, timeout):
    server = await SinricServer(KEY, SECRET, log=None).start()
    board = await on_board(server, env={"BENCH_SINRIC": knobs}, extra_path=[PROBE_PATH],
                           preload=["bench_probe"])
    try:
        return await dead_link(server, board, samples, timeout)
    finally:
        await asyncio.to_thread(board.stop)
        await server.stop()


async def back_online(outage):
    """Seconds from the server's return (after outage s down) to the first answered request:
    a fresh board each time, so the product backoff (1 s doubling, jitter, reset only after
    a 60 s stable connection) starts from its first step."""
    server = await SinricServer(KEY, SECRET, log=None).start()
    board = await on_board(server)
    try:
        await server.wait_connection(timeout=60)
        await server.send_request(DEV, "setPowerState", {"state": "On"})
        await server.kill()
        await asyncio.sleep(outage)
        t0 = time.monotonic()
        await server.restart()
        await server.wait_connection(count=2, timeout=120)
        await server.send_request(DEV, "setPowerState", {"state": "Off"})
        return time.monotonic() - t0
    finally:
        await asyncio.to_thread(board.stop)
        await server.stop()


async def single_outage(outages, healthy_s=62):
    """Seconds from the server's return to the first answered request, for one outage of
    each length in outages (s), each after a healthy session longer than the product's
    stable_ms (60 s): the case the reconnect probing (goal 10 s) is for. One board."""
    server = await SinricServer(KEY, SECRET, log=None).start()
    board = await on_board(server)
    out = []
    try:
        await server.wait_connection(timeout=60)
        for outage in outages:
            await asyncio.sleep(healthy_s)
            await server.send_request(DEV, "setPowerState", {"state": "On"})
            n = len(server.connections)
            await server.kill()
            await asyncio.sleep(outage)
            t0 = time.monotonic()
            await server.restart()
            await server.wait_connection(count=n + 1, timeout=120)
            await server.send_request(DEV, "setPowerState", {"state": "Off"})
            out.append((outage, time.monotonic() - t0))
            say("single outage of %d s: back after %.2f s" % (outage, out[-1][1]))
    finally:
        await asyncio.to_thread(board.stop)
        await server.stop()
    return out


async def section_recovery(product_task):
    out = {}
    try:
        out["dead_link_scaled_s"] = await dead_link_run(SCALED, 5, 15)
    except Exception as e:  # noqa: BLE001
        out["dead_link_scaled_error"] = repr(e)
    try:
        out["back_online_s"] = [(o, await back_online(o)) for o in (2, 2, 2, 10)]
    except Exception as e:  # noqa: BLE001
        out["back_online_error"] = repr(e)
    try:
        out["single_outage_s"] = await single_outage(SINGLE_OUTAGES)
    except Exception as e:  # noqa: BLE001
        out["single_outage_error"] = repr(e)
    try:
        out["dead_link_product_s"] = await product_task
    except Exception as e:  # noqa: BLE001
        out["dead_link_product_error"] = repr(e)
    return out


# -- report -----------------------------------------------------------------------------------
def f(v, fmt="%.2f"):
    return "n/a" if v is None else fmt % v


def table(r):
    rows = [("Figure", "Value")]
    rt = r["round_trip"]
    for mode, label in (("serial", "1 at a time"), ("in_flight", "%d in flight" % IN_FLIGHT)):
        for name, who in (("firmware_ws", "firmware (MicroPython, sim board) ws://"),
                          ("firmware_wss", "firmware (MicroPython, sim board) wss://"),
                          ("sdk_wss", "sinricpro 6.0.0 SDK (CPython) wss://")):
            d = rt.get(name, {}).get(mode)
            if not d:
                rows.append(("RTT %s, %s" % (label, who), rt.get(name, {}).get("error", "n/a")))
                continue
            rows.append(("RTT %s, %s: p50 / p90 / p99 ms" % (label, who),
                         "%s / %s / %s (%d failed)" % (f(d.get("p50_ms")), f(d.get("p90_ms")),
                                                       f(d.get("p99_ms")), d["failed"])))
        ours, sdk = rt.get("firmware_wss", {}).get(mode), rt.get("sdk_wss", {}).get(mode)
        if ours and sdk and ours.get("p50_ms") and sdk.get("p50_ms"):
            rows.append(("RTT %s, p50 ratio firmware wss / SDK wss" % label,
                         "%.2f" % (ours["p50_ms"] / sdk["p50_ms"])))
    h = r["heap"]
    for key, label in (("mpy", ".mpy"), ("source", "source")):
        d = h[key]
        rows.append(("Heap floor, demo scenario, from %s (-X heapsize)" % label,
                     "%dwK" % d["floor_wK"] if d.get("floor_wK") else d.get("note", "n/a")))
    p = h["probe"]
    rows.append(("Heap free when connected at %s (sim info, after gc)" % p["heap"],
                 f(p["free_connected"], "%d B")))
    rows.append(("Heap taken handling one request (GC paused, upper bound)",
                 f(p["handle_alloc_max"], "%d B")))
    t = r["throughput"]
    rows.append(("verify+parse, messages/s (MicroPython)", f(t.get("verify_parse_per_s"),
                                                            "%.0f")))
    rows.append(("encode+sign, messages/s (MicroPython)", f(t.get("encode_sign_per_s"), "%.0f")))
    rows.append(("WebSocket masking, 4 KB payload, MB/s", f(t.get("mask_mb_per_s"))))
    for name, v in t.get("mask_mb_per_s_by_size", {}).get("rows", {}).items():
        rows.append(("masking MB/s at 64 B / 400 B / 4 KB: %s" % name,
                     " / ".join("%.1f" % x for x in v)))
    fp = r["footprint"]
    rows.append((".mpy bytes of the board files (%d files)" % fp["files"],
                 "%d (lib %d, firmware %d, boot+main %d; source %d)" % (
                     fp["total"], fp["lib"], fp["firmware"], fp["boot_main"], fp["source"])))
    rc = r["recovery"]
    s = rc.get("dead_link_scaled_s")
    rows.append(("Dead link detected, knobs 300/200 ms x2 (bound 0.7 s)",
                 "median %s s (min %s, max %s)" % (f(statistics.median(s)), f(min(s)),
                                                   f(max(s))) if s else "n/a"))
    pr = rc.get("dead_link_product_s")
    rows.append(("Dead link detected, product knobs 30 s/10 s x2 (bound 50 s)",
                 f(pr[0], "%.1f s") if pr else "n/a"))
    for outage, secs in rc.get("back_online_s", []):
        rows.append(("Server back after %d s down -> first answered request" % outage,
                     "%.2f s" % secs))
    for outage, secs in rc.get("single_outage_s", []):
        rows.append(("One %d s outage after a 60 s healthy session -> answered (goal 10 s)"
                     % outage, "%.2f s" % secs))
    w = max(len(a) for a, _ in rows)
    lines = ["| %s | %s |" % (a.ljust(w), b) for a, b in rows]
    lines.insert(1, "|%s|---|" % ("-" * (w + 2)))
    return "\n".join(lines)


# -- the goals of issue 13: ratios against the SDK in the same run -----------------------------
def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def goal_rows(r):
    """[(goal, figures, ratio text, verdict)]; verdict PASS/FAIL, or "n/a" when a figure is
    missing, or "measured" for the latencies that have a deliberate delay."""
    rows = []

    def ratio(name, num, den, limit, at_least=False, figures="", per_round=None):
        # per_round: [(num, den)] of the interleaved rounds; their ratios are shown beside
        # the pooled one, and how many of them hold the goal
        if num is None or den is None or not den:
            rows.append((name, figures or "n/a", "n/a", "n/a"))
            return
        x = num / den
        ok = x >= limit if at_least else x <= limit
        text = "%.2f (%s %.2f)" % (x, ">=" if at_least else "<=", limit)
        verdict = "PASS" if ok else "FAIL"
        xs = [a / b for a, b in per_round or () if a is not None and b]
        if xs:
            held = sum((v >= limit) if at_least else (v <= limit) for v in xs)
            text += "; rounds %s" % " ".join("%.2f" % v for v in xs)
            verdict += " (%d of %d rounds)" % (held, len(xs))
        rows.append((name, figures, text, verdict))

    def rounds(d, key, other, okey):
        a, b = _get(d, "rounds") or [], _get(other, "rounds") or []
        return [(x.get(key), y.get(okey)) for x, y in zip(a, b)]

    sdk = _get(r, "round_trip", "sdk_wss")
    sdk50 = _get(sdk, "serial", "p50_ms")
    sdk_rate = _get(sdk, "in_flight", "per_s")
    for tag, rt in (("", r.get("round_trip")), (" [ESP8266 profile]", r.get("round_trip_32"))):
        if tag and not rt:
            continue
        ws50 = _get(rt, "firmware_ws", "serial", "p50_ms")
        ws99 = _get(rt, "firmware_ws", "serial", "p99_ms")
        wss50 = _get(rt, "firmware_wss", "serial", "p50_ms")
        ws, wss = _get(rt, "firmware_ws"), _get(rt, "firmware_wss")
        ratio("ws:// p50 / SDK p50, 1 at a time" + tag, ws50, sdk50, 1 / 3,
              figures="%s / %s ms" % (f(ws50), f(sdk50)),
              per_round=rounds(ws, "p50_ms", sdk, "p50_ms"))
        ratio("ws:// p99 / SDK p50, 1 at a time" + tag, ws99, sdk50, 1.0,
              figures="%s / %s ms" % (f(ws99), f(sdk50)),
              per_round=rounds(ws, "p99_ms", sdk, "p50_ms"))
        ratio("wss:// p50 / ws:// p50, 1 at a time" + tag, wss50, ws50, 1.5,
              figures="%s / %s ms" % (f(wss50), f(ws50)) if wss50 else
              _get(rt, "firmware_wss", "error") or "n/a",
              per_round=rounds(wss, "p50_ms", ws, "p50_ms"))
        for proto in ("ws", "wss"):
            d = _get(rt, "firmware_" + proto)
            rate = _get(d, "in_flight", "per_s")
            if rate is None and tag:
                continue
            ratio("%s:// answers/s / SDK's, 10 in flight%s" % (proto, tag), rate, sdk_rate, 1.0,
                  at_least=True, figures="%s / %s" % (f(rate, "%.0f"), f(sdk_rate, "%.0f")),
                  per_round=rounds(d, "per_s", sdk, "per_s"))
    for tag, key in (("64-bit host", "timeline"), ("ESP8266 profile, 32-bit", "timeline_32")):
        # the median over the reader's windows (each its bytes / the requests it held): a
        # window's count includes what other tasks allocate meanwhile (the Yango POST, a
        # state file write), which the max shows
        a = _get(r, key, "alloc", "median")
        if a is None and key == "timeline_32" and not r.get(key):
            continue
        ratio("bytes allocated per request (%s), median of %s windows" % (
            tag, _get(r, key, "alloc", "n") or "n/a"), a, 2048, 1.0,
            figures="%s / 2048 B (max %s)" % (f(a, "%d B"),
                                              f(_get(r, key, "alloc", "max"), "%d B")))
    for key, name, why in (
            ("button_to_event_ms", "button press -> signed event at the server",
             "deliberate: the press must hold debounce_ms = 50 (firmware/inputs.py)"),
            ("change_to_yango_ms", "state change -> Yango POST",
             "deliberate: the notifier's flush_ms = 1000 batching window (docs/yango.md §6)")):
        v = _get(r, "timeline", key)
        rows.append((name, "median %s ms of %s" % (f(statistics.median(v), "%.0f"), len(v))
                     if v else "n/a", why, "measured"))
    return rows


def goals_table(r):
    rows = [("Goal (issue 13)", "Figures", "Ratio (target)", "Verdict")] + goal_rows(r)
    w = [max(len(x[i]) for x in rows) for i in range(4)]
    lines = ["| " + " | ".join(x[i].ljust(w[i]) for i in range(4)) + " |" for x in rows]
    lines.insert(1, "|" + "|".join("-" * (n + 2) for n in w) + "|")
    return "\n".join(lines)


def timeline_table(r):
    """The steps of one request, medians, from the frame's first bytes (docs/benchmarks.md)."""
    out = []
    for key, tag in (("timeline", "64-bit host"), ("timeline_32", "ESP8266 profile")):
        t = r.get(key)
        if not t or not t.get("steps_ms"):
            continue
        out.append("| Step (%s, median of %d), ms from the frame's first bytes | ms |"
                   % (tag, N_TIMELINE))
        out.append("|---|---|")
        for name, ms in t["steps_ms"]:
            out.append("| %s | %s |" % (name, f(ms, "%.3f")))
        out.append("| round trip at the double (sign, send, ..., verify) | %s |"
                   % f(t.get("rtt_p50_ms"), "%.3f"))
        w = t.get("state_writes") or {}
        out.append("| state file write (its own task, after the response) | %s (%s writes) |"
                   % (f(w.get("median_ms"), "%.3f"), w.get("n", "n/a")))
        out.append("")
    return "\n".join(out)


def esp8266_interpreter():
    """The ESP8266-profile (32-bit) interpreter (tools.board_files.locate; `make kit` builds
    it), or None when it cannot run here."""
    from tools.board_files import Unavailable, locate

    try:
        return locate("esp8266")  # `make kit` first: its frozen firmware matches lib/
    except Unavailable as e:
        say("ESP8266 profile: %s" % e)
        return None


async def main(args):
    t0 = time.monotonic()
    compile_mpy()
    result = {"heap": BENCH_HEAP, "machine": {"cpus": os.cpu_count(),
                                              "load_avg_start": os.getloadavg()}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    mp32 = esp8266_interpreter()
    try:
        result["round_trip"], rt32 = await section_round_trip(tmp, mp32)
        if mp32 is not None:
            result["round_trip_32"] = rt32
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say("request timeline, allocation, button and Yango latency")
    result["timeline"] = await section_timeline()
    if mp32 is not None:
        result["timeline_32"] = await section_timeline(interpreter=mp32)
    else:
        say("no ESP8266-profile interpreter (make kit builds it): its rows are left out")
    if not args.goals:
        say("throughput and footprint")
        result["throughput"] = section_throughput()
        result["footprint"] = section_footprint()
        # the 50 s product-knob dead link waits in the background while the heap floor runs
        product = asyncio.create_task(dead_link_run("", 1, 90))
        result["heap"] = await section_heap()
        say("recovery")
        result["recovery"] = await section_recovery(product)
    result["machine"]["load_avg_end"] = os.getloadavg()
    result["seconds"] = time.monotonic() - t0
    if not args.goals:
        print(table(result))
        print()
    print(timeline_table(result))
    print(goals_table(result))
    print("\n%d CPUs, load average %.1f at start, %.1f at end; %.0f s" % (
        os.cpu_count(), result["machine"]["load_avg_start"][0],
        result["machine"]["load_avg_end"][0], result["seconds"]))
    result["goals"] = goal_rows(result)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=str(ROOT / "build" / "bench.json"))
    ap.add_argument("--goals", action="store_true",
                    help="only the round trips and the request timeline: the goals table")
    try:
        asyncio.run(main(ap.parse_args()))
    except KeyboardInterrupt:  # Ctrl-C: the runs above cleaned up; no traceback
        print("make bench: stopped (Ctrl-C)", file=sys.stderr)
        sys.exit(130)
