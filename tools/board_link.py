"""Talk to a board's raw REPL through the mpremote CLI.

Everything the host tools do on a board goes through `mpremote connect PORT ...`, so a user
can replay any step by hand. Scripts that run on the board are plain MicroPython (ESP8266
too: small buffers, no f-strings needed) and print one result line after MARK.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

MARK = "@@result "


class BoardError(Exception):
    """A failure to show the user as it is (one or a few lines, no traceback)."""


def mpremote_path():
    here = Path(sys.executable).parent / "mpremote"
    return str(here) if here.exists() else (shutil.which("mpremote") or "mpremote")


def _is_device_path(port):
    return "://" not in port and (port.startswith("/") or port.startswith("COM"))


def check_port(port):
    """Fail early, listing the serial ports there are, when a device path does not exist."""
    if not port:
        raise BoardError("no serial port given: pass PORT=/dev/ttyUSB0 (or the board's port)"
                         + _seen_ports())
    if _is_device_path(port) and not port.startswith("COM") and not os.path.exists(port):
        raise BoardError("serial port %s does not exist: is the board plugged in?%s"
                         % (port, _seen_ports()))


def _seen_ports():
    try:
        from serial.tools.list_ports import comports

        ports = sorted(p.device for p in comports())
    except Exception:  # noqa: BLE001 - listing is a courtesy only
        ports = []
    if not ports:
        return "\n  no serial ports found (check the USB cable: some carry power only)"
    return "\n  serial ports found: " + ", ".join(ports)


def is_pty(port):
    """True when `port` is a pseudo-terminal (the pty board, tools/ptyboard.py), never for a
    USB serial device: it has no ROM bootloader and its unix-port interpreter cannot soft-reset
    (a Ctrl-D in its raw REPL ends the process: ports/unix/main.c, shared/runtime/pyexec.c)."""
    try:
        real = os.path.realpath(port)
    except (OSError, TypeError, ValueError):
        return False
    return real.startswith("/dev/pts/")


class Link:
    """One board behind `port`; `resume` skips mpremote's soft reset (the unix port needs it,
    so a pseudo-terminal board always gets it).

    Without `resume` mpremote soft-resets the board when it enters the raw REPL: the running
    app stops and its memory is freed, and main.py does not run again until a reset.
    """

    def __init__(self, port, resume=False, mpremote=None, timeout=300):
        check_port(port)
        self.port = port
        self.pty = is_pty(port)
        self.resume = resume or self.pty
        self._settled = False
        self.mpremote = mpremote or mpremote_path()
        self.timeout = timeout

    def argv(self, *commands):
        """mpremote argv for commands, each a list of words, chained with '+'."""
        out = [self.mpremote, "connect", self.port]
        if self.resume:
            out.append("resume")
        for i, cmd in enumerate(commands):
            if i:
                out.append("+")
            out.extend(cmd)
        return out

    def settle(self, seconds=5):
        """A pty board only: stop the running program and wait for the REPL prompt.

        The unix port flushes pending input when its REPL puts the terminal in raw mode
        (tcsetattr TCSAFLUSH in ports/unix/unix_mphal.c), so mpremote's Ctrl-A, sent while the
        firmware is still stopping, would be lost and mpremote fail "could not enter raw repl".
        """
        import serial

        self._settled = True
        try:
            ser = serial.serial_for_url(self.port, 115200, timeout=0.1)
        except (serial.SerialException, OSError) as e:
            raise BoardError("cannot open %s: %s" % (self.port, e)) from e
        try:
            ser.write(b"\r\x03\x02")
            seen, end = b"", time.monotonic() + seconds
            while time.monotonic() < end:
                chunk = ser.read(256)
                seen = (seen + chunk)[-64:]
                if not chunk and seen.endswith(b">>> "):
                    return
                if not chunk:
                    ser.write(b"\r")  # ask for a fresh prompt
        finally:
            ser.close()

    def run(self, *commands, on_line=None):
        """mpremote's stdout; on_line(str) sees each line as it comes (progress)."""
        if self.pty and not self._settled:
            self.settle()
        argv = self.argv(*commands)
        if on_line is None:
            try:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
            except subprocess.TimeoutExpired as e:
                raise BoardError("mpremote did not finish in %d s on %s: is the board busy?"
                                 % (self.timeout, self.port)) from e
            out, err, rc = p.stdout, p.stderr, p.returncode
        else:
            out, err, rc = self._stream(argv, on_line)
        if rc != 0:
            tail = (out + err).strip().splitlines()[-6:]
            raise BoardError("mpremote failed on %s (exit %d):\n  %s"
                             % (self.port, rc, "\n  ".join(tail) or "no output"))
        return out

    def _stream(self, argv, on_line):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timer = threading.Timer(self.timeout, p.kill)
        timer.start()
        try:
            lines = []
            for line in p.stdout:
                lines.append(line)
                on_line(line.rstrip("\n"))
            err = p.stderr.read()
            rc = p.wait()
        finally:
            timer.cancel()
        if rc == -9:
            raise BoardError("mpremote did not finish in %d s on %s: is the board busy?"
                             % (self.timeout, self.port))
        return "".join(lines), err, rc

    def call(self, script, *more):
        """Run a board script that prints MARK + JSON; returns the decoded value.

        `more` are mpremote commands chained after the script in the same session.
        """
        out = self.run(["exec", script], *more)
        try:
            return parse_answer(out)
        except ValueError:
            pass
        raise BoardError("no answer from the board script on %s; it printed:\n  %s"
                         % (self.port, "\n  ".join(out.strip().splitlines()[-6:])))


def parse_answer(out):
    """The MARK + JSON value a board script printed, with its HASH_MARK lines as "hashes"."""
    result = None
    hashes = {}
    for line in out.splitlines():
        if line.startswith(MARK) and result is None:
            result = json.loads(line[len(MARK):])
        elif line.startswith(HASH_MARK):
            digest, path = line[len(HASH_MARK):].split(" ", 1)
            hashes[path] = None if digest == "-" else digest
    if result is None:
        raise ValueError("no answer")
    if isinstance(result, dict) and "hashes" in result:
        result["hashes"] = hashes
    return result


# Hashes files on the board in 512-byte pieces (small heaps), one line per file so that
# no answer grows with the number of files. Prints MARK + JSON, then HASH_MARK lines.
HASH_MARK = "@@hash "
HASH_FUNCS = """
import os, hashlib, binascii, json, sys
def _h(p):
    d = hashlib.sha256()
    b = bytearray(512)
    m = memoryview(b)
    try:
        f = open(p, 'rb')
    except OSError:
        return None
    try:
        while True:
            n = f.readinto(b)
            if not n:
                break
            d.update(m[:n])
    finally:
        f.close()
    return binascii.hexlify(d.digest()).decode()
def _walk(d, out):
    try:
        it = list(os.ilistdir(d))
    except OSError:
        return
    for e in it:
        p = d + '/' + e[0]
        if e[1] & 0x4000:
            _walk(p, out)
        else:
            out.append(p)
"""


def info_script(paths=(), walk=()):
    """Board facts plus the sha256 of `paths` and every file under the `walk` folders."""
    return HASH_FUNCS + """
_files = []
for _d in %r:
    _walk(_d, _files)
_m = ''
try:
    _m = os.uname().machine
except Exception:
    pass
print(%r + json.dumps({
    'mpy': getattr(sys.implementation, '_mpy', 0),
    'version': list(sys.implementation.version[:3]),
    'machine': _m, 'platform': sys.platform, 'hashes': 1}))
for _p in list(%r) + _files:
    print(%r + (_h(_p) or '-') + ' ' + _p)
""" % (list(walk), MARK, list(paths), HASH_MARK)
