"""`make sim` (tools/sim/run.py as a program): Ctrl-C stops it cleanly, and a board never
outlives its runner."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from simhelp import config

ROOT = Path(__file__).resolve().parents[2]
# A firmware that cannot boot must fail the test, not hang it: the runner's whole process
# group is killed when the board is not online by then (generous: 2 cores under load).
ONLINE_TIMEOUT_S = 120


def boards_in(path):
    """Pids of processes whose working directory is path (the simulated board's files)."""
    pids = []
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and os.readlink(p / "cwd") == str(path):
                pids.append(int(p.name))
        except OSError:
            pass
    return pids


def start(tmp_path):
    cfg = tmp_path / "node.json"
    cfg.write_text(json.dumps(config()))
    board = tmp_path / "board"
    p = subprocess.Popen([sys.executable, "-m", "tools.sim.run", str(cfg), "--dir", str(board)],
                         cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    timer = threading.Timer(ONLINE_TIMEOUT_S, os.killpg, (p.pid, signal.SIGKILL))
    timer.start()
    try:
        for line in p.stdout:  # ends at EOF: the runner exited or the timer killed it
            lines.append(line)
            if "wifi: online" in line:
                break
    finally:
        timer.cancel()
    online = bool(lines) and "wifi: online" in lines[-1]
    assert online, "board not online within %d s:\n%s" % (ONLINE_TIMEOUT_S, "".join(lines))
    assert boards_in(board), "".join(lines)
    return p, board, lines


def wait_gone(board, timeout=10):
    deadline = time.monotonic() + timeout
    while boards_in(board) and time.monotonic() < deadline:
        time.sleep(0.05)
    return boards_in(board)


def test_ctrl_c_stops_runner_and_board(tmp_path):
    p, board, lines = start(tmp_path)
    assert any(line.startswith("[sim] control port 127.0.0.1:") for line in lines)
    os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 0 and out.rstrip().endswith("[sim] stopped")
    assert "Traceback" not in out
    assert wait_gone(board) == []
    assert (board / "config.json").exists()  # the board's files stay for the next run


def test_a_killed_runner_takes_the_board_with_it(tmp_path):
    p, board, _ = start(tmp_path)
    os.kill(p.pid, signal.SIGKILL)  # no cleanup at all: the board sees its stdin close
    p.wait(10)
    assert wait_gone(board) == []
