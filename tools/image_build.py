"""`make firmware CHIP=esp8266|esp32`: a flashable MicroPython image with manifest.py frozen in
(lib/, firmware/, asyncio, the port's own modules), built by MicroPython's own port build.

The image lands where `make flash` looks by default (images/<BOARD>.bin; a downloaded stock
image already there is kept as images/<BOARD>.stock.bin). Needs a full MicroPython v1.28.0
checkout (MPY_DIR, default build/micropython; the source kit has the ports only to read) and
the port's toolchain. When either is missing it prints what to install and the commands
MicroPython's port READMEs give (ports/esp8266/README.md, ports/esp32/README.md), and fails.
"""
import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "manifest.py"
IMAGES = ROOT / "images"
MPY_TAG = "v1.28.0"
IDF_VERSION = "v5.5.1"  # ports/esp32/README.md: the recommended ESP-IDF for 1.28
# chip -> (board, toolchain command that must be on PATH)
PORTS = {"esp8266": ("ESP8266_GENERIC", "xtensa-lx106-elf-gcc"),
         "esp32": ("ESP32_GENERIC", "idf.py")}


class BuildError(Exception):
    pass


def checkout_help(mpy_dir):
    return ("MicroPython %s source is missing at %s. Get it with:\n"
            "  git clone -b %s https://github.com/micropython/micropython.git %s\n"
            "  (or pass MPY_DIR=<your checkout>)" % (MPY_TAG, mpy_dir, MPY_TAG, mpy_dir))


def toolchain_help(chip, mpy_dir):
    """What to install for chip's port build, with the commands its README gives."""
    if chip == "esp8266":
        return (
            "The ESP8266 toolchain (xtensa-lx106-elf-gcc) is not on PATH. Per MicroPython's "
            "ports/esp8266/README.md, either use Docker (recommended there):\n"
            "  docker run --rm -v $HOME:$HOME -u $UID -w $PWD larsks/esp-open-sdk make -C "
            "%(d)s/mpy-cross\n"
            "  docker run --rm -v $HOME:$HOME -u $UID -w $PWD larsks/esp-open-sdk make -C "
            "%(d)s/ports/esp8266 -j BOARD=ESP8266_GENERIC FROZEN_MANIFEST=%(m)s\n"
            "or install the pre-built toolchain and run `make firmware CHIP=esp8266` again:\n"
            "  wget https://github.com/jepler/esp-open-sdk/releases/download/2018-06-10/"
            "xtensa-lx106-elf-standalone.tar.gz\n"
            "  tar zxvf xtensa-lx106-elf-standalone.tar.gz\n"
            "  rm xtensa-lx106-elf/bin/esptool.py\n"
            "  export \"PATH=$PWD/xtensa-lx106-elf/bin/:$PATH\""
            % {"d": mpy_dir, "m": MANIFEST})
    return (
        "ESP-IDF (idf.py) is not on PATH. Per MicroPython's ports/esp32/README.md "
        "(ESP-IDF %(v)s recommended; it also needs git, cmake, ninja, python3-venv):\n"
        "  git clone -b %(v)s --recursive https://github.com/espressif/esp-idf.git\n"
        "  cd esp-idf && ./install.sh esp32 && . ./export.sh && cd -\n"
        "then run `make firmware CHIP=esp32` again in that shell." % {"v": IDF_VERSION})


def commands(chip, mpy_dir):
    """The port build, as MicroPython's README gives it, with our manifest."""
    board = PORTS[chip][0]
    port = Path(mpy_dir) / "ports" / chip
    return [["make", "-C", str(Path(mpy_dir) / "mpy-cross")],
            ["make", "-C", str(port), "submodules", "BOARD=" + board],
            ["make", "-C", str(port), "-j2", "BOARD=" + board,
             "FROZEN_MANIFEST=" + str(MANIFEST)]]


def built_image(chip, mpy_dir):
    board = PORTS[chip][0]
    return Path(mpy_dir) / "ports" / chip / ("build-" + board) / "firmware.bin"


def check(chip, mpy_dir, which=shutil.which):
    """BuildError with the help text when the checkout or the toolchain is missing."""
    if chip not in PORTS:
        raise BuildError("CHIP must be one of %s (got %r)" % (", ".join(PORTS), chip))
    missing = []
    if not (Path(mpy_dir) / "ports" / chip / "Makefile").exists() or \
            not (Path(mpy_dir) / ".git").exists():
        missing.append(checkout_help(mpy_dir))
    if not which(PORTS[chip][1]):
        missing.append(toolchain_help(chip, mpy_dir))
    if missing:
        raise BuildError("\n".join(missing))


def build(chip, mpy_dir, runner=subprocess.run, log=print, which=shutil.which):
    """Build and install the image; returns its path under images/."""
    check(chip, mpy_dir, which)
    for argv in commands(chip, mpy_dir):
        log("firmware: " + " ".join(argv))
        if runner(argv).returncode:
            raise BuildError("firmware: the port build failed (above)")
    src = built_image(chip, mpy_dir)
    board = PORTS[chip][0]
    dest = IMAGES / (board + ".bin")
    IMAGES.mkdir(exist_ok=True)
    if dest.exists() and not (IMAGES / (board + ".ours")).exists():
        dest.rename(IMAGES / (board + ".stock.bin"))
        log("firmware: the stock image kept as images/%s.stock.bin" % board)
    shutil.copyfile(src, dest)
    (IMAGES / (board + ".ours")).write_text("built by make firmware\n")
    log("firmware: %s/%s (lib/ and firmware/ frozen). Next: make flash PORT=<port> CHIP=%s, "
        "then make deploy FROZEN=1 PORT=<port>" % (IMAGES.name, dest.name, chip))
    return dest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chip", choices=sorted(PORTS))
    ap.add_argument("--mpy-dir", default=os.environ.get("MPY_DIR") or
                    str(ROOT / "build" / "micropython"))
    args = ap.parse_args(argv)
    try:
        build(args.chip, args.mpy_dir)
    except BuildError as e:
        print(e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
