"""Host CLI for a real board: flash, erase, deploy, config, check-config, repl, logs.

usage: python -m tools.board <command> --help      (the Makefile wraps each command)
"""

import argparse
import os
import shlex
import subprocess
import sys
import time

from tools import config_check, config_push, deploy, flash
from tools.board_link import BoardError, Link, check_port


def run_flash(port, chip=None, firmware=None, baud=flash.DEFAULT_BAUD, erase=True,
              dry_run=False, detect=flash.detect_chip, runner=subprocess.run, log=print):
    """Check the image, then erase and write; returns the esptool argv lists that ran."""
    if chip:
        chip = flash.normalize_chip(chip)
    else:
        check_port(port)
        log("flash: detecting the chip on %s ..." % port)
        chip = detect(port)
        log("flash: found %s" % chip.upper())
    image = firmware or flash.default_image(chip)
    flash.check_image(image, chip)
    runs = flash.flash_commands(port, chip, image, baud, erase)
    for argv in runs:
        log("$ " + shlex.join(argv))
        if dry_run:
            continue
        check_port(port)
        if runner(argv).returncode != 0:
            raise flash.FlashError("esptool failed (above). If it could not connect, hold the "
                                   "BOOT button while it says 'Connecting...'.")
    if not dry_run:
        log("flash: done. Next: make deploy PORT=%s" % port)
    return runs


def run_erase(port, chip=None, baud=flash.DEFAULT_BAUD, runner=subprocess.run, log=print):
    check_port(port)
    argv = flash.erase_argv(port, flash.normalize_chip(chip) if chip else None, baud)
    log("$ " + shlex.join(argv))
    if runner(argv).returncode != 0:
        raise flash.FlashError("esptool failed (above)")
    return argv


def follow_logs(port, baud=115200, seconds=None, reset=False, out=sys.stdout):
    """Print the board's serial output with host timestamps; never writes to the board.

    DTR and RTS stay released (RTS low-high only with reset=True), so opening the port does
    not reset an ESP board through its auto-reset circuit.
    """
    import serial

    check_port(port)
    ser = serial.serial_for_url(port, baud, timeout=0.2, do_not_open=True)
    ser.dtr = False
    ser.rts = False
    ser.open()
    print("logs: waiting for %s to say something (Ctrl-C stops)%s"
          % (port, "" if reset else "; RESET=1 resets it first, for the boot log"),
          file=sys.stderr, flush=True)
    try:
        if reset:
            ser.rts = True
            time.sleep(0.1)
            ser.rts = False
        end = time.monotonic() + seconds if seconds else None
        pending = b""
        while end is None or time.monotonic() < end:
            pending += ser.read(256)
            *lines, pending = pending.split(b"\n")
            for line in lines:
                stamp = time.strftime("%H:%M:%S")
                out.write("%s | %s\n" % (stamp, line.rstrip(b"\r").decode("utf-8", "replace")))
            out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        ser.close()


def find_board(command, log=None):
    """No PORT given: the one USB board plugged in, else (not for flash/erase, which need a
    ROM bootloader) a running pty board, as `make install` finds it. BoardError when there is
    none or several, saying what to do."""
    from tools import install

    log = log or (lambda s: print(s.strip(), file=sys.stderr))
    pty = None if command in ("flash", "erase") else install.PTY_BOARD_PORT
    try:
        return install.find_port(pty_board=pty, log=log)
    except install.InstallError as e:
        raise BoardError(str(e)) from e


def _port(p):
    p.add_argument("--port", default=os.environ.get("PORT", ""),
                   help="serial port: /dev/ttyUSB0, /dev/ttyACM0, COM3, socket://host:port")


def _resume(p):
    p.add_argument("--resume", action="store_true",
                   help="no soft reset on connect (keeps a running program, as the unix "
                        "port needs)")


def parser():
    ap = argparse.ArgumentParser(prog="python -m tools.board", description=__doc__.strip())
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("flash", help="erase the chip and write a MicroPython image")
    _port(p)
    p.add_argument("--chip", help="esp8266, esp32, esp32s2, esp32s3, esp32c3 (detected if "
                                  "not given)")
    p.add_argument("--firmware", help="the .bin image (default images/<BOARD>.bin)")
    p.add_argument("--baud", type=int, default=flash.DEFAULT_BAUD)
    p.add_argument("--no-erase", action="store_true", help="write without erasing first")
    p.add_argument("--dry-run", action="store_true", help="check and print, run nothing")

    p = sub.add_parser("erase", help="erase the whole flash")
    _port(p)
    p.add_argument("--chip")
    p.add_argument("--baud", type=int, default=flash.DEFAULT_BAUD)

    p = sub.add_parser("deploy", help="compile and copy the changed board files")
    _port(p)
    _resume(p)
    p.add_argument("--source", action="store_true", help="copy .py source, no mpy-cross")
    p.add_argument("--prune", action="store_true",
                   help="remove files under :lib and :firmware the project does not have")
    p.add_argument("--dry-run", action="store_true", help="show what would change")
    p.add_argument("--frozen", action=argparse.BooleanOptionalAction, default=None,
                   help="the image from `make firmware` has lib/ and firmware/ frozen in: "
                        "copy boot.py and main.py only, remove :lib and :firmware; "
                        "--no-frozen: every file, in front of a frozen image too (neither: "
                        "the board is asked)")
    p.add_argument("--root", default=str(deploy.ROOT), help=argparse.SUPPRESS)

    p = sub.add_parser("config", help="validate a config and write it as :config.json")
    _port(p)
    _resume(p)
    p.add_argument("--config", default="config.json")

    p = sub.add_parser("check-config", help="validate a config without a board")
    p.add_argument("config", nargs="?", default="config.json")
    p.add_argument("--chip", choices=sorted(config_check.CHIP_PINS),
                   help="also check the pins against this chip")

    p = sub.add_parser("repl", help="the board's REPL (mpremote; Ctrl-] leaves)")
    _port(p)
    _resume(p)

    p = sub.add_parser("logs", help="follow the board's serial output (Ctrl-C stops)")
    _port(p)
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--seconds", type=float, help="stop after this long")
    p.add_argument("--reset", action="store_true", help="reset the board first (boot log)")
    return ap


def main(argv=None):
    args = parser().parse_args(argv)
    for name in ("firmware", "config"):  # make passes them quoted: expand ~ here
        if getattr(args, name, None):
            setattr(args, name, os.path.expanduser(getattr(args, name)))
    try:
        if getattr(args, "port", None) == "":
            args.port = find_board(args.command)
        if args.command == "flash":
            run_flash(args.port, args.chip, args.firmware, args.baud, not args.no_erase,
                      args.dry_run)
        elif args.command == "erase":
            run_erase(args.port, args.chip, args.baud)
        elif args.command == "deploy":
            deploy.deploy(Link(args.port, args.resume), args.root, not args.source,
                          args.prune, args.dry_run, frozen=args.frozen)
        elif args.command == "config":
            config_push.push(Link(args.port, args.resume), args.config)
        elif args.command == "check-config":
            _, cfg = config_check.load(args.config, chip=args.chip,
                                       warn=lambda w: print("warning: " + w))
            chip = args.chip or config_check.config_chip(cfg)
            print("%s is valid%s" % (args.config, " for " + chip if chip else ""))
        elif args.command == "repl":
            link = Link(args.port, args.resume)
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                raise BoardError("`make repl` needs a terminal (its input is not one): run it "
                                 "in a terminal window; to run code without one: "
                                 "mpremote connect %s exec '...'" % args.port)
            os.execvp(link.mpremote, link.argv(["repl"]))
        elif args.command == "logs":
            follow_logs(args.port, args.baud, args.seconds, args.reset)
    except (BoardError, flash.FlashError, config_check.ConfigError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped (Ctrl-C)", file=sys.stderr)
        return 130
    except OSError as e:  # pyserial's SerialException is one: a path that is no serial port
        print("error: cannot use %s: %s (is it the board's serial port?)"
              % (getattr(args, "port", "") or "the port", e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
