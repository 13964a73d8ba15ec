"""The Sinric MicroPython host tests' rig: the server double and lib/sinric/client.py on
MicroPython (tests/host/mp_sinric_device.py) for one test, and the ids and knobs they share
(test_sinric_client_mp.py, test_sinric_reliability_mp.py, test_sinric_heap_steady.py)."""

import contextlib
import json
import os
import signal
import tempfile

from mpproc import SINRIC_HEAP, MpProc

from tools.sinric_server import SinricServer

APP_KEY = "de0b1234-1a3b-4c3d-a12e-5dab12345678"
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5dc1564130aaaaaaaaaaaa01"
DEV2 = "5dc1564130aaaaaaaaaaaa02"
HEAP = SINRIC_HEAP  # tests/host/mpproc.py says why 46wK
# Short knobs so reconnects and dead links happen in test time; product defaults elsewhere.
FAST = {"backoff_min_ms": 200, "backoff_max_ms": 2000, "connect_timeout_ms": 3000,
        "timestamp_timeout_ms": 3000}


@contextlib.asynccontextmanager
async def rig(opts=None, info=None, devices=(DEV, DEV2), net=False, fast=True, interp=None,
              heap=HEAP, **server_kw):
    """(server double, the client on MicroPython) for one test. opts: SinricClient knobs
    (over FAST unless fast is False); interp: a chip profile's interpreter (default: the
    venv's at heap); server_kw: SinricServer's."""
    client_key = server_kw.pop("app_key", APP_KEY)
    server = SinricServer(APP_KEY, SECRET, **server_kw)
    await server.start()
    cfg = {"url": server.url, "app_key": client_key, "app_secret": SECRET,
           "devices": list(devices), "opts": dict(FAST if fast else {}, **(opts or {})),
           "info": info, "net": net}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(cfg, f)
    dev = await MpProc.start("mp_sinric_device.py", f.name, heap=heap, interp=interp)
    try:
        yield server, dev
    except BaseException:
        try:  # the heap as the failure left it (MemoryErrors that do not reproduce alone)
            n = len(dev.lines)
            dev.send("heap")
            await dev.wait_for(r"max free sz", start=n, timeout=3)
        except Exception:
            try:  # no answer: where the device is stuck (the unix port's Ctrl-C traceback)
                dev.proc.send_signal(signal.SIGINT)
                await dev.wait_for(r"KeyboardInterrupt", start=n, timeout=2)
            except Exception:
                pass
        print("--- device output (last 200 lines) ---\n" + "\n".join(dev.lines[-200:]))
        raise
    finally:
        dev.send("stop")
        await dev.stop()
        await server.stop()
        os.unlink(f.name)


def acts(dev):
    return dev.grep(r"^ACT ")
