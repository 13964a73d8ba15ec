# Runs the portable tests under MicroPython, which has neither unittest nor pytest.
# usage: micropython tests/mp_run.py [module ...]   (default: every tests/portable/test_*.py)
# With several modules, each runs in its own interpreter (same heap size, from MP_HEAP,
# default 38wK): interned names are never freed, so one process for the whole suite would
# run out of a board-sized heap as the suite grows, and every file deserves a fresh board.
import gc
import os
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
PORTABLE = HERE + "/portable"
RESULTS = "build/mp_run.results"


def modules(argv):
    if argv:
        return [m[:-3] if m.endswith(".py") else m for m in argv]
    names = os.listdir(PORTABLE)
    return sorted(n[:-3] for n in names if n.startswith("test_") and n.endswith(".py"))


def run(name):
    if PORTABLE not in sys.path:  # after MICROPYPATH, so precompiled tests win
        sys.path.append(PORTABLE)
    passed = failed = 0
    mod = __import__(name)
    # the import's garbage (the .mpy loads) collected now, as after every test: the first
    # test ran in it, where what a test made early took the big holes and the collection
    # forced later freed only small ones (test_sinric_events' first test was one 592-byte
    # hole short with two more lines of code anywhere in lib/)
    gc.collect()
    for fn in sorted(n for n in dir(mod) if n.startswith("test_")):
        f = getattr(mod, fn)
        if not callable(f):
            continue
        try:
            f()
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every failure, keep going
            failed += 1
            print("FAIL %s.%s" % (name, fn))
            sys.print_exception(e)
        gc.collect()
    return passed, failed


def main():
    names = modules(sys.argv[1:])
    if len(names) == 1:
        passed, failed = run(names[0])
        if os.getenv("MP_RUN_CHILD"):
            with open(RESULTS, "w") as f:
                f.write("%d %d" % (passed, failed))
            return
    else:
        try:
            os.mkdir("build")
        except OSError:
            pass
        passed = failed = 0
        heap = os.getenv("MP_HEAP") or "38wK"
        for name in names:
            try:
                os.remove(RESULTS)
            except OSError:
                pass
            rc = os.system("MP_RUN_CHILD=1 %s -X heapsize=%s %s %s"
                           % (sys.executable, heap, __file__, name))
            try:
                with open(RESULTS) as f:
                    p, n = f.read().split()
                passed += int(p)
                failed += int(n)
            except OSError:
                failed += 1
                print("FAIL %s: the interpreter exited (status %d) before the tests ran"
                      % (name, rc))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
