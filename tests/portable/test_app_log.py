# The board's log (firmware.app.log): every line printed, the lines that tell of a problem
# kept for the local page whether written in lower case, capitalised or upper case, and a
# line that tells of none (a change on each Sinric request) costs no allocation.
import gc

from oomlog import OomLog
from support import MICROPYTHON

from firmware import app


def test_problem_lines_are_kept_in_every_case_and_others_are_not():
    del app.errors[:]
    for line in ("lamp: on off -> on (Sinric request from portal)", "state: saved 1 device(s)",
                 "yango: sent 2 state(s)"):
        app.log(line)
    assert app.errors == []
    kept = ("sinric: refused setPowerState: Signature is invalid", "state: write failed (x)",
            "yango: ERROR: config: bad url", "Error: sensor", "app: crashed: OSError",
            "wifi: Not started", "HTTP Rejected", "INVALID value", "dht: Fail", "CRASH x",
            "x Refused", "x REJECTED", "x Invalid", "dht: FAIL", "x REFUSED", "x Crash",
            "x NOT STARTED", "x not started", "x rejected", "x invalid")
    for line in kept:
        app.log(line)
    assert app.errors == list(kept[-5:]), app.errors  # the last five
    app.log("x" * 200 + " error")
    assert app.errors[-1] == "x" * 160  # cut for the page
    del app.errors[:]


def test_a_line_without_a_problem_allocates_nothing():
    if not MICROPYTHON:  # CPython has no gc.mem_alloc
        return
    line = "lamp: on off -> on (Sinric request from portal)"
    gc.collect()
    gc.disable()
    try:
        a0 = gc.mem_alloc()
        app.log(line)
        used = gc.mem_alloc() - a0
    finally:
        gc.enable()
    # was 96 / 64 B (64-bit / 32-bit kit): a lower-cased copy of every line
    assert used == 0, used


def test_state_not_saved_on_a_full_heap_still_lets_the_reset_happen():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    from firmware import app

    class Store:
        def flush(self):
            raise MemoryError("memory allocation failed, allocating 128 bytes")

    class Held:  # what App._flush reads of the app
        store = Store()

    log, app.log = app.log, OomLog("app: state not saved: ")
    try:
        app.App._flush(Held())  # returns: the reset after it happens
        lines = app.log.lines
    finally:
        app.log = log
    assert lines == ["app: state not saved (out of memory)"]
