# A heap too fragmented to hold a connection stays so: once memory_failures_max connects have
# run out of memory since the link was last up, the client asks its owner to restart the
# board (heap_stuck); other failures neither count nor clear the count, a link that came up
# clears it. Never before the link was up once: a heap fresh from boot that cannot connect
# would only restart in a loop.
import asyncio

import net.ws
from clock import Clock
from sinric.client import SinricClient
from support import FakeTicks


class _Link:
    """The part of net.ws.WebSocket the client uses: the server's timestamp frame, then the
    connection is lost (or, with oom, the session ends in a MemoryError)."""

    binary = False

    def __init__(self, oom=False):
        self.frames = [b'{"timestamp":1700000000}']
        self.oom = oom

    def recv_now(self):  # nothing read in place: the reader goes on to recv()
        return None

    def readable(self):
        return None

    async def recv(self, timeout=None):
        if self.frames:
            return self.frames.pop()
        if self.oom:
            raise MemoryError("memory allocation failed, allocating 640 bytes")
        raise net.ws.ConnectionClosed(1006)

    def abort(self):
        pass


def _run(outcomes, most):
    # outcomes: one per connect (an exception raised, or a _Link); the client stops after
    # the last one. Returns (heap_stuck reasons, log lines).
    logs, stuck = [], []
    c = SinricClient("key", "s" * 40, ["dev"], Clock(FakeTicks()), url="ws://127.0.0.1:9/",
                     log=logs.append, backoff_min_ms=1, backoff_max_ms=2,
                     memory_failures_max=most)

    def restart(why):
        stuck.append(why)
        c.stop()

    c.heap_stuck = restart

    async def connect(*args):
        if not outcomes:
            c.stop()
            raise OSError(113)
        o = outcomes.pop(0)
        if isinstance(o, _Link):
            return o
        raise o

    real = net.ws.connect
    net.ws.connect = connect
    try:
        asyncio.run(asyncio.wait_for(c.run(), 10))
    finally:
        net.ws.connect = real
    return stuck, logs


def test_connects_that_run_out_of_memory_ask_for_a_restart():
    oom = MemoryError("memory allocation failed, allocating 263 bytes")
    stuck, logs = _run([_Link(), oom, OSError(111), oom, oom, oom], 3)
    assert stuck == ["sinric: 3 connects ran out of memory since the link was last up"], logs
    lines = [x for x in logs if x.startswith("sinric: disconnected (MemoryError: memory "
                                             "allocation failed, allocating 263 bytes)")]
    assert len(lines) == 3, logs  # each one logged; the fourth MemoryError never came


def test_a_link_that_came_up_clears_the_count():
    oom = MemoryError()
    stuck, logs = _run([_Link(), oom, oom, _Link(), oom, oom], 3)
    assert stuck == [], logs
    assert len([x for x in logs if x.startswith("sinric: connected to")]) == 2, logs
    assert len([x for x in logs if "(MemoryError" in x]) == 4, logs


def test_a_session_that_was_up_starts_the_count_again_even_when_it_ends_out_of_memory():
    # up, then out of memory mid-session: the link was up, so that is the first of a new
    # count, not the next of the old one (and never a reason while the link keeps coming up)
    oom = MemoryError()
    stuck, logs = _run([_Link(), oom, oom, _Link(oom=True), oom, _Link(oom=True), oom], 3)
    assert stuck == [], logs
    stuck, logs = _run([_Link(), oom, _Link(oom=True), oom, oom], 3)
    assert stuck == ["sinric: 3 connects ran out of memory since the link was last up"], logs


def test_a_link_never_up_since_boot_is_no_reason_to_restart():
    stuck, logs = _run([MemoryError()] * 6, 3)
    assert stuck == [] and len([x for x in logs if "(MemoryError" in x]) == 6, logs


def test_without_an_owner_the_client_keeps_trying():
    oom = MemoryError()
    c = SinricClient("key", "s" * 40, ["dev"], Clock(FakeTicks()), log=lambda _: None)
    assert c.heap_stuck is None and c.memory_failures_max == 5
    stuck, logs = _run([_Link()] + [oom] * 4, 5)
    assert stuck == [] and len([x for x in logs if "(MemoryError" in x]) == 4, logs
