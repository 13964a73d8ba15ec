import gc
import os
import sys

from support import MICROPYTHON

LIB = __file__.rsplit("/", 3)[0] + "/lib" if __file__.count("/") >= 3 else "lib"
# What a board keeps loaded per cloud while it runs (net.handshake/net.tls_context are loaded
# only for a moment). Each must fit a 38 KB
# heap on its own: an ESP8266 runs one cloud (Sinric over ws://); both need an ESP32.
SINRIC = ("sinric.client", "net.ws")
YANGO = ("yango.notifier", "net.http_client")


def _unload(before):
    for m in [m for m in sys.modules if m not in before]:
        del sys.modules[m]
    gc.collect()


def test_every_lib_module_imports_alone_in_a_small_heap():
    names = []
    for n in os.listdir(LIB):  # lib/*.py and the packages one level down (lib/net/*.py...)
        if n.endswith(".py"):
            names.append(n[:-3])
        elif "." not in n:
            names += [n + "." + m[:-3] for m in os.listdir(LIB + "/" + n) if m.endswith(".py")]
    names.sort()
    assert "sinric.codec" in names
    for n in names:
        before = set(sys.modules)
        __import__(n)
        _unload(before)


def _resident(names):
    before = set(sys.modules)
    gc.collect()
    free0 = gc.mem_free() if MICROPYTHON else 0
    for n in names:
        __import__(n)
    gc.collect()
    if MICROPYTHON:
        print("  resident %s: %d bytes used, %d bytes free"
              % ("+".join(names), free0 - gc.mem_free(), gc.mem_free()))
    _unload(before)


def test_resident_sinric_stack_fits():
    _resident(SINRIC)


def test_resident_yango_stack_fits():
    _resident(YANGO)
