# Runs the portable tests under MicroPython, which has neither unittest nor pytest.
# usage: micropython tests/mp_run.py [module ...]   (default: every tests/portable/test_*.py)
import gc
import os
import sys

HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
PORTABLE = HERE + "/portable"


def modules(argv):
    if argv:
        return [m[:-3] if m.endswith(".py") else m for m in argv]
    names = os.listdir(PORTABLE)
    return sorted(n[:-3] for n in names if n.startswith("test_") and n.endswith(".py"))


def main():
    sys.path.insert(0, PORTABLE)
    passed = failed = 0
    for name in modules(sys.argv[1:]):
        before = set(sys.modules)
        mod = __import__(name)
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
        # Unload what this test module imported, so each one starts from the same heap.
        for m in [m for m in sys.modules if m not in before]:
            del sys.modules[m]
        mod = f = None
        gc.collect()
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
