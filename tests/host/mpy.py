"""Run code under the real MicroPython interpreter from CPython tests."""

import os
import subprocess

from tools.board_files import MICROPYTHON, ROOT  # noqa: F401 - both used via mpy

# lib/ and the repo root (for the firmware package), then the portable test helpers.
DEFAULT_PATH = ["lib", ".", "tests/portable"]


def mp_env(extra_path=(), env=None):
    e = dict(os.environ)
    e["MICROPYPATH"] = ":".join([str(ROOT / p) for p in list(extra_path) + DEFAULT_PATH]
                                + [".frozen"])  # frozen modules (asyncio) as on the board
    if env:
        e.update(env)
    return e


def mp_cmd(script, *args, heap="40wK"):
    # 40wK, as the portable suite's 64-bit run (Makefile HEAP): the ESP8266's 38 KB is held by
    # the kit's 32-bit frozen interpreter
    return [str(MICROPYTHON), "-X", "heapsize=" + heap, str(script), *map(str, args)]


def run_mp(script, *args, heap="38wK", extra_path=(), env=None, timeout=60, input=None):
    """Run a script file; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(mp_cmd(script, *args, heap=heap), cwd=ROOT, env=mp_env(extra_path, env),
                          capture_output=True, text=True, timeout=timeout, input=input)


def spawn_mp(script, *args, heap="38wK", extra_path=(), env=None, **kw):
    """Start a script in the background (Popen, text stdout, stderr merged)."""
    return subprocess.Popen(mp_cmd(script, *args, heap=heap), cwd=ROOT,
                            env=mp_env(extra_path, env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)
