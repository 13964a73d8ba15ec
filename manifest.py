# ruff: noqa: F821 - include/require/freeze/package are the manifest API, defined by the runner
# MicroPython manifest (https://docs.micropython.org/en/latest/reference/manifest.html):
# what is frozen into flash. One file serves the ESP ports (`make firmware CHIP=esp8266|esp32`)
# and the unix port (the ESP8266-profile test interpreter `make kit` builds).
# Frozen bytecode runs from flash and costs no heap to load: on an ESP8266 (38 KB heap) the
# firmware only fits frozen. boot.py and main.py stay on the filesystem: the ports run them
# from there (shared/runtime/pyexec.c), after the frozen _boot.py.

try:
    # The ESP ports' own base image (ports/*/boards/manifest.py: _boot.py, inisetup.py, the
    # networking bundle with ssl, dht, onewire, neopixel), as a stock image has it.
    include("$(PORT_DIR)/boards/manifest.py")
except Exception as e:  # noqa: BLE001 - the manifest API wraps every error in one type
    if not isinstance(e.__context__, FileNotFoundError):
        raise
    # The unix port has no boards/: the test interpreter needs ssl the way the ESP images
    # have it (the networking bundle above).
    require("ssl")

# ESP32's base manifest has asyncio already (include is idempotent); ESP8266's lacks it, and
# the 512 KB / 1 MB ESP8266 images ship without it: freezing it here makes every image whole.
include("$(MPY_DIR)/extmod/asyncio")

# lib/ imports by top-level name (on a board it sits in /lib, on sys.path); subfolders become
# packages. firmware/ is a package.
freeze("lib")
package("firmware")
