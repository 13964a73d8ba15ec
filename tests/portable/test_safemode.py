import os

from firmware import safemode
from firmware.safemode import CrashCounter, decide, in_safe_mode

PWRON, HARD, WDT, SOFT = 1, 2, 3, 5


class FakeRTC:
    def __init__(self, mem=b""):
        self.mem = mem
        self.writes = 0

    def memory(self, data=None):
        if data is None:
            return self.mem
        self.mem = bytes(data)
        self.writes += 1


def _path():
    return "%s/crashes-%s" % (os.getenv("TMPDIR") or "/tmp",
                              "".join("%02x" % b for b in os.urandom(4)))


def test_file_counter_round_trip():
    p = _path()
    c = CrashCounter(path=p)
    try:
        assert c.read() == (0, "")
        c.write(2, "ValueError('boom',)")
        assert CrashCounter(path=p).read() == (2, "ValueError('boom',)")
        c.clear()
        assert c.read() == (0, "")
    finally:
        os.remove(p)


def test_rtc_counter_is_used_when_the_port_has_rtc_memory():
    rtc = FakeRTC()
    c = CrashCounter(rtc, path="/nonexistent/never-written")
    assert c.read() == (0, "")
    c.write(1, "watchdog reset")
    assert c.read() == (1, "watchdog reset") and rtc.mem.startswith(b"SMc1")
    c.clear()
    assert c.read() == (0, "") and rtc.writes == 2
    c.clear()  # nothing to clear: no write
    assert rtc.writes == 2


def test_garbage_reads_as_zero():
    # RTC memory after a power-up holds whatever it holds
    for mem in (b"", b"\x00" * 16, b"SMc", b"XXXX\x05", b"\xff" * 40):
        assert CrashCounter(FakeRTC(mem)).read() == (0, "")
    assert CrashCounter(FakeRTC(b"SMc1\x02\xff\xfe")).read() == (2, "")  # torn reason


def test_a_long_reason_is_cut():
    rtc = FakeRTC()
    CrashCounter(rtc).write(1, "x" * 500)
    n, reason = CrashCounter(rtc).read()
    assert n == 1 and reason == "x" * 100


def test_counter_without_rtc_memory_uses_the_file():
    class NoMemory:
        pass

    p = _path()
    c = CrashCounter(NoMemory(), path=p)
    try:
        c.write(3)
        assert CrashCounter(path=p).read() == (3, "")
    finally:
        os.remove(p)


def test_a_person_at_the_board_clears_the_count():
    assert decide(3, PWRON, (PWRON, HARD), (WDT,)) == (0, None)
    assert decide(3, HARD, (PWRON, HARD), (WDT,)) == (0, None)


def test_automatic_resets_keep_the_count():
    assert decide(2, SOFT, (PWRON, HARD), (WDT,)) == (2, None)
    assert decide(2, WDT, (PWRON, HARD), (WDT,)) == (2, "watchdog reset")


def test_safe_mode_starts_at_the_limit():
    assert safemode.CRASH_LIMIT == 3
    assert not in_safe_mode(2) and in_safe_mode(3) and in_safe_mode(200)
