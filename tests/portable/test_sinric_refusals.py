# SinricClient.handle(): what is refused (and never actuated): bad signatures, garbage,
# malformed, stale and replayed requests.
from oomlog import OomLog
from sinric_rig import DEV, NOW, Rig


def test_bad_signature_is_answered_and_never_dispatched():
    r = Rig()
    raw = r.request("setPowerState", {"state": "On"}).replace('"On"', '"Off"')
    p = r.answer(raw)
    assert (p["success"], p["message"], p["replyToken"]) == (False, "Signature is invalid",
                                                             "token-1")
    assert r.acts == []
    assert r.logs[-1] == "sinric: refused setPowerState for %s: signature is invalid" % DEV
    missing = raw[: raw.rfind(',"signature"')] + "}"
    assert r.answer(missing)["message"] == "Signature is invalid"
    assert r.acts == [] and r.c.stats["refused"] == 2


def test_a_truncated_or_extended_hmac_is_refused():
    r = Rig()
    raw = r.request("setPowerState", {"state": "On"})
    i = raw.rfind('"HMAC":"') + 8
    mac = raw[i:-3]
    assert len(mac) == 44
    for bad in (mac[:43], mac[:32], mac[:1], mac + "A", mac[:-2] + "=="):
        if bad == mac:
            continue
        p = r.answer(raw[:i] + bad + raw[-3:])
        assert (p["success"], p["message"]) == (False, "Signature is invalid"), bad
    assert r.acts == []
    assert r.answer(raw)["success"]  # the whole, right HMAC still goes through


def test_garbage_is_dropped_with_a_log_line():
    r = Rig()
    for raw in (b"not json at all", b'{"payload":{"type":"request"', b"\xff\xfe", b"{}",
                b'{"header":{},"payload":[1],"signature":{"HMAC":"x"}}'):
        assert r.c.handle(raw) is None
        assert r.logs[-1].startswith("sinric: dropped message ("), r.logs[-1]
    assert r.acts == []


def test_signed_but_malformed_request_gets_a_failure():
    r = Rig()
    p = r.answer(r.request("setPowerState", "On"))
    assert (p["success"], p["message"]) == (False, "bad field: value must be an object")
    assert r.acts == []


def test_stale_request_is_refused():
    r = Rig()
    p = r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW - 61))
    assert (p["success"], p["message"]) == (False, "Request expired (61 s old)")
    assert r.logs[-1] == "sinric: refused setPowerState for %s: Request expired (61 s old)" % DEV
    p = r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW - 60))
    assert p["success"]  # exactly 60 s is still inside the window
    assert len(r.acts) == 1
    assert (r.c.stats["requests"], r.c.stats["refused"]) == (2, 1)


def test_replayed_request_is_refused_without_a_second_answer():
    r = Rig()
    raw = r.request("setPowerState", {"state": "On"})
    assert r.answer(raw)["success"]
    r.t.advance(5000)
    assert r.c.handle(raw.encode()) is None
    assert r.logs[-1] == ("sinric: refused setPowerState for %s: replayed replyToken token-1"
                          % DEV)
    assert len(r.acts) == 1


def test_replay_memory_holds_the_last_seen_tokens_not_only_the_last():
    r = Rig()
    r.c.seen_tokens = 16  # a smaller ring, same rule: 64 request texts kept here fill 38 KB
    r.c.on_request(DEV, lambda action, value, instance: value)  # keeps no record
    sent = [r.request("setPowerState", {"state": "On"}) for _ in range(r.c.seen_tokens)]
    for raw in sent:
        assert r.answer(raw)["success"]
    for raw in reversed(sent):  # every one of the last seen_tokens is still remembered
        assert r.c.handle(raw.encode()) is None
        assert "replayed replyToken" in r.logs[-1]
    assert r.c.stats["refused"] == r.c.seen_tokens


def test_a_replay_is_refused_however_many_requests_came_between():
    r = Rig()
    first = r.request("setPowerState", {"state": "On"})
    assert r.answer(first)["success"]
    for _ in range(r.c.seen_tokens - 1):  # the memory is now full, all inside the window
        r.t.advance(100)
        assert r.answer(r.request("setPowerState", {"state": "Off"}))["success"]
    assert r.c.handle(first.encode()) is None  # the old ring forgot it after 31 others
    assert r.logs[-1].endswith("replayed replyToken token-1")
    n = len(r.acts)
    # full: refusing is safe, forgetting is not
    p = r.answer(r.request("setPowerState", {"state": "On"}))
    assert (p["success"], p["message"]) == (False, "Too many requests: 64 within 60 s")
    assert r.logs[-1] == ("sinric: refused setPowerState for %s: replay memory full (64 "
                          "requests within 60 s)" % DEV)
    assert len(r.acts) == n
    assert r.c.handle(first.encode()) is None  # still remembered
    # once the first request is past the window its slot is free (its replay is stale)
    r.t.advance(54700)  # the clock reads NOW + 61
    p = r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW + 61))
    assert p["success"]
    p = r.answer(first)
    assert (p["success"], p["message"]) == (False, "Request expired (61 s old)")
    assert len(r.acts) == n + 1


def test_future_created_at_moves_the_clock_forward_only():
    r = Rig()
    r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW + 30))
    assert r.clock.now() == NOW + 30
    r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW + 10))
    assert r.clock.now() == NOW + 30


def test_replay_memory_keeps_working_for_days():
    r = Rig()
    assert r.answer(r.request("setPowerState", {"state": "On"}))["success"]
    for day in range(1, 3):
        r.t.advance(0xF000 * 1000)
        now = r.clock.now()
        raw = r.request("setPowerState", {"state": "On"}, createdAt=now - 10)
        assert r.answer(raw)["success"], day
        r.t.advance(40000)  # 50 s old: still fresh, so still remembered
        assert r.c.handle(raw.encode()) is None
        assert r.logs[-1].endswith("replayed replyToken token-%d" % (day + 1))


def test_request_from_the_future_is_refused_and_leaves_the_clock_alone():
    # the replayed user report: createdAt in milliseconds by mistake, then an hour ahead;
    # both are refused without acting, and the requests after them still work
    r = Rig()
    for ahead in (NOW * 1000 + 123 - NOW, 3600, 31):  # 30 s is the documented window
        created = NOW + ahead
        p = r.answer(r.request("setPowerState", {"state": "On"}, createdAt=created))
        assert (p["success"], p["message"]) == (
            False, "Request from the future (%d s ahead of the clock)" % ahead)
        assert r.logs[-1].startswith("sinric: refused setPowerState for %s: Request from "
                                     "the future" % DEV)
        assert r.clock.now() == NOW and r.acts == []
    p = r.answer(r.request("setPowerState", {"state": "Off"}, createdAt=NOW + 2))
    assert p["success"] and r.clock.now() == NOW + 2  # a little ahead: nudged, by that much
    assert r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW - 5))["success"]
    assert len(r.acts) == 2 and r.c.stats["refused"] == 3


def test_a_clock_even_one_second_ahead_of_ours_moves_it():
    r = Rig()
    r.answer(r.request("setPowerState", {"state": "On"}, createdAt=NOW + 1))
    assert r.clock.now() == NOW + 1


def test_requests_are_counted_once_each():
    r = Rig()
    for _ in range(3):
        r.answer(r.request("setPowerState", {"state": "On"}))
    assert (r.c.stats["requests"], r.c.stats["refused"]) == (3, 0)


def test_garbage_is_logged_with_its_first_80_bytes():
    r = Rig()
    junk = b"x" * 100
    assert r.c.handle(junk) is None
    assert r.logs[-1] == ("sinric: dropped message (not JSON: does not start with '{'): %r"
                          % junk[:80])


class _BrokenClock:
    def now(self):
        raise RuntimeError("clock broke")

    def sync(self, t, name=None):
        raise RuntimeError("clock broke")


def test_an_internal_error_is_logged_and_never_escapes():
    from sinric.dispatch import Dispatcher
    from sinric_rig import SECRET

    r = Rig()  # signs the request; the dispatcher under test gets a clock that fails
    logs = []
    d = Dispatcher(SECRET, _BrokenClock(), logs.append)
    d.on_request(DEV, r.handler)
    assert d.handle(r.request("setPowerState", {"state": "On"}).encode()) is None
    assert logs[-1] == "sinric: error RuntimeError: clock broke"


def test_an_internal_error_on_a_full_heap_is_logged_short_and_never_escapes():
    # the line with the error's details does not fit the heap either: a constant one does
    # (tests/portable/oomlog.py)
    from sinric.dispatch import Dispatcher
    from sinric_rig import SECRET

    r = Rig()
    log = OomLog("sinric: error RuntimeError")
    d = Dispatcher(SECRET, _BrokenClock(), log)
    d.on_request(DEV, r.handler)
    assert d.handle(r.request("setPowerState", {"state": "On"}).encode()) is None
    assert log.lines == ["sinric: error (out of memory for the details)"]


def test_tokens_whose_hash_is_small_are_no_replays_at_first_sight():
    r = Rig()
    for token in ("", "\x01"):  # hashes 0 and 1: never taken for an empty slot
        p = r.answer(r.request("setPowerState", {"state": "On"}, replyToken=token))
        assert p["success"], (token, r.logs[-1])


def test_an_out_of_memory_answer_goes_out_when_its_line_does_not_fit():
    # A request's lines do not fit the heap: the dispatcher answers success false instead,
    # and that answer's own line with the request's names did not fit either: its
    # MemoryError dropped the answer and the link. The answer goes out, with a short line.
    r = Rig()
    log = r.c.log = OomLog("reboot for " + DEV)  # handled by no device: a failure line
    p = r.answer(r.request("reboot"))
    assert (p["success"], p["message"]) == (False, "Device out of memory")
    assert log.lines == ["sinric: out of memory on a request: answered success false"]
