"""What each board module costs in RAM once imported, measured on the MicroPython unix port.

Imports the modules (the .mpy files the simulated board runs, tools/sim/run.py) one by one in
boot order in a fresh interpreter and prints the gc.mem_free() drop after each, with a
gc.collect() before every reading, so the figure is what stays resident: bytecode, function
and class objects, module dicts and the interned names (qstrs) the module adds. The qstr pool
grows in doubling steps, so a module that happens to trigger a step is charged that step.

With the kit (`make kit`) a last column gives the same module frozen on the 32-bit
ESP8266-profile interpreter: no bytecode or names in RAM, only its dict, function and class
objects (about 120 bytes a class, 16-32 a function), so what slims a frozen image shows there.

CLI:  python -m tools.mem_budget [STACK ...]   (what `make mem` runs; stacks listed below)
"""

import subprocess
import sys

from tools import board_files
from tools.board_files import MICROPYTHON
from tools.sim.run import compile_mpy

# Boot order of the product firmware (firmware/app.py, then firmware/services.py: boot-only,
# unloaded once its factories have run, as firmware.devices is).
STACKS = {
    "boot": ["firmware", "firmware.app", "firmware.crash_counter"],
    "runtime": ["clock", "firmware.persist", "firmware.status_led", "firmware.watchdog",
                "firmware.wifi", "firmware.sink", "firmware.services"],
    "devices": ["firmware.devices", "firmware.hardware", "firmware.inputs",
                "firmware.devices.base", "firmware.devices.switch", "firmware.devices.dimmer",
                "firmware.devices.sensors", "firmware.devices.temperature"],
    "sinric": ["canonical_json", "hmac_sha256", "sinric.codec", "net.frame", "net.ws",
               "backoff", "sinric.event_limiter", "sinric.dispatch", "sinric.client"],
    "yango": ["net.http_response", "net.url", "net.http_client", "yango.values",
              "yango.state", "yango.answer", "yango.notifier"],
    # loaded for a moment: the WebSocket handshake, the TLS setup, a module-scope request
    "transient": ["net.handshake", "net.tls_context", "sinric.module_requests", "yango.payloads"],
}

_SCRIPT = """
import gc, sys, micropython
import asyncio, json, os, time
gc.collect()
base = last = gc.mem_free()
for m in sys.argv[1:]:
    __import__(m)
    gc.collect()
    f = gc.mem_free()
    print("%s %d %d" % (m, last - f, base - f))
    micropython.qstr_info()
    last = f
"""


def measure(modules):
    """[(module, bytes, cumulative bytes, new qstrs, qstr pool bytes)] for importing modules
    in this order (the qstr pool bytes are part of bytes)."""
    path = compile_mpy()
    env = {"MICROPYPATH": ":".join([".frozen"] + path)}
    r = subprocess.run([str(MICROPYTHON), "-X", "heapsize=1M", "-c", _SCRIPT, *modules],
                       capture_output=True, text=True, env=env, check=True)
    rows = []
    qn = qb = 0
    for line in r.stdout.splitlines():
        if line.startswith("qstr pool:"):  # n_pool=.., n_qstr=N, .., n_total_bytes=B
            f = dict(kv.strip().split("=") for kv in line[10:].split(","))
            n, b = int(f["n_qstr"]), int(f["n_total_bytes"])
            rows[-1] += (n - qn, b - qb)
            qn, qb = n, b
        else:
            m, d, t = line.split()
            rows.append((m, int(d), int(t)))
    return rows


def measure_frozen(modules):
    """{module: bytes} the same imports keep resident frozen on the kit's 32-bit interpreter
    (lib/ and firmware/ in its image), or None without the kit."""
    if board_files.why_unavailable("esp8266"):
        return None
    r = subprocess.run([str(board_files.KIT_BIN), "-X", "heapsize=1M", "-c", _SCRIPT,
                        *modules], capture_output=True, text=True,
                       env={"MICROPYPATH": ".frozen"}, check=True)
    return {ln.split()[0]: int(ln.split()[1]) for ln in r.stdout.splitlines()
            if not ln.startswith("qstr pool:")}


def main(argv):
    names = argv or list(STACKS)
    modules = [m for s in names for m in STACKS[s]]
    frozen = measure_frozen(modules) or {}
    total = 0
    print("%-30s %7s %8s %6s %7s %7s" % ("module", "bytes", "total", "qstrs", "q-bytes",
                                         "frozen" if frozen else ""))
    for m, d, t, qn, qb in measure(modules):
        f = "%7d" % frozen[m] if m in frozen else ""
        print("%-30s %7d %8d %6d %7d %s" % (m, d, t, qn, qb, f))
        total = t
    print("%-30s %7s %8d %6s %7s %7s" % ("total", "", total, "", "",
                                         sum(frozen.values()) if frozen else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
