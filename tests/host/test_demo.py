"""`make demo` (tools/demo/run.py): the whole scenario passes, and no process outlives it,
also when it is interrupted."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tools.demo.run import DEMO_HEAP, run_demo

ROOT = Path(__file__).resolve().parents[2]


def _gone(pid, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie not yet reaped is gone too
            if "\nState:\tZ" in Path("/proc/%d/status" % pid).read_text():
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


def test_demo_observes_every_step_and_stops_everything(tmp_path):
    lines = []
    s = run_demo(say=lines.append, logs=tmp_path)
    text = "\n".join(lines)
    assert len(s["steps"]) == 5
    assert s["heap"] == DEMO_HEAP and s["free"] > 0
    assert "GPIO 5 (relay) = 1: on" in text
    assert "GPIO 5 (relay) = 0: off" in text
    assert 'event setPowerState {"state":"Off"} cause=PHYSICAL_INTERACTION' in text
    assert "duty_u16 = 26214 of 65535" in text
    assert 'event motion {"state":"detected"}' in text
    assert "event currentTemperature" in text
    assert "yango:   outside float.temperature = 21.5" in text
    assert "problems: none" in text and "violations: none" in text
    assert s["sinric_events"] >= 3 and s["yango_requests"] >= 4
    pids = [int(p) for p in re.findall(r"\(pid (\d+)", text)]
    assert len(pids) == 3  # both doubles and the board
    assert all(_gone(p) for p in pids)
    for name in ("sinric.log", "yango.log", "board.log"):
        assert (tmp_path / name).read_text().strip()
    # the handshake still names the firmware version once the app released its config
    assert "firmwareVersion=1.0.0" in (tmp_path / "sinric.log").read_text()


def test_ctrl_c_stops_every_process():
    p = subprocess.Popen([sys.executable, "-m", "tools.demo.run"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    try:
        for line in p.stdout:
            out.append(line)
            if "simulated board (pid" in line:
                break
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = "".join(out) + rest
    assert p.returncode == 130, text
    assert "interrupted: every process stopped" in text
    pids = [int(x) for x in re.findall(r"\(pid (\d+)", text)]
    assert len(pids) == 3, text
    assert all(_gone(x) for x in pids), text
