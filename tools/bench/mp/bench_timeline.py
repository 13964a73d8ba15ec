# Preloaded on the simulated board by tools/bench/run.py (before boot.py): what one Sinric
# request costs on the real interpreter.
#
# Allocation, always: "BENCH alloc <bytes> <frames>" per window. The client's reader collects
# at its idle point, after a request when no other frame is in yet; counted is what is
# allocated from that collection to the wait for the next frame, plus from the frame's first
# bytes to the next collection, with the automatic GC held off in that second part (the idle
# wait runs with it on). A request that came in before the reader was idle closes the window
# when it is handled, with a collection, and opens the next: the GC held off over back-to-back
# frames let their garbage pile up (about 2 KB each on the 64-bit build), and 20 in a row
# filled the 50 KB a switch with Sinric and Yango leaves free: a MemoryError dropped the link
# and the request in flight went unanswered (a bench TimeoutError, not the product's: it
# collects at every idle point, and the automatic GC is on). <frames> says how many frames a
# window handled (1; tools/bench/run.py divides). What other tasks allocate meanwhile is
# counted too (an upper bound); the 2-byte header read of the stream path is not (one small
# bytes object).
#
# With BENCH_TIMELINE=1 also the timeline: time.ticks_us() marks at each step, printed once
# the response is on the wire as
#   "BENCH tl <read> <verified> <dispatched> <pin> <persist> <yango> <handled> <signed> <written>"
# in microseconds from the frame's first bytes (0 = step not reached); "BENCH write <us>" for
# each state-file write (a task of its own, off the request path) and "BENCH yango_post" when
# the notifier's POST starts. The wrappers add a few microseconds per mark (and allocations:
# the timeline run's alloc lines are not the product's).
import asyncio
import gc
import os
import time

from net import ws as websocket
from sinric import client as sinric_client
from sinric import dispatch as sinric_dispatch

_readexactly = asyncio.StreamReader.readexactly
# alloc after the last collection, before the wait, at the frame's start; frames since
_A = [None, 0, 0, 0]
M = [0] * 10  # timeline marks, see _timeline()
_armed = [False]  # a request's timeline is being recorded
_TIMING = bool(os.getenv("BENCH_TIMELINE"))


def _start(t=None, a=None):
    # a frame's first bytes are in (t ticks_us and a mem_alloc then, if not now): the
    # timeline starts, the byte count's second part too
    for i in range(10):
        M[i] = 0
    M[0] = t or time.ticks_us() or 1
    _armed[0] = True
    if _A[1] and not _TIMING:  # the timing run counts no bytes: its GC stays on
        _A[2] = gc.mem_alloc() if a is None else a
        gc.disable()


def _rx(self, n):
    # the stream's waiting read of a frame's head: nothing of it was buffered yet
    head = n == 2 and not _armed[0]
    if head and _A[0] is not None:
        _A[1] = gc.mem_alloc()
    r = yield from _readexactly(self, n)
    if head:
        _start()
    return r


asyncio.StreamReader.readexactly = _rx
_now = websocket.WebSocket._now


def _now_probed(self, n):
    # a frame's head taken from what the socket had buffered already (no wait)
    head = n == 2 and not _armed[0] and self._raw is None
    if head and _A[0] is not None:
        _A[1] = gc.mem_alloc()
    r = _now(self, n)
    if head and len(r) == 2:
        _start()
    return r


websocket.WebSocket._now = _now_probed
_readable = websocket.WebSocket.readable
_recv_now = websocket.WebSocket.recv_now


def _readable_probed(self):
    # the client's wait for the next frame (its idle collection has run in readable())
    r = _readable(self)
    if not _armed[0] and _A[0] is not None:
        _A[1] = gc.mem_alloc()
    return r


def _recv_now_probed(self):
    # a whole frame read in place: it was all there when the read began
    t, a = time.ticks_us(), gc.mem_alloc()
    r = _recv_now(self)
    if r is not None and not _armed[0]:
        if not _A[1] and _A[0] is not None:  # no wait since the collection
            _A[1] = a
        _start(t, a)
        M[1] = time.ticks_us()  # frame read
    return r


websocket.WebSocket.readable = _readable_probed
websocket.WebSocket.recv_now = _recv_now_probed


_handle = sinric_dispatch.Dispatcher.handle


def _handle_counted(self, raw, out=None):
    # a frame handled (no tuple: a fixed number of arguments)
    if _A[3] and _A[2]:  # not the window's first: it came before the reader was idle
        _close()
        _A[1] = _A[2] = _A[0]  # no wait in the new window: it starts here
        gc.disable()
    _A[3] += 1
    return _handle(self, raw, out)


def _close():
    # the window's line, then the collection that opens the next (the automatic GC back on)
    if _A[2]:
        print("BENCH alloc %d %d" % (_A[1] - _A[0] + gc.mem_alloc() - _A[2], _A[3]))
        _A[2] = 0
    gc.collect()
    gc.enable()
    _A[0] = gc.mem_alloc()
    _A[1] = 0
    _A[3] = 0


sinric_dispatch.Dispatcher.handle = _handle_counted


class _Gc:
    """sinric_client's view of gc: its per-request collection closes the alloc window."""

    @staticmethod
    def collect():
        _armed[0] = False
        _close()

    mem_free = staticmethod(gc.mem_free)
    mem_alloc = staticmethod(gc.mem_alloc)


sinric_client.gc = _Gc


def _timeline():
    import machine
    from sinric import codec as sinric_codec

    from firmware import persist

    us, diff = time.ticks_us, time.ticks_diff

    def mark(i):
        # 1 frame read, 2 verified, 3 handler called, 4 pin driven, 5 state handed to the
        # store, 6 handed to Yango, 7 handler returned, 8 response signed, 9 written
        if _armed[0] and not M[i]:
            M[i] = us()

    def wrap(cls, name, before=None, after=None):
        fn = getattr(cls, name)

        def w(*a):
            if before is not None:
                mark(before)
            r = fn(*a)
            if after is not None:
                mark(after)
            return r

        setattr(cls, name, w)

    recv = websocket.WebSocket._recv

    async def recv_marked(self):
        r = await recv(self)
        mark(1)
        return r

    websocket.WebSocket._recv = recv_marked
    wrap(sinric_codec.Codec, "verify", after=2)
    on_request = sinric_dispatch.Dispatcher.on_request

    def on_request_marked(self, device_id, handler):
        def h(action, value, inst):
            mark(3)
            r = handler(action, value, inst)
            mark(7)
            return r

        on_request(self, device_id, h)

    sinric_dispatch.Dispatcher.on_request = on_request_marked
    wrap(sinric_dispatch.Dispatcher, "_respond", after=8)
    wrap(persist.StateStore, "put", after=5)
    sig = machine.Signal.value

    def sig_marked(self, v=None):
        r = sig(self, v)
        if v is not None:
            mark(4)
        return r

    machine.Signal.value = sig_marked
    write = persist.StateStore._write

    def write_marked(self):
        t = us()
        r = write(self)
        print("BENCH write %d" % diff(us(), t))
        return r

    persist.StateStore._write = write_marked
    try:
        from yango import notifier as yango_notifier
    except ImportError:
        yango_notifier = None
    if yango_notifier is not None:
        wrap(yango_notifier.YangoNotifier, "report", after=6)
        post = yango_notifier.YangoNotifier._http_post

        async def post_marked(self, url, body, headers):
            print("BENCH yango_post")
            return await post(self, url, body, headers)

        yango_notifier.YangoNotifier._http_post = post_marked
    send = websocket.WebSocket.send_buffer  # how the client sends a response

    async def send_marked(self, text=True):
        await send(self, text)
        if _armed[0] and M[8]:  # a response
            mark(9)
            t0 = M[0]
            print("BENCH tl " + " ".join([str(diff(t, t0) if t else 0) for t in M[1:]]))
            _armed[0] = False

    websocket.WebSocket.send_buffer = send_marked


if _TIMING:
    _timeline()
