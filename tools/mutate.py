"""Mutation testing of the security- and reliability-critical modules (cosmic-ray, pinned in
tools/requirements-mutate.txt, in its own venv): `make mutate [MUTATE=lib/backoff.py ...]`.

Each module is mutated in a copy of the working tree under build/mutate/tree (never in
place), one module and one mutant at a time, and judged by its own CPython tests only (the
MicroPython suite is too slow to run per mutant). Prints the kill rate per module and writes
build/mutate/report.md with every surviving mutant's diff.

Usage: python tools/mutate.py [--venv DIR] [--out DIR] [MODULE ...]
"""

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# module -> the CPython tests that judge it (kept small: each runs once per mutant)
MODULES = {
    "lib/hmac_sha256.py": ["tests/portable/test_hmac_sha256.py",
                           "tests/portable/test_sinric_codec.py"],
    "lib/backoff.py": ["tests/portable/test_backoff.py"],
    "lib/yango/answer.py": ["tests/portable/test_yango_answer.py",
                            "tests/portable/test_yango_notifier.py"],
    "lib/sinric/codec.py": ["tests/portable/test_sinric_codec.py",
                            "tests/portable/test_sinric_refusals.py"],
    "lib/sinric/dispatch.py": ["tests/portable/test_sinric_refusals.py",
                               "tests/portable/test_sinric_requests.py"],
    "lib/sinric/event_limiter.py": ["tests/portable/test_event_limiter.py",
                             "tests/portable/test_sinric_events.py"],
    "lib/sinric/client.py": ["tests/host/test_sinric_link.py",
                             "tests/portable/test_sinric_events.py"],
    "firmware/persist.py": ["tests/portable/test_persist.py", "tests/host/test_persist_run.py"],
    "lib/net/frame.py": ["tests/portable/test_ws_frame.py", "tests/host/test_ws_mask_key.py"],
}
# Binary operators are swapped within their family (+ - * / // % **, and & | ^ << >>); a swap
# across families (+ into |, >> into %) mostly yields the same value on the small
# non-negative ints here and would triple the run on a shared 2-core machine.
_ARITH = "(Add|Sub|Mul|Div|FloorDiv|Mod|Pow)"
_BITS = "(BitOr|BitXor|BitAnd|LShift|RShift)"
EXCLUDE_OPERATORS = ["core/ReplaceBinaryOperator_%s_%s$" % (_ARITH, _BITS),
                     "core/ReplaceBinaryOperator_%s_%s$" % (_BITS, _ARITH)]
# module -> the functions mutated ("Class.method" or "function"); absent: the whole module.
# Mutants elsewhere in the file are skipped (cr-filter-lines), so the big modules cost only
# their critical part: the signature check, the replay and age rules, the keep-alive/backoff.
SCOPE = {
    "lib/sinric/codec.py": ["parse_timestamp", "Codec.verify", "Codec.sign", "check_payload"],
    "lib/sinric/dispatch.py": ["Dispatcher.handle", "Dispatcher._request"],
    "lib/sinric/client.py": ["SinricClient.run", "SinricClient._pong", "SinricClient._pump",
                             "SinricClient.watch_ms"],
}
TIMEOUT_S = 30  # per mutant; a mutant that hangs the tests counts as killed


def copy_tree(root, dst):
    """The working tree of root as it is (tracked and new files, not ignored ones) into dst."""
    if dst.exists():
        shutil.rmtree(dst)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                           capture_output=True, check=True).stdout.split(b"\0")
    for f in files:
        if not f:
            continue
        src = root / f.decode()
        if src.is_file():
            out = dst / f.decode()
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out)


def line_ranges(path, names):
    """["first-last", ...] source lines of the named functions/methods of a module."""
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[node.name + "." + sub.name] = sub
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit("%s: no %s (update SCOPE in tools/mutate.py)" % (path, missing))
    return ["%d-%d" % (found[n].lineno, found[n].end_lineno) for n in names]


def test_command(tests):
    """Portable tests through run_portable (plain functions: no pytest start-up, which would
    be most of each mutant's time), then any host tests through pytest."""
    portable = [t for t in tests if t.startswith("tests/portable/")]
    host = [t for t in tests if t not in portable]
    cmds = []
    if portable:
        cmds.append("%s -B %s --run-portable %s" % (
            sys.executable, Path(__file__).resolve(), " ".join(Path(t).stem for t in portable)))
    if host:
        cmds.append("%s -B -m pytest -x -q %s" % (sys.executable, " ".join(host)))
    return " && ".join(cmds)


def run_portable(names):
    """Run the test_* functions of tests/portable modules; exit 1 at the first failure."""
    # A plain interpreter in the mutated copy (cwd), not pytest: the path pytest gets from
    # pyproject.toml, so the test modules and the mutated lib/ import by name.
    for p in ("tests/host", "tests/portable", ".", "lib"):
        sys.path.insert(0, str(Path.cwd() / p))
    for name in names:
        mod = __import__(name)
        for fn in sorted(n for n in dir(mod) if n.startswith("test_")):
            try:
                getattr(mod, fn)()
            except Exception as e:  # noqa: BLE001 - any failure kills the mutant
                print("FAIL %s.%s: %r" % (name, fn, e))
                sys.exit(1)
    return 0


def run_module(module, tests, venv, out, root=ROOT):
    tree = out / "tree"
    copy_tree(root, tree)
    tests = [t for t in tests if (tree / t).exists()]  # an older tree may lack some
    if not tests:
        raise SystemExit("%s: none of its tests exist in %s" % (module, root))
    name = module.replace("/", "_").removesuffix(".py")
    cfg = out / (name + ".toml")
    session = out / (name + ".sqlite")
    session.unlink(missing_ok=True)
    text = ('[cosmic-ray]\nmodule-path = "%s"\ntimeout = %d\nexcluded-modules = []\n'
            'test-command = "%s"\n\n[cosmic-ray.distributor]\nname = "local"\n'
            % (module, TIMEOUT_S, test_command(tests)))
    text += "\n[cosmic-ray.filters.operators-filter]\nexclude-operators = %s\n" % (
        json.dumps(EXCLUDE_OPERATORS))
    if module in SCOPE:
        text += '\n[cosmic-ray.filters.line-filter]\nlines = { "%s" = %s }\n' % (
            module, json.dumps(line_ranges(tree / module, SCOPE[module])))
    cfg.write_text(text)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # no stale .pyc of a mutant
    base = subprocess.run(test_command(tests), shell=True, cwd=tree, env=env,
                          capture_output=True, text=True)
    if base.returncode:
        raise SystemExit("%s: its tests fail before any mutation:\n%s" % (module, base.stdout))
    cr = str(venv / "bin" / "cosmic-ray")
    subprocess.run([cr, "init", str(cfg), str(session)], cwd=tree, env=env, check=True)
    subprocess.run([str(venv / "bin" / "cr-filter-operators"), str(session), str(cfg)],
                   cwd=tree, env=env, check=True)
    if module in SCOPE:
        subprocess.run([str(venv / "bin" / "cr-filter-lines"), "--config", str(cfg),
                        str(session)], cwd=tree, env=env, check=True)
    subprocess.run([cr, "exec", str(cfg), str(session)], cwd=tree, env=env, check=True)
    dump = subprocess.run([cr, "dump", str(session)], cwd=tree, env=env, check=True,
                          capture_output=True, text=True).stdout
    killed, survivors, other = 0, [], 0
    for line in dump.splitlines():
        item, result = json.loads(line)
        outcome = (result or {}).get("test_outcome")
        if (result or {}).get("worker_outcome") == "skipped":
            continue  # outside SCOPE, or an excluded operator
        if outcome == "killed":
            killed += 1
        elif outcome == "survived":
            m = item["mutations"][0]
            survivors.append((m["operator_name"], m["start_pos"], result.get("diff", "")))
        else:
            other += 1  # incompetent (the mutant does not even import) or not run
    return killed, survivors, other


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--run-portable"]:
        return run_portable(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", default=str(ROOT / "build" / "mutate-venv"))
    ap.add_argument("--out", default=str(ROOT / "build" / "mutate"))
    ap.add_argument("--root", default=str(ROOT),
                    help="the checkout to mutate (default: this one), e.g. an older commit's")
    ap.add_argument("modules", nargs="*")
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    mods = args.modules or list(MODULES)
    rows, report = [], ["# Mutation testing (cosmic-ray)", ""]
    for mod in mods:
        if mod not in MODULES:
            raise SystemExit("%s: not a module make mutate knows (%s)" % (mod, ", ".join(MODULES)))
        print("mutate: %s ..." % mod, flush=True)
        killed, survivors, other = run_module(mod, MODULES[mod], Path(args.venv).resolve(), out,
                                              Path(args.root).resolve())
        total = killed + len(survivors)
        rate = 100.0 * killed / total if total else 100.0
        rows.append((mod, total, killed, len(survivors), other, rate))
        print("mutate: %s: %d of %d mutants killed (%.1f %%)" % (mod, killed, total, rate),
              flush=True)
        report += ["## %s: %d/%d killed (%.1f %%)" % (mod, killed, total, rate), ""]
        for op, pos, diff in survivors:
            report += ["- survived: %s at line %s" % (op, pos[0]), "```diff", diff.strip(),
                       "```"]
        report.append("")
    table = ["| module | mutants | killed | survived | not run | kill rate |",
             "|---|---:|---:|---:|---:|---:|"]
    table += ["| %s | %d | %d | %d | %d | %.1f %% |" % r for r in rows]
    (out / "report.md").write_text("\n".join(report[:2] + table + [""] + report[2:]) + "\n")
    print("\n".join(table))
    print("survivors and their diffs: %s" % (out / "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
