import json
import os

from clock import Clock
from support import FakeTicks

from firmware.persist import StateStore


def _dir():
    d = "%s/persist-%s" % (os.getenv("TMPDIR") or "/tmp",
                           "".join("%02x" % b for b in os.urandom(4)))
    os.mkdir(d)
    return d


def _clean(d):
    for n in os.listdir(d):
        os.remove(d + "/" + n)
    os.rmdir(d)


def _store(d, interval_s=60, ticks=None):
    logs = []
    t = ticks or FakeTicks()
    s = StateStore(d + "/state.json", interval_s, logs.append, Clock(t))
    return s, logs, t


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_round_trip_through_the_file():
    d = _dir()
    try:
        s, logs, _ = _store(d)
        assert s.load() == {} and logs == []
        s.put("lamp", {"on": True, "level": 40})
        assert s.flush() is True
        s2, logs2, _ = _store(d)
        assert s2.load() == {"lamp": {"on": True, "level": 40}}
        assert s2.get("lamp") == {"on": True, "level": 40} and s2.get("fan") is None
        assert logs2 == [] and os.listdir(d) == ["state.json"]
    finally:
        _clean(d)


def test_writes_are_coalesced_to_one_per_interval():
    d = _dir()
    try:
        s, logs, t = _store(d, interval_s=60)
        s.load()
        assert s.due_in() == -1
        s.put("lamp", {"on": True})
        assert s.due_in() == 0  # the first change after a quiet spell goes out at once
        s.flush()
        s.put("lamp", {"on": False})
        t.advance(10000)
        s.put("lamp", {"on": True})
        s.put("fan", {"on": True})
        assert s.due_in() == 50000
        t.advance(49999)
        assert s.due_in() == 1
        t.advance(1)
        assert s.due_in() == 0
        s.flush()
        assert s.writes == 2 and s.due_in() == -1
        s2, _, _ = _store(d)
        assert s2.load() == {"lamp": {"on": True}, "fan": {"on": True}}
    finally:
        _clean(d)


def test_an_unchanged_value_is_not_a_change():
    d = _dir()
    try:
        s, _, _ = _store(d)
        s.load()
        v = {"on": True}
        s.put("lamp", v)
        s.flush()
        s.put("lamp", {"on": True})
        assert not s.dirty and s.flush() is False
        v["on"] = False  # the store kept a copy: changing the caller's dict changes nothing
        assert s.get("lamp") == {"on": True}
        s.put("lamp", v)
        assert s.dirty
    finally:
        _clean(d)


def test_interval_survives_the_tick_wrap():
    d = _dir()
    try:
        t = FakeTicks(start=(1 << 30) - 5000)
        s, _, _ = _store(d, interval_s=10, ticks=t)
        s.load()
        s.put("a", {"x": 1})
        s.flush()
        s.put("a", {"x": 2})
        t.advance(6000)  # wraps past zero
        assert s.due_in() == 4000
    finally:
        _clean(d)


def test_a_corrupt_file_is_ignored_with_a_log_line():
    for text in ('{"lamp": {"on": tr', "[1, 2]", '{"lamp": 5}', "", "\xff\xfe"):
        d = _dir()
        try:
            _write(d + "/state.json", text)
            s, logs, _ = _store(d)
            assert s.load() == {}
            assert len(logs) == 1 and logs[0].startswith("state: ") and "corrupt" in logs[0]
            assert "ignored" in logs[0]
            s.put("lamp", {"on": True})  # and the next write replaces it
            s.flush()
            s2, _, _ = _store(d)
            assert s2.load() == {"lamp": {"on": True}}
        finally:
            _clean(d)


def test_power_cut_between_temp_write_and_rename_keeps_the_old_state():
    d = _dir()
    try:
        s, _, _ = _store(d)
        s.load()
        s.put("lamp", {"on": False})
        s.flush()
        s.put("lamp", {"on": True})
        s._rename = lambda a, b: None  # the power goes right after the temp file is written
        s.flush()
        assert sorted(os.listdir(d)) == ["state.json", "state.json.tmp"]
        s2, logs, _ = _store(d)
        assert s2.load() == {"lamp": {"on": False}}  # old state, whole
        assert os.listdir(d) == ["state.json"] and logs == []
    finally:
        _clean(d)


def test_a_torn_temp_file_is_dropped():
    d = _dir()
    try:
        _write(d + "/state.json", json.dumps({"lamp": {"on": False}}))
        _write(d + "/state.json.tmp", '{"lamp": {"o')
        s, logs, _ = _store(d)
        assert s.load() == {"lamp": {"on": False}} and logs == []
        assert os.listdir(d) == ["state.json"]
    finally:
        _clean(d)


def test_a_complete_temp_file_is_used_when_the_main_one_is_gone():
    # FAT renames by removing the target first: a cut in between leaves only the temp file
    d = _dir()
    try:
        _write(d + "/state.json.tmp", json.dumps({"lamp": {"on": True}}))
        s, logs, _ = _store(d)
        assert s.load() == {"lamp": {"on": True}}
        assert logs == ["state: recovered from %s/state.json.tmp" % d]
    finally:
        _clean(d)


def test_a_failed_write_is_logged_and_retried_next_interval():
    d = _dir()
    try:
        s, logs, t = _store(d, interval_s=5)
        s.load()

        def full(a, b):
            raise OSError(28)  # ENOSPC

        s._rename = full
        s.put("lamp", {"on": True})
        assert s.flush() is False
        assert logs[-1].startswith("state: write failed") and "retry in 5 s" in logs[-1]
        assert s.dirty and s.due_in() == 5000
        s._rename = os.rename
        t.advance(5000)
        assert s.flush() is True and not s.dirty
    finally:
        _clean(d)


def test_retain_forgets_removed_devices():
    d = _dir()
    try:
        s, _, _ = _store(d)
        s.load()
        s.put("a", {"x": 1})
        s.put("b", {"x": 2})
        s.retain(("b",))
        s.flush()
        s2, _, _ = _store(d)
        assert s2.load() == {"b": {"x": 2}}
    finally:
        _clean(d)


def test_due_in_is_never_negative_and_the_log_counts_devices():
    d = _dir()
    try:
        s, logs, t = _store(d, interval_s=5)
        s.load()
        s.put("a", {"on": True})
        s.put("b", {"on": False})
        assert s.due_in() == 0 and s.flush()
        assert logs[-1] == "state: saved 2 device(s)"
        s.put("a", {"on": False})
        assert s.due_in() == 5000
        t.advance(4999)
        assert s.due_in() == 1
        t.advance(7000)
        assert s.due_in() == 0  # overdue is "now", not negative
        assert StateStore(d + "/x.json", log=logs.append,
                          clock=Clock(t)).interval_ms == 60000  # the default
    finally:
        _clean(d)


def test_poll_writes_only_when_a_write_is_due():
    """The app's monitor polls the store instead of running its write task."""
    d = _dir()
    try:
        s, logs, t = _store(d, interval_s=5)
        s.load()
        assert s.poll() is False and s.writes == 0  # nothing pending
        s.put("lamp", {"on": True})
        assert s.poll() is True and s.writes == 1  # the first change: at once
        s.put("lamp", {"on": False})
        t.advance(4999)
        assert s.poll() is False and s.writes == 1 and s.dirty  # within the interval
        t.advance(1)
        assert s.poll() is True and s.writes == 2 and not s.dirty
        s2, _, _ = _store(d)
        assert s2.load() == {"lamp": {"on": False}}
    finally:
        _clean(d)


def test_a_write_failing_on_a_full_heap_is_retried_with_a_short_line():
    # The write's MemoryError is caught to try again later; its line with the details did not
    # fit either, and that MemoryError ended the app's monitor (polls the store): a crash
    # and a restart. A short constant line now, and the write is retried.
    from oomlog import OomLog

    d = _dir()
    try:
        s, _, t = _store(d, interval_s=5)
        log = s._log = OomLog("state: write failed (MemoryError")
        s.load()

        def tight(a, b):
            raise MemoryError("memory allocation failed, allocating 128 bytes")

        s._rename = tight
        s.put("lamp", {"on": True})
        assert s.poll() is False and s.dirty
        assert log.lines == ["state: write failed (out of memory for the details); retrying"]
        s._rename = os.rename
        t.advance(5000)
        assert s.poll() is True and not s.dirty
    finally:
        _clean(d)
