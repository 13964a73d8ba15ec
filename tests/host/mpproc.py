"""An asyncio handle on a MicroPython subprocess: write lines to its stdin, wait for lines."""

import asyncio
import json
import os
import re

from mpy import ROOT, mp_cmd, mp_env

from tools.board_files import compile_tree

HERE = ROOT / "tests" / "host"
MPY_LIB = ROOT / "build" / "mpy" / "lib"  # same place as `make mpy-lib`
# The Sinric stack from .mpy on the 64-bit host binary: 46wK, not an ESP8266's 38wK. The
# package names (net, sinric, net.ws, ...) are interned at run time from .mpy and tip the qstr
# table into one more pool (3.7 KB at once), and the code itself is in this heap (about 1 KB
# more since net.ws reads and writes a request without a coroutine: 44wK before). On an
# ESP8266 these modules are frozen (their names and code live in flash; the kit's 32-bit
# frozen interpreter holds the 38 KB line); an ESP32 has 112 KB. Near the line the reconnect
# after a lost link is at the mercy of where the first session left its long-lived objects
# (test_server_killed_and_restarted passed at 44wK and failed at 43.5 and 43.75wK before;
# it passes from 44.5 to 45.75wK now). 46wK since the log lines that must not end a task on
# a full heap (a short constant line where the detailed one does not fit, issue 11's fifth
# round): 608 bytes more of the Sinric stack's code in this heap, which a board has in flash
# (frozen). At 45wK the reconnects of five tests then ran out of a 263- or 640-byte hole, a
# different few in each full run; at 46wK two full runs and eight of the emoji test passed.
# One figure for the Sinric client's tests and its bench (make bench-sinric).
SINRIC_HEAP = os.environ.get("SINRIC_TEST_HEAP", "46wK")


def compile_lib():
    """lib/**.py -> build/mpy/lib/**.mpy where stale: the board runs .mpy, and compiling the
    Sinric stack from source does not fit in a 38wK heap."""
    compile_tree(ROOT / "lib", MPY_LIB)


class MpProc:
    """Collects every stdout line; wait_for() finds lines by regex, in order or not."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self._seen = 0  # lines before this index were consumed by next_json()
        self._changed = asyncio.Event()
        self._pump = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, script, *args, heap=SINRIC_HEAP, env=None, interp=None):
        """script (in tests/host) on the venv's MicroPython at heap, lib/ from .mpy; or on
        interp (a tools.board_files chip profile) at its own heap, lib/ frozen into it or
        from .mpy."""
        if interp is None or not interp.frozen:
            compile_lib()
        if interp is None:
            argv = mp_cmd(HERE / script, *args, heap=heap)
            env = mp_env([MPY_LIB.relative_to(ROOT)], env=env)
        else:
            argv = interp.argv(HERE / script, *args)
            env = interp.env(([] if interp.frozen else [MPY_LIB]) + [HERE], base=env)
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        return cls(proc)

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())

    async def wait_for(self, pattern, timeout=10, start=0):
        """First line at index >= start matching pattern (re.search); returns (index, match)."""
        rx = re.compile(pattern)
        i = start

        async def scan():
            nonlocal i
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return i, m
                    i += 1
                if self._pump.done():
                    raise AssertionError("process ended without %r:\n%s" % (pattern, self.text()))
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(scan(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError("no line matching %r within %s s:\n%s"
                                 % (pattern, timeout, self.text())) from None

    async def cmd(self, *args, timeout=15):
        """JSON command -> next JSON line (for mp_ws_probe.py)."""
        self.send(json.dumps(list(args)))
        i, _ = await self.wait_for(r"^\{", timeout, start=self._seen)
        self._seen = i + 1
        return json.loads(self.lines[i])

    def grep(self, pattern):
        rx = re.compile(pattern)
        return [ln for ln in self.lines if rx.search(ln)]

    def text(self):
        return "\n".join(self.lines[-80:])

    async def stop(self):
        if self.proc.returncode is None:
            try:
                self.proc.stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 3)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self._pump
