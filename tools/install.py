"""`make install`: from a board fresh out of its bag to a running device, in one command.

    python -m tools.install [--port P] [--chip C] [--firmware F] [--config config.json]
                            [--no-flash] [--until TEXT] [--seconds S]

Steps, each announced as "[n/7] ...":
1. config   check the config before anything touches the board (the chip from --chip or
            the config's board.chip also checks its pins);
2. port     --port, else the one USB serial adapter plugged in (CP210x, CH34x, FTDI, Espressif
            USB), else a running pty board (`make pty-board`);
3. image    --firmware, else the image `make firmware` built (images/<BOARD>.bin), else the
            official MicroPython image for the chip: version and sha256 pinned in IMAGES,
            downloaded once into build/images (base URL: --download-base or
            MICROPYTHON_DOWNLOAD_BASE);
4. flash    esptool erase + write (tools/flash.py); a pty board has no ROM bootloader, so
            the step shows the esptool command lines and skips them (and step 3 downloads
            nothing for it);
5. deploy   compile and copy the changed board files (tools/deploy.py);
6. config   write :config.json atomically (tools/config_push.py);
7. logs     reset the board and follow its log (Ctrl-C stops; --until stops at a line).

Why not mpflash: it finds images by reading micropython.org's download pages, with no hash
to check them against, and brings some twenty packages; the ports and images here are few
and fixed, and pyserial and esptool (already pinned) cover the rest.
"""

import argparse
import hashlib
import os
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools import config_check, config_push, deploy, flash
from tools.board_link import BoardError, Link, is_pty

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "images"
BUILT = ROOT / "images"  # where `make firmware` (tools/image_build) writes <BOARD>.bin
PTY_BOARD_PORT = ROOT / "build" / "pty-board" / "tty"
MICROPYTHON_VERSION = "1.28.0"
DOWNLOAD_BASE = "https://micropython.org/resources/firmware/"
# chip -> (image file under DOWNLOAD_BASE, its sha256). The hashes are those of the release's
# published images; a chip without one has no image we can vouch for: pass FIRMWARE=.
IMAGES = {
    "esp32": ("ESP32_GENERIC-20260406-v1.28.0.bin",
              "cd7820d02c35d34dd403b44263129c6a511b350aea8446c229890753fe240784"),
    "esp32s3": ("ESP32_GENERIC_S3-20260406-v1.28.0.bin",
                "8c6039d40024cae3c6b04bb434f77901548f5487df9789af15548c54f9e11d7f"),
    "esp32c3": ("ESP32_GENERIC_C3-20260406-v1.28.0.bin",
                "c749c22b6fe00cb8211a3b227ed6c0ce9babb518fd8f5a661f7496eb878fa895"),
    "esp32s2": ("ESP32_GENERIC_S2-20260406-v1.28.0.bin", None),
    "esp8266": ("ESP8266_GENERIC-20260406-v1.28.0.bin", None),
}
# USB vendor IDs of the serial adapters on ESP boards: Silicon Labs CP210x, WCH CH34x,
# FTDI, Espressif's own USB (S2/S3/C3 USB-Serial-JTAG)
USB_VIDS = {0x10C4: "CP210x", 0x1A86: "CH34x", 0x0403: "FTDI", 0x303A: "Espressif USB"}
STEPS = 7
# What fits from .mpy on a stock image (docs/memory.md, measured on the 32-bit profiles): on an
# ESP32 the demo config (4 devices, both clouds) keeps 13 % of the 112 KB heap at its lowest
# and the full example (11 devices, both clouds) does not fit; an ESP8266's 38 KB holds the
# firmware only frozen.
MPY_DEVICES_WITH_BOTH_CLOUDS = 4


def mpy_fit_warning(cfg, chip):
    """A warning (str) when cfg is more than was measured to fit from .mpy (the stock image)
    on chip ("esp32" | "esp8266" | None), else None."""
    frozen = "`make firmware CHIP=%s`, then `make install` again" % (chip or "esp32")
    if chip == "esp8266":
        return ("an ESP8266 runs this firmware only frozen into its image: from .mpy its 38 KB "
                "heap cannot load it (docs/memory.md); build it with " + frozen)
    n = len(cfg.get("devices") or ())
    if chip == "esp32" and cfg.get("sinric") and cfg.get("yango") \
            and n > MPY_DEVICES_WITH_BOTH_CLOUDS:
        return ("%d devices with both clouds from .mpy on the stock ESP32 image: the demo's %d "
                "keep 13 %% of the heap, the full example's 11 do not fit (the Yango service "
                "is left out, Sinric runs out of memory at each connect; docs/memory.md). "
                "Frozen, the full example keeps 51 %%: %s"
                % (n, MPY_DEVICES_WITH_BOTH_CLOUDS, frozen))
    return None


class InstallError(Exception):
    """A step that cannot go on: one message saying what to do."""


def find_port(comports=None, pty_board=PTY_BOARD_PORT, log=print):
    """The serial port of the one board there is; InstallError when none or several."""
    if comports is None:
        from serial.tools.list_ports import comports as list_ports

        comports = list_ports()
    boards = [p for p in comports if getattr(p, "vid", None) in USB_VIDS]
    if len(boards) == 1:
        p = boards[0]
        log("      found %s (%s, %s)" % (p.device, USB_VIDS[p.vid], p.description or "?"))
        return p.device
    if len(boards) > 1:
        raise InstallError("several boards are plugged in (%s): pick one with PORT="
                           % ", ".join(p.device for p in boards))
    if pty_board and os.path.exists(pty_board):
        log("      no USB board; found the pty board at %s" % pty_board)
        return str(pty_board)
    others = ", ".join(p.device for p in comports) or "none"
    raise InstallError("no board found (serial ports: %s). Plug the board in with a data "
                       "cable (some carry power only), or pass PORT=; without hardware, "
                       "start `make pty-board` first" % others)


def config_chip(config):
    """The chip named in the config's board.chip, normalized; None when it names none."""
    chip = config_check.config_chip(config)
    if not chip:
        return None
    try:
        return flash.normalize_chip(chip)
    except flash.FlashError as e:
        raise InstallError("board.chip in the config: %s" % e) from e


def fetch_image(chip, base=None, cache=None, log=print, images=None):
    """The pinned official image for `chip`, from the cache or downloaded and checked."""
    images = images or IMAGES
    if chip not in images:
        raise InstallError("no MicroPython image is pinned for %s: pass FIRMWARE=<image.bin>"
                           % chip)
    name, sha = images[chip]
    base = base or os.environ.get("MICROPYTHON_DOWNLOAD_BASE") or DOWNLOAD_BASE
    url = base.rstrip("/") + "/" + name
    if not sha:
        raise InstallError("no sha256 is pinned for the %s image yet, so it is not downloaded "
                           "blind: fetch %s yourself and pass FIRMWARE=<that file>"
                           % (chip.upper(), url))
    cache = Path(cache or CACHE)
    path = cache / name
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
        log("      %s (cached, sha256 checked)" % path)
        return path
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    log("      downloading %s" % url)
    try:
        with urllib.request.urlopen(url, timeout=60) as r, open(tmp, "wb") as f:
            total = int(r.headers.get("Content-Length") or 0)
            got, shown = 0, -1
            while True:
                chunk = r.read(65536)
                if not chunk:
                    break
                f.write(chunk)
                got += len(chunk)
                tenth = got * 10 // total if total else -1
                if tenth != shown and total:
                    shown = tenth
                    log("      %3d%% of %d bytes" % (got * 100 // total, total))
    except (urllib.error.URLError, OSError) as e:
        tmp.unlink(missing_ok=True)
        reason = getattr(e, "reason", None) or e
        raise InstallError("could not download %s: %s. Check the network, or download it by "
                           "hand and pass FIRMWARE=<file>" % (url, reason)) from e
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    if digest != sha:
        tmp.unlink(missing_ok=True)
        raise InstallError("%s has sha256 %s, not the pinned %s: not flashing it (a broken "
                           "download or a changed file)" % (url, digest, sha))
    os.replace(tmp, path)
    log("      saved %s (sha256 %s… checked)" % (path, sha[:12]))
    return path


def wait_for_repl(port, seconds=20, log=print):
    """After a flash the board boots MicroPython: wait until its REPL answers."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            Link(port, timeout=10).run(["exec", "print(1)"])
            return
        except BoardError as e:
            if time.monotonic() > deadline:
                raise InstallError("the board on %s does not answer after the flash: %s"
                                   % (port, str(e).splitlines()[0])) from e
        time.sleep(1)


def follow(port, until=None, seconds=None, reset=True, out=sys.stdout):
    """Reset the board through its REPL (works for USB and pty boards alike, with the port
    already open so no line is lost), then print its log. Returns True when `until` was seen.
    """
    import serial

    ser = serial.serial_for_url(port, 115200, timeout=0.2, do_not_open=True)
    ser.dtr = False
    ser.rts = False
    ser.open()
    seen = False
    try:
        if reset:
            ser.write(b"\r\x03\x03\r\x02\r")  # stop what runs; out of a raw REPL, if in one
            time.sleep(0.3)
            ser.reset_input_buffer()
            ser.write(b"import machine; machine.reset()\r")
        end = time.monotonic() + seconds if seconds else None
        pending = b""
        while end is None or time.monotonic() < end:
            try:
                pending += ser.read(256)
            except serial.SerialException:
                # a board on its chip's own USB (ESP32-S2/S3/C3) drops the port as it resets
                ser.close()
                ser = _reopen(port, end)
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.rstrip(b"\r").decode("utf-8", "replace")
                if line.endswith("import machine; machine.reset()"):
                    continue  # the REPL's echo of our own reset
                out.write("%s | %s\n" % (time.strftime("%H:%M:%S"), line))
                if until and until in line:
                    seen = True
            out.flush()
            if seen:
                break
    except KeyboardInterrupt:
        pass
    finally:
        ser.close()
    return seen


def _reopen(port, end, wait_s=15):
    """The port again once the board's USB is back (within wait_s, or until `end`)."""
    import serial

    deadline = time.monotonic() + wait_s
    while True:
        try:
            return serial.serial_for_url(port, 115200, timeout=0.2)
        except serial.SerialException:
            now = time.monotonic()
            if now > deadline or (end is not None and now > end):
                raise
            time.sleep(0.2)


def install(port=None, chip=None, firmware=None, config="config.json", do_flash=True,
            until=None, seconds=None, download_base=None, baud=flash.DEFAULT_BAUD,
            runner=subprocess.run, detect=flash.detect_chip, log=print):
    """The seven steps; returns True when the log was followed to its end (or `until`)."""
    def step(n, text):
        log("[%d/%d] %s" % (n, STEPS, text))

    step(1, "config: checking %s" % config)
    if Path(config).name == "config.example.json" or not Path(config).exists():
        raise InstallError("no config.json: copy config.example.json to config.json and put in "
                           "your Wi-Fi, Sinric Pro and Yango details (or pass CONFIG=path)")
    _, cfg = config_check.load(config)
    chip = flash.normalize_chip(chip) if chip else config_chip(cfg)
    if chip:
        config_check.load(config, chip=chip, warn=lambda w: log("      warning: " + w))
    log("      valid%s" % (", pins checked for " + chip if chip else
                           " (pins are checked once the chip is known)"))

    step(2, "port: %s" % (port or "looking for the board"))
    port = port or find_port(log=log)
    pty = is_pty(port)

    if not do_flash:
        step(3, "image: not needed (FLASH=0)")
        step(4, "flash: skipped (FLASH=0)")
    else:
        if not chip and pty:
            chip = "esp32"
            log("      the pty board imitates an ESP32")
        if not chip:
            step(3, "image: detecting the chip on %s" % port)
            chip = detect(port)
            log("      found %s" % chip.upper())
            config_check.load(config, chip=chip)
        else:
            step(3, "image: MicroPython for %s" % chip.upper())
        built = BUILT / flash.default_image(chip).name
        if firmware:
            image = Path(firmware)
        elif built.is_file():
            image = built
            log("      %s: the image `make firmware` built (FIRMWARE= for another)" % built)
        elif pty:
            # nothing is written to a pty board: a download would only cost time (and fail
            # offline); the esptool lines below name where the pinned image would be kept
            image = CACHE / IMAGES.get(chip, ("%s.bin" % chip.upper(),))[0]
            log("      not downloaded: %s is a pseudo-terminal board, nothing is flashed"
                % port)
        else:
            image = fetch_image(chip, download_base, log=log)
        if not pty or image.is_file():
            flash.check_image(image, chip)
            log("      %s is a %s image" % (image, chip.upper()))
        runs = flash.flash_commands(port, chip, image, baud)
        if pty:
            step(4, "flash: skipped: %s is a pseudo-terminal board (no ROM bootloader); a USB "
                    "board would get:" % port)
            for argv in runs:
                log("      $ " + shlex.join(argv))
        else:
            step(4, "flash: erasing and writing (about a minute)")
            for argv in runs:
                log("      $ " + shlex.join(argv))
                if runner(argv).returncode != 0:
                    raise InstallError("esptool failed (above). If it could not connect, hold "
                                       "the BOOT button while it says 'Connecting...'")
            log("      waiting for MicroPython to start")
            wait_for_repl(port, log=log)

    step(5, "deploy: board files")
    p = deploy.deploy(Link(port), log=lambda s: log("      " + s))  # frozen: asks the board
    warning = None if p.get("frozen") else mpy_fit_warning(cfg, chip)
    if warning:
        log("      warning: " + warning)
    step(6, "config: writing :config.json")
    config_push.push(Link(port), config, log=lambda s: log("      " + s))
    step(7, "logs: resetting the board and following its log (Ctrl-C stops)")
    seen = follow(port, until, seconds)
    if until and not seen:
        raise InstallError("the board did not print %r within %s s" % (until, seconds))
    return True


def parser():
    ap = argparse.ArgumentParser(prog="python -m tools.install", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", default=os.environ.get("PORT", ""),
                    help="serial port (default: the one board plugged in)")
    ap.add_argument("--chip", help="esp32, esp32s2, esp32s3, esp32c3, esp8266 (default: the "
                                   "config's board.chip, else detected)")
    ap.add_argument("--firmware", help="MicroPython image to flash (default: the pinned "
                                       "official one for the chip)")
    ap.add_argument("--config", default="config.json")
    ap.add_argument("--no-flash", action="store_true", help="keep the MicroPython on the board")
    ap.add_argument("--baud", type=int, default=flash.DEFAULT_BAUD)
    ap.add_argument("--download-base", help="where the pinned images are downloaded from")
    ap.add_argument("--until", help="stop following the log at a line containing this")
    ap.add_argument("--seconds", type=float, help="stop following the log after this long")
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        install(args.port or None, args.chip, args.firmware and os.path.expanduser(args.firmware),
                os.path.expanduser(args.config), not args.no_flash, args.until, args.seconds,
                args.download_base, args.baud)
    except (InstallError, BoardError, flash.FlashError, config_check.ConfigError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("install: stopped (Ctrl-C); run `make install` again to go on", file=sys.stderr)
        return 130
    except OSError as e:  # a serial port that is no serial port
        print("error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
