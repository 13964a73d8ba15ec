"""A board without hardware: the MicroPython unix port behind a pseudo-terminal.

    python -m tools.ptyboard [--port build/pty-board/tty] [--dir build/pty-board/fs]
                              [--heap 256wK] [--erase]           (what `make pty-board` runs)

Every host tool that takes PORT= works on it as on a USB board: `make install`, `deploy`,
`config`, `repl`, `logs`. Its flash is a folder (--dir, kept between runs; --erase starts
blank, a board fresh from the factory). Like a board it runs boot.py and main.py after every
reset, then gives the REPL; machine and network are the simulator's fakes (tools/sim/fakes),
so the firmware reaches the Sinric and Yango doubles on 127.0.0.1. Ctrl-C on the serial line
interrupts the running program (as on an ESP: tools/sim/pty_boot.py); machine.reset() and
the watchdog restart the interpreter without closing the port, as a USB-serial chip stays up
while the ESP resets.

It has no ROM bootloader: esptool cannot flash it, so `make install` skips that step (and
shows the esptool command a USB board would get). socat makes the pseudo-terminal.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tools.board_files import MICROPYTHON

ROOT = Path(__file__).resolve().parents[1]
BOOT = ROOT / "tools" / "sim" / "pty_boot.py"
DEFAULT_DIR = ROOT / "build" / "pty-board" / "fs"
DEFAULT_PORT = ROOT / "build" / "pty-board" / "tty"
# ESP32-class: the firmware with both clouds needs more than an ESP8266's 38 KB (docs/memory.md,
# Memory budget); the heap is that of the chip being imitated, not of the host.
DEFAULT_HEAP = "256wK"
# machine.reset_cause() values of the fake machine module (tools/sim/fakes/machine.py)
PWRON_RESET, WDT_RESET, SOFT_RESET = 1, 3, 5
RESET_EXIT = 75  # the fake machine.reset()'s fallback exit status
QUICK_EXITS = 5  # interpreter deaths within a second in a row before the board gives up


def reset_why(rc):
    """The interpreter's exit status -> why the board reset, in the words of a board's log
    ("exit -10" read like a crash: it is the fake machine.reset()'s SIGUSR1)."""
    if rc in (-signal.SIGUSR1, RESET_EXIT):
        return "machine.reset()"
    if rc == -signal.SIGKILL:
        return "watchdog"
    if rc == 0:
        return "the program ended (Ctrl-D or sys.exit)"
    if rc < 0:
        return "the interpreter died of signal %d" % -rc
    return "the interpreter exited with status %d" % rc


def power(board_dir, heap):
    """Runs ON the pseudo-terminal (socat's child): boot the interpreter, again after every
    reset. Never returns while the port is open."""
    from tools.sim.run import compile_mpy

    fakes = compile_mpy()[0]  # the fakes and the boot stub, precompiled; not lib/firmware
    cause, quick = PWRON_RESET, 0
    while True:
        env = dict(os.environ, MICROPYPATH=":".join((fakes, "", ".frozen", "lib")),
                   SIM_RESET_CAUSE=str(cause))
        t0 = time.monotonic()
        p = subprocess.Popen([str(MICROPYTHON), "-X", "heapsize=" + heap, "-i", str(BOOT)],
                             cwd=board_dir, env=env)
        rc = p.wait()
        quick = quick + 1 if time.monotonic() - t0 < 1 else 0
        if quick >= QUICK_EXITS:
            print("\r\npty board: the interpreter keeps dying (exit %s): powered off" % rc)
            return 1
        if rc == -signal.SIGKILL:
            cause = WDT_RESET
        else:  # machine.reset() (SIGUSR1 or RESET_EXIT), Ctrl-D, a crash: a reset as on an ESP
            cause = SOFT_RESET
        sys.stdout.write("\r\npty board: reset (%s)\r\n" % reset_why(rc))
        sys.stdout.flush()


def spawn_pty(port, cmd, cwd, env, stderr=False, session=False, wait_s=10):
    """socat with a pseudo-terminal linked at `port` (a path; a stale link there is replaced)
    and `cmd` on its other end (one string: socat's EXEC splits it on spaces, so no path in
    it may hold one); returns the socat Popen once the link exists. stderr: cmd's stderr goes
    to the terminal too. session: socat and cmd in a process group of their own (to stop them
    together). RuntimeError when socat ends or the link is not there within wait_s seconds.
    Also the bare-interpreter board of the host tests (tests/host/pty_board.py)."""
    if os.path.lexists(port):
        os.unlink(port)
    proc = subprocess.Popen(
        ["socat", "PTY,link=%s,raw,echo=0" % port,
         "EXEC:%s,pty,raw,echo=0%s" % (cmd, ",stderr" if stderr else "")],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=session)
    deadline = time.monotonic() + wait_s
    while not os.path.exists(port):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("socat did not create %s" % port)
        time.sleep(0.01)
    return proc


class PtyBoard:
    """The board as a process: start() makes the port, stop() pulls the cable."""

    def __init__(self, port=DEFAULT_PORT, board_dir=DEFAULT_DIR, heap=DEFAULT_HEAP,
                 erase=False):
        self.port, self.dir, self.heap = str(port), Path(board_dir), heap
        self.erase = erase
        self.proc = None

    def start(self):
        if shutil.which("socat") is None:
            raise SystemExit("error: socat is missing: run `make socat` (Debian: apt-get "
                             "install socat)")
        if self.erase and self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        Path(self.port).parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PTY_BOARD_DIR=str(self.dir), PTY_BOARD_HEAP=self.heap)
        # socat's EXEC splits on spaces: the paths travel in the environment instead; one
        # process group: socat, the power loop, the interpreter
        self.proc = spawn_pty(self.port, "%s -m tools.ptyboard --power" % sys.executable,
                              ROOT, env, stderr=True, session=True)
        return self

    def stop(self):
        if self.proc:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(3)
                    time.sleep(0.1)  # the power loop and the interpreter go with it
                except subprocess.TimeoutExpired:
                    pass
            self.proc.wait(5)
        if os.path.lexists(self.port):
            os.unlink(self.port)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.ptyboard", description=__doc__)
    ap.add_argument("--port", default=str(DEFAULT_PORT.relative_to(ROOT)),
                    help="where the serial port appears (a symlink)")
    ap.add_argument("--dir", default=str(DEFAULT_DIR.relative_to(ROOT)),
                    help="the board's flash (a folder)")
    ap.add_argument("--heap", default=DEFAULT_HEAP, help="MicroPython heap, e.g. 38wK, 256wK")
    ap.add_argument("--erase", action="store_true", help="start with an empty flash")
    ap.add_argument("--power", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.power:
        return power(os.environ["PTY_BOARD_DIR"], os.environ["PTY_BOARD_HEAP"])
    board = PtyBoard(args.port, args.dir, args.heap, args.erase)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))  # `kill` powers it off cleanly too
    board.start()
    print("pty board: serial port %s, flash %s (%s heap)%s" % (
        args.port, args.dir, args.heap, ", erased" if args.erase else ""))
    print("pty board: in another terminal: make install PORT=%s   (Ctrl-C here powers it off)"
          % args.port)
    try:
        while board.proc.poll() is None:
            time.sleep(0.5)
        print("pty board: socat ended (exit %s)" % board.proc.returncode)
        return 1
    except KeyboardInterrupt:
        print("pty board: powered off")
        return 0
    finally:
        board.stop()


if __name__ == "__main__":
    sys.exit(main())
