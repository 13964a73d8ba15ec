"""Flash MicroPython onto an ESP chip with esptool 5.

The command lines are built by functions (tested without hardware) and run as
`python -m esptool ...` so a user sees, and can repeat, exactly what ran. An image is
checked before the flash is erased: a missing file, a file that is not an ESP image, an
app-only image and an image built for another chip are refused with the download to fetch.
"""

import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = "images"  # where `make flash` looks when FIRMWARE is not given
DEFAULT_BAUD = 460800
DOWNLOAD = "https://micropython.org/download/%s/"

# chip -> (flash offset of the MicroPython image, micropython.org board, image chip id)
CHIPS = {
    "esp8266": (0x0, "ESP8266_GENERIC", None),
    "esp32": (0x1000, "ESP32_GENERIC", 0),
    "esp32s2": (0x0, "ESP32_GENERIC_S2", 2),
    "esp32s3": (0x0, "ESP32_GENERIC_S3", 9),
    "esp32c3": (0x0, "ESP32_GENERIC_C3", 5),
}
# image chip ids of chips we do not flash, so a wrong image is named, not just refused
OTHER_IMAGE_CHIPS = {12: "esp32c2", 13: "esp32c6", 16: "esp32h2", 18: "esp32p4"}
IMAGE_MAGIC = 0xE9
PARTITION_MAGIC = b"\xaa\x50"
PARTITION_TABLE = 0x8000  # where ESP-IDF builds put the partition table


class FlashError(Exception):
    pass


def normalize_chip(name):
    """'ESP32-S3' / 'esp32s3' / 'ESP32' -> our key; FlashError for chips we do not flash."""
    key = (name or "").lower().replace("-", "").replace("_", "")
    if key not in CHIPS:
        raise FlashError("chip %r is not supported: use one of %s" % (name, ", ".join(CHIPS)))
    return key


def default_image(chip):
    return Path(IMAGES) / ("%s.bin" % CHIPS[chip][1])


def download_hint(chip, image=None):
    board = CHIPS[chip][1]
    where = image or default_image(chip)
    return ("Download the MicroPython firmware for %s: open %s, take the latest release's "
            ".bin under 'Firmware' (not .app-bin, not .elf), save it as %s and run "
            "`make flash PORT=<port> FIRMWARE=%s`."
            % (chip.upper(), DOWNLOAD % board, where, where))


def image_chip(data):
    """The chip an ESP image was built for, 'esp8266' for a v1 image, None if unknown."""
    if len(data) < 24 or data[0] != IMAGE_MAGIC:
        return None
    chip_id = struct.unpack_from("<H", data, 12)[0]
    if data[8] == 0xEE:  # the extended header of ESP32-family images (WP pin 'disabled')
        for chip, (_, _, cid) in CHIPS.items():
            if cid == chip_id:
                return chip
        return OTHER_IMAGE_CHIPS.get(chip_id)
    entry = struct.unpack_from("<I", data, 4)[0]
    if 0x40100000 <= entry < 0x40110000:  # ESP8266 IRAM
        return "esp8266"
    return None


def check_image(path, chip):
    """Raise FlashError (saying what to download and where) unless `path` suits `chip`."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise FlashError("firmware image %s %s.\n%s" % (path, what, download_hint(chip, path)))
    data = path.read_bytes()
    if not data:
        raise FlashError("firmware image %s is empty.\n%s" % (path, download_hint(chip, path)))
    if data[0] != IMAGE_MAGIC:
        kind = "a UF2 file" if data[:4] == b"UF2\n" else "an ELF file" \
            if data[:4] == b"\x7fELF" else "an HTML page (a failed download?)" \
            if data.lstrip()[:1] == b"<" else "not an ESP image"
        raise FlashError("%s is %s: its first byte is 0x%02X, an ESP image starts with 0xE9.\n%s"
                         % (path, kind, data[0], download_hint(chip, path)))
    built_for = image_chip(data)
    if built_for and built_for != chip:
        raise FlashError("%s was built for %s but the board is %s.\n%s"
                         % (path, built_for.upper(), chip.upper(), download_hint(chip, path)))
    if chip != "esp8266":
        at = PARTITION_TABLE - CHIPS[chip][0]
        if data[at:at + 2] != PARTITION_MAGIC:
            raise FlashError("%s has no partition table at 0x%X: it looks like an app-only "
                             "image (.app-bin), which cannot boot a blank chip.\n%s"
                             % (path, PARTITION_TABLE, download_hint(chip, path)))
    return built_for


def esptool_base(port, chip=None, baud=DEFAULT_BAUD):
    argv = [sys.executable, "-m", "esptool"]
    if chip:
        argv += ["--chip", chip]
    return argv + ["--port", port, "--baud", str(baud)]


def erase_argv(port, chip=None, baud=DEFAULT_BAUD):
    return esptool_base(port, chip, baud) + ["erase-flash"]


def write_argv(port, chip, image, baud=DEFAULT_BAUD):
    argv = esptool_base(port, chip, baud) + ["write-flash"]
    if chip == "esp8266":
        argv.append("--flash-size=detect")
    return argv + ["0x%x" % CHIPS[chip][0], str(image)]


def flash_commands(port, chip, image, baud=DEFAULT_BAUD, erase=True):
    """The esptool runs of a flash: erase the whole chip, then write at the chip's offset."""
    chip = normalize_chip(chip)
    runs = [erase_argv(port, chip, baud)] if erase else []
    return runs + [write_argv(port, chip, image, baud)]


def detect_chip(port, baud=115200):
    """Ask the ROM bootloader which chip this is (esptool API); returns our chip key."""
    from esptool.cmds import detect_chip as esptool_detect

    try:
        esp = esptool_detect(port=port, baud=baud)
    except Exception as e:  # esptool raises FatalError and serial errors
        raise FlashError("could not detect the chip on %s: %s\nHold the BOOT button while "
                         "plugging the board in, or pass CHIP=esp32 (esp8266, esp32s2, "
                         "esp32s3, esp32c3)." % (port, e)) from e
    try:
        name = esp.CHIP_NAME
        esp.hard_reset()
    finally:
        esp._port.close()
    return normalize_chip(name)
