"""A board for host-tool tests: the MicroPython unix port behind a pseudo-terminal (socat).

mpremote talks to it exactly as to a USB serial board (always with `resume`: a soft reset
would end the unix process). Its filesystem is either
- "dir": the process runs in a temp folder that stands for the board's root, so a test can
  read what arrived straight from disk; or
- "lfs" / "fat": a littlefs2 or FAT filesystem in RAM mounted at "/", the same VFS code the
  ESP ports run, with "/lib" on sys.path as on an ESP; read back through mpremote.
Killing socat is a cut cable: the pty closes and the interpreter dies with it.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

from mpy import MICROPYTHON

from tools.board_files import BIN
from tools.ptyboard import spawn_pty

HERE = Path(__file__).resolve().parent
MPREMOTE = BIN / "mpremote"

# Mounts a RAM block device at "/" before the REPL starts (run with `micropython -i`).
RAM_ROOT = """
import os, sys, vfs
class RAMBlockDev:
    def __init__(self, block_size, num_blocks):
        self.block_size = block_size
        self.data = bytearray(block_size * num_blocks)
    def readblocks(self, n, buf, off=0):
        a = n * self.block_size + off
        buf[:] = self.data[a:a + len(buf)]
    def writeblocks(self, n, buf, off=0):
        a = n * self.block_size + off
        self.data[a:a + len(buf)] = buf
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.block_size
        if op == 5:
            return self.block_size
        if op == 6:
            return 0
_bd = RAMBlockDev(512, 1024)
_fs = vfs.VfsFat if sys.argv[-1] == 'fat' else vfs.VfsLfs2
_fs.mkfs(_bd)
vfs.umount('/')
vfs.mount(_fs(_bd), '/')
os.chdir('/')
sys.path[:] = ['', '.frozen', '/lib']  # an ESP port's own path: mip installs to /lib
"""


def require_socat():
    if shutil.which("socat") is None:
        raise RuntimeError("socat is missing: run `make socat` (or `apt-get install socat`); "
                           "`make test` installs it")


class PtyBoard:
    def __init__(self, tmp, fs="dir", heap=None, script=None):
        require_socat()
        self.tmp = Path(tmp)
        self.fs = fs
        # An ESP8266-sized heap; a RAM filesystem needs room for its 512 KB block device
        # (the board files' sources are about 240 KB; a 4 MB ESP32 has about 2 MB of flash).
        self.heap = heap or ("38wK" if fs == "dir" else "1024wK")
        self.dir = self.tmp / "board"
        self.dir.mkdir(exist_ok=True)
        self.port = str(self.tmp / "ttyMP")
        self.script = script  # a program to run instead of the REPL
        self.proc = None

    def start(self):
        cmd = "%s -X heapsize=%s" % (MICROPYTHON, self.heap)
        env = dict(os.environ, MICROPYPATH=":.frozen:lib")
        if self.script:
            cmd += " %s" % self.script
        elif self.fs != "dir":
            script = self.tmp / "ram_root.py"
            script.write_text(RAM_ROOT)
            cmd += " -i %s %s" % (script, self.fs)
        self.proc = spawn_pty(self.port, cmd, self.dir, env)
        return self

    def cut(self):
        """Pull the cable: socat dies at once and the interpreter with its pty."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        # A killed socat leaves its link behind, pointing at a /dev/pts number the system may
        # hand to another process's terminal (another board): a cut cable must not lead there.
        if os.path.lexists(self.port):
            os.unlink(self.port)

    stop = cut

    def mpremote(self, *args, check=True, timeout=60):
        p = subprocess.run([str(MPREMOTE), "connect", self.port, "resume", *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode:
            raise AssertionError("mpremote %s failed: %s%s" % (args, p.stdout, p.stderr))
        return p

    def eval_json(self, expr, imports="import os, json"):
        out = self.mpremote("exec", "%s\nprint('@@' + json.dumps(%s))" % (imports, expr)).stdout
        return json.loads(out.split("@@", 1)[1])

    def read(self, path):
        """A file's bytes as the board has them (None if missing)."""
        if self.fs == "dir":
            p = self.dir / path
            return p.read_bytes() if p.exists() else None
        out = self.mpremote("exec", "import binascii\ntry:\n f = open(%r, 'rb')\n"
                            "except OSError:\n print('@@None')\nelse:\n"
                            " print('@@' + binascii.hexlify(f.read()).decode())" % path).stdout
        tail = out.split("@@", 1)[1].strip()
        return None if tail == "None" else bytes.fromhex(tail)

    def write(self, path, data):
        if self.fs == "dir":
            (self.dir / path).parent.mkdir(parents=True, exist_ok=True)
            (self.dir / path).write_bytes(data)
        else:
            self.mpremote("exec", "f = open(%r, 'wb'); f.write(%r); f.close()" % (path, data))

    def files(self):
        """{path: sha256 hex} of every file on the board (paths relative to its root)."""
        if self.fs == "dir":
            return {p.relative_to(self.dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in self.dir.rglob("*") if p.is_file()}
        from tools.board_link import info_script, parse_answer

        out = self.mpremote("exec", info_script((), ("",))).stdout
        hashes = parse_answer(out)["hashes"]
        return {k.lstrip("/"): v for k, v in hashes.items()}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cut()
