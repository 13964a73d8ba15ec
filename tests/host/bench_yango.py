"""Benchmark: a burst of 100 state changes through the notifier on real MicroPython
(lib as .mpy) into the Yango double. Prints requests seen, latency and heap figures.

    make yango-bench
"""

import sys
import tempfile

from yango_rig import CAP, PROP, build_mpy, run_notifier

from tools.yango.discovery import (
    color_cap,
    device_entry,
    float_prop,
    on_off_cap,
    range_cap,
)
from tools.yango_server import YangoDouble

DEVICES = [device_entry("lamp-%d" % i, "Lamp %d" % i, "light",
                        [on_off_cap(), range_cap("brightness", 1, 100),
                         color_cap("rgb", (2700, 6500))]) for i in range(4)]
DEVICES.append(device_entry("hall", "Hall", "sensor", [], [float_prop("temperature"),
                                                          float_prop("humidity")]))


def changes(n=100):
    out = []
    for i in range(n):
        lamp = "lamp-%d" % (i % 4)
        k = i % 5
        if k == 0:
            out.append([lamp, CAP + "on_off", "on", i % 2 == 0])
        elif k == 1:
            out.append([lamp, CAP + "range", "brightness", 1 + i % 100])
        elif k == 2:
            out.append([lamp, CAP + "color_setting", "temperature_k", 2700 + 10 * i])
        elif k == 3:
            out.append([lamp, CAP + "color_setting", "rgb", i * 1000])
        else:
            out.append(["hall", PROP + "float", "temperature", 20 + i / 100])
    return out


def final_values(burst):
    last = {}
    for dev, t, inst, v in burst:
        last[(dev, t.rsplit(".", 1)[1], inst)] = v
    return last


def one(mpy_dir, gap_ms, heap="38wK", sample=False):
    y = YangoDouble(devices=DEVICES, log=None)
    burst = changes()
    with y.serve_in_thread():
        steps = [{"declare": d} for d in DEVICES]
        steps += [{"idle": 5000}, {"sleep_ms": 1200}, {"mark": "start"}]
        for c in burst:  # one line each: the driver never holds the whole burst
            steps.append({"report": c})
            if gap_ms:
                steps.append({"sleep_ms": gap_ms})
        steps += [{"mark": "end"}, {"idle": 20000}]
        import yango_rig

        orig = yango_rig.run_mp

        def run_mp(*a, **kw):
            return orig(*a, heap=heap, **kw)

        yango_rig.run_mp = run_mp
        try:
            res, logs, marks = run_notifier(y, steps, mpy_dir, heap_sample=sample,
                                            knobs={"initial_delay_ms": 100})
        finally:
            yango_rig.run_mp = orig
        start = int(marks[0].split()[1]) / 1e9
        end = int(marks[1].split()[1]) / 1e9
        reqs = [r for r in y.requests if r["kind"] == "state" and r["wall"] >= start]
        want = final_values(burst)
        assert all(y.latest.get(k) == v for k, v in want.items()), "final state missing"
        assert y.violations == [] and all(r["status"] == 202 for r in reqs)
        done = max(r["wall"] for r in reqs)
        return {"gap_ms": gap_ms, "requests": len(reqs),
                "states_sent": sum(len(r["states"]) for r in reqs),
                "burst_s": end - start, "first_latency_ms": (reqs[0]["wall"] - start) * 1000,
                "final_after_last_change_ms": (done - end) * 1000,
                "final_after_first_change_ms": (done - start) * 1000, "heap": res["heap"],
                "invalid": res["stats"]["invalid"]}


def main():
    mpy_dir = build_mpy(tempfile.mkdtemp(prefix="yango-bench-"))
    print("burst of 100 state changes (4 lights x 4 instances + 1 sensor float), "
          "notifier on MicroPython -X heapsize=38wK, lib as .mpy")
    for gap in (0, 10, 50):
        r = one(mpy_dir, gap)
        print("  changes every %2d ms (burst %.2f s): %d requests, %d states sent; first "
              "request %.0f ms after the first change; final state at the double %.0f ms "
              "after the last change (%.0f ms after the first)"
              % (gap, r["burst_s"], r["requests"], r["states_sent"], r["first_latency_ms"],
                 r["final_after_last_change_ms"], r["final_after_first_change_ms"]))
    r = one(mpy_dir, 0, sample=True)
    h = r["heap"]
    print("  heap (-X heapsize=38wK: %d bytes free at start on this 64-bit build): %d free "
          "after importing the notifier stack; lowest live free %d (gc.collect before each "
          "sample, taken at every step and log line)"
          % (h["start"], h["after_import"], h["min_free"]))
    last_ok = "38wK"
    for heap in ("32wK", "28wK", "24wK", "20wK"):
        try:
            one(mpy_dir, 0, heap=heap)
            last_ok = heap
        except AssertionError as e:
            print("  smallest heap that completes the burst: %s (%s fails: %s)"
                  % (last_ok, heap, str(e).splitlines()[-1][:70]))
            break


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: the runs above cleaned up; no traceback
        print("make yango-bench: stopped (Ctrl-C)", file=sys.stderr)
        sys.exit(130)
