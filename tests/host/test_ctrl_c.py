"""Ctrl-C on a long host command the README names stops it with one line, never a traceback.

`make bench`, `make bench-sinric`, `make yango-bench` and `make mem` printed a page of
asyncio/subprocess traceback when interrupted. Each is started as the Makefile starts it, in
its own process group, and gets SIGINT on that group (what a terminal's Ctrl-C sends) once it
has printed its first line.
"""

import os
import signal
import subprocess
import sys

import pytest
from mpy import ROOT

HANG = 120  # s: hang guard, never a speed assertion
HOST_PATH = os.pathsep.join((str(ROOT), str(ROOT / "tests" / "host")))
COMMANDS = {
    "bench": ["-m", "tools.bench.run", "--json", "{tmp}/bench.json"],
    "bench-sinric": ["tests/bench/sinric_timing.py"],
    "yango-bench": ["tests/host/bench_yango.py"],
    "mem": ["-m", "tools.mem_profile", "--requests", "100"],
}


@pytest.mark.parametrize("target", sorted(COMMANDS))
def test_ctrl_c_is_one_line_not_a_traceback(target, tmp_path):
    argv = [sys.executable] + [a.format(tmp=tmp_path) for a in COMMANDS[target]]
    env = dict(os.environ, PYTHONPATH=HOST_PATH, PYTHONUNBUFFERED="1")
    p = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        first = p.stdout.readline()  # it is running (its first line), not still importing
        assert first
        os.killpg(p.pid, signal.SIGINT)
        err = first + p.communicate(timeout=HANG)[0]
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert "Traceback" not in err, err
    assert p.returncode == 130, (p.returncode, err)
    assert err.strip().splitlines()[-1] == "make %s: stopped (Ctrl-C)" % target
