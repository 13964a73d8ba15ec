# MicroPython, preloaded on the simulated board by tools/mem_profile.py (SimBoard preload):
# tracks the heap's low point, the least gc.mem_free() right after a gc.collect(), sampled at
# every firmware log line and every SAMPLE_MS, and prints "memprobe: low N" on each new low.
# The firmware's own code is not changed; the probe adds a few hundred bytes, charged
# to the board (so the figures err on the safe side).
import asyncio
import gc

import firmware.app as _app

SAMPLE_MS = 100
low = [1 << 30]


def _forget_tokens():
    # mem_profile's bursts (hundreds of requests a minute) exceed the Sinric replay memory,
    # which refuses new requests when full (issue 18). Forgetting is unsafe on a board and
    # harmless here; the memory keeps its size, so the figures are the product's.
    app = _app.app
    c = app.services.get("sinric") if app is not None else None
    t = getattr(getattr(c, "dispatch", None), "tokens", None)
    if t is not None:
        for i in range(len(t)):  # in place: the probe must not allocate what it measures
            t[i] = 0


def sample():
    _forget_tokens()
    gc.collect()
    f = gc.mem_free()
    if f < low[0]:
        low[0] = f
        print("memprobe: low %d" % f)
    return f


_log = _app.log


def _logged(msg):
    _log(msg)
    sample()


_app.log = _logged


async def _sampler():
    while True:
        sample()
        await asyncio.sleep_ms(SAMPLE_MS)


asyncio.create_task(_sampler())
