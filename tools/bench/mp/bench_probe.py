# Preloaded on the simulated board by tools/bench/run.py (before boot.py): timing knobs of the
# Sinric client (class attributes, which SIM_KNOBS cannot reach) from BENCH_SINRIC, e.g.
# "ping_interval_ms=300,pong_timeout_ms=200", and with BENCH_HEAP_PROBE=1 the heap taken while
# one received frame is handled (GC paused from frame in to response out, so the figure is
# every byte allocated: an upper bound of the peak growth). Prints "BENCH handle_alloc N".
import gc
import os

from sinric.client import SinricClient
from sinric.dispatch import Dispatcher

for kv in (os.getenv("BENCH_SINRIC") or "").split(","):
    if kv:
        k, v = kv.split("=")
        # max_age_s, seen_tokens belong to the Dispatcher the client owns
        setattr(SinricClient if hasattr(SinricClient, k) else Dispatcher, k, int(v))

if os.getenv("BENCH_HEAP_PROBE"):
    _handle = Dispatcher.handle

    def _probed(self, raw):
        gc.collect()
        a0 = gc.mem_alloc()
        gc.disable()
        try:
            return _handle(self, raw)
        finally:
            d = gc.mem_alloc() - a0
            gc.enable()
            print("BENCH handle_alloc %d" % d)

    Dispatcher.handle = _probed
