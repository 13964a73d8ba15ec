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


def sample():
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
