# Runs lib/yango/notifier.py on MicroPython (or CPython) against a Yango endpoint, driven by
# a scenario on stdin: one JSON line {"url", "skill_id", "token", "user_id", "discovery",
# "knobs": {CLASS_ATTR: value}}, then one JSON step per line (read as it runs, so the
# scenario never sits in the small heap). Steps:
#   {"declare": entry, "state": [[type, instance, value], ...]}
#   {"report": [device, type, instance, value]}     {"sleep_ms": n}
#   {"burst": [[device, type, instance, value], ...], "gap_ms": n}
#   {"configure": {"token": ...}}            {"mark": "text"} (prints MARK text <time_ns>)
#   {"idle": max_ms}: until nothing is pending or in flight (bounded)
# Prints LOG <line> per notifier log line, then RESULT <json>: stats, heap, marks.
import gc

gc.collect()
START_FREE = gc.mem_free() if hasattr(gc, "mem_free") else None  # before any import

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

from clock import Clock  # noqa: E402
from yango.notifier import YangoNotifier  # noqa: E402

heap = {"min_free": None}


class HostTicks:
    """CPython has no time.ticks_*: monotonic ms wrapping at 2^30, as on the boards."""

    @staticmethod
    def ticks_ms():
        import time

        return int(time.monotonic() * 1000) & 0x3FFFFFFF

    @staticmethod
    def ticks_diff(a, b):
        return ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000

    @staticmethod
    def ticks_add(a, b):
        return (a + b) & 0x3FFFFFFF


def note_heap():
    if heap.get("sample"):  # live heap: collect first (changes GC timing; bench only)
        gc.collect()
    if hasattr(gc, "mem_free"):
        f = gc.mem_free()
        if heap["min_free"] is None or f < heap["min_free"]:
            heap["min_free"] = f


def log(line):
    print("LOG " + line)
    note_heap()


async def sleep_ms(ms):
    if hasattr(asyncio, "sleep_ms"):
        await asyncio.sleep_ms(ms)
    else:
        await asyncio.sleep(ms / 1000)


async def idle(n, max_ms):
    c = n._clock
    t0 = c.ticks_ms()
    while c.since(t0) < max_ms:
        if not n.in_flight and not n.states.pending():
            return True
        await sleep_ms(20)
    return False


async def main(sc):
    import time

    gc.collect()
    heap["start"] = START_FREE
    heap["after_import"] = gc.mem_free() if hasattr(gc, "mem_free") else None
    heap["sample"] = sc.get("heap_sample", False)

    clock = Clock(None if hasattr(time, "ticks_ms") else HostTicks)
    n = YangoNotifier(sc["url"], sc.get("skill_id", "skill-1"), sc.get("token", "token-1"),
                      sc.get("user_id", "user-1"), clock, log=log,
                      discovery=sc.get("discovery", False))
    for k, v in sc.get("knobs", {}).items():
        setattr(n, k, v)
        if k == "flush_ms":
            n.states.flush_ms = v
    if sc.get("sync", True):
        clock.sync(int(time.time()))
    task = asyncio.create_task(n.run())
    idle_ok = True
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        st = json.loads(line)
        if "declare" in st:
            n.declare(st["declare"], st.get("state"))
        elif "report" in st:
            n.report(*st["report"])
        elif "burst" in st:
            for r in st["burst"]:
                n.report(*r)
                note_heap()
                if st.get("gap_ms"):
                    await sleep_ms(st["gap_ms"])
        elif "sleep_ms" in st:
            await sleep_ms(st["sleep_ms"])
        elif "configure" in st:
            n.configure(**st["configure"])
        elif "mark" in st:
            print("MARK %s %d" % (st["mark"], time.time_ns()))
        elif "idle" in st:
            idle_ok = await idle(n, st["idle"]) and idle_ok
        st = line = None
        note_heap()
    task.cancel()
    gc.collect()
    out = {"stats": n.stats, "stopped": n.stopped, "idle_ok": idle_ok, "heap": heap,
           "pending": n.states.pending()}
    if hasattr(gc, "mem_free"):
        out["heap"]["end_free"] = gc.mem_free()
        out["heap"]["end_alloc"] = gc.mem_alloc()
    print("RESULT " + json.dumps(out))


asyncio.run(main(json.loads(sys.stdin.readline())))
