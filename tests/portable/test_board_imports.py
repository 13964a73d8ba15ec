import gc
import os

from support import MICROPYTHON

LIB = __file__.rsplit("/", 3)[0] + "/lib" if __file__.count("/") >= 3 else "lib"


def test_every_lib_module_imports_in_a_small_heap():
    names = sorted(n[:-3] for n in os.listdir(LIB) if n.endswith(".py"))
    assert "sinric_codec" in names
    for n in names:
        __import__(n)
        gc.collect()
    if MICROPYTHON:
        # Under -X heapsize=38wK this leaves the rest of the ESP8266 budget for buffers.
        print("  lib imported: %d modules, %d bytes free" % (len(names), gc.mem_free()))
