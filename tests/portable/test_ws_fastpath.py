# The WebSocket hot path: what is already in the socket's buffer is read, and a frame the
# socket took whole is sent, without the task suspending (no scheduler pass, no poll, no
# wait_for tasks); only what is missing is waited for.
import asyncio
import gc

from net import ws as websocket
from net.frame import mask
from support import MICROPYTHON, raises


class Sock:
    """A non-blocking socket: read(n) gives what is buffered, None when nothing is."""

    def __init__(self, data=b""):
        self.buf = bytearray(data)
        self.eof = False
        self.chunk = 1 << 30  # at most this much per readinto (a TLS record at a time)

    def read(self, n):
        if not self.buf:
            return b"" if self.eof else None
        out = bytes(self.buf[:n])
        self.buf = self.buf[n:]
        return out

    def readinto(self, buf):
        if not self.buf:
            return 0 if self.eof else None
        n = min(len(buf), len(self.buf), self.chunk)
        buf[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


class Reader:
    """The stream: readexactly() serves from `later` (what arrives after a wait)."""

    def __init__(self, later=b""):
        self.later = bytearray(later)
        self.calls = []

    async def readexactly(self, n):
        self.calls.append(n)
        if len(self.later) < n:
            raise EOFError
        out = bytes(self.later[:n])
        self.later = self.later[n:]
        return out

    async def read(self, n):  # what the link discards after its close: b"" is the end
        out = bytes(self.later[:n])
        self.later = self.later[n:]
        return out


class Writer:
    def __init__(self, takes_all=True):
        self.takes_all = takes_all
        self.out_buf = b""
        self.written = bytearray()
        self.drains = 0

    def write(self, buf):
        self.written.extend(buf)
        if not self.takes_all:
            self.out_buf = b"x"  # MicroPython keeps what the socket did not take

    async def drain(self):
        self.drains += 1
        self.out_buf = b""


class IdleWaitCore:
    """asyncio.core as net.ws's idle wait sees it (net.ws._core), for `with`: queue_read(s)
    counts the wait (.waits), records which sockets were waited on (.sockets, each once),
    runs arrive() (the bytes that come meanwhile) and lets the task run again at once
    (MicroPython: back on the run queue, as extmod/asyncio/core.py's IOQueue does once the
    socket is readable; CPython: the wait's bare yield does that). A test's fake socket must
    never reach a real poller: MicroPython's select.poll takes only streams (a fake one
    crashed the interpreter)."""

    def __init__(self, arrive=None, wake=True):
        self.waits = 0
        self.sockets = []
        self.arrive = arrive
        self._io_queue = self
        self.real = websocket._core  # None on CPython
        self.wake = wake  # False: a coroutine driven by hand, outside any event loop

    def queue_read(self, s):
        self.waits += 1
        if s not in self.sockets:
            self.sockets.append(s)
        if self.arrive is not None:
            self.arrive()
        if self.wake and self.real is not None:
            self.real._task_queue.push(self.real.cur_task)

    def __enter__(self):
        websocket._core = self
        return self

    def __exit__(self, *exc):
        websocket._core = self.real


def ws_with(sock=None, reader=None, writer=None):
    ws = websocket.WebSocket()
    ws._s = sock
    ws._r = reader or Reader()
    ws._w = writer or Writer()
    return ws


def run_unsuspended(coro):
    """The coroutine's result, asserting it finished without suspending once."""
    try:
        coro.send(None)
    except StopIteration as e:
        return e.value
    coro.close()
    raise AssertionError("the coroutine suspended")


def server_frame(payload, op=1):
    n = len(payload)
    if n < 126:
        return bytes((0x80 | op, n)) + payload
    return bytes((0x80 | op, 126, n >> 8, n & 255)) + payload


def test_buffered_frame_rest_is_read_without_suspending():
    r = Reader()
    ws = ws_with(Sock(b"0123456789abc"), r)
    assert ws._now(10) == b"0123456789"  # a plain call: no coroutine, no scheduler pass
    assert ws._now(3) == b"abc"
    assert ws._now(3) == b""  # nothing buffered
    ws = ws_with(Sock(server_frame(b'{"a":1}' * 30)), r)
    ws.decode_text = False
    assert run_unsuspended(ws.recv()) == b'{"a":1}' * 30  # header, length, payload
    assert r.calls == []  # the stream's waiting read was never used


def test_missing_part_is_waited_for_and_joined():
    r = Reader(b"6789")
    ws = ws_with(Sock(b"012345"), r)
    got = ws._now(10)
    assert asyncio.run(ws._rest(10, got, 5)) == b"0123456789"
    assert r.calls == [4]
    ws = ws_with(Sock(), Reader(b"abc"))  # nothing buffered: all of it waited for
    assert asyncio.run(ws._rest(3, ws._now(3), 5)) == b"abc"
    ws = ws_with(Sock(), Reader(server_frame(b"xyz")))  # the wait for a frame's head
    ws.decode_text = False
    assert asyncio.run(ws.recv()) == b"xyz"


def test_closed_socket_is_eof():
    s = Sock()
    s.eof = True
    with raises(EOFError):
        ws_with(s)._now(4)
    with raises(websocket.ConnectionClosed):
        asyncio.run(ws_with(s).recv())


def test_whole_messages_from_one_segment_in_order():
    # Ten responses' worth of frames arrived together: each recv() takes one, in order.
    payloads = [("message %d " % i).encode() * (i * 3 + 1) for i in range(10)]  # to 300 B
    data = b"".join(server_frame(p) for p in payloads)
    # all of it already in the socket's buffer: heads, lengths and payloads are read
    # without the stream's waiting read
    r = Reader()
    ws = ws_with(Sock(data), r)
    ws.decode_text = False
    got = [asyncio.run(ws.recv()) for _ in payloads]
    assert got == payloads
    assert r.calls == []


def test_send_taken_whole_does_not_suspend_or_drain():
    w = Writer()
    ws = ws_with(writer=w)
    run_unsuspended(ws.send('{"ok":true}'))
    assert w.drains == 0
    frame = bytearray(w.written)
    assert frame[0] == 0x81 and frame[1] == 0x80 | 11
    mask(frame, bytes(frame[2:6]), 6)
    assert bytes(frame[6:]) == b'{"ok":true}'


def test_send_with_a_rest_drains():
    w = Writer(takes_all=False)
    ws = ws_with(writer=w)
    asyncio.run(ws.send("x" * 300))
    assert w.drains == 1 and w.out_buf == b""


def test_a_send_during_another_ones_drain_waits_its_turn():
    events = []

    class Slow(Writer):
        def write(self, buf):
            events.append("write %d" % len(buf))
            self.out_buf = b"x"  # the socket took only part of it

        async def drain(self):
            await asyncio.sleep(0)  # the other sender runs meanwhile
            events.append("drain")
            self.out_buf = b""

    ws = ws_with(writer=Slow())

    async def both():
        await asyncio.gather(ws.send("a" * 10), ws.send("b" * 20))

    asyncio.run(both())
    # the second frame is written only once the first one's rest has gone out
    assert events == ["write 16", "drain", "write 26", "drain"]


def test_wss_waits_on_the_tcp_socket_and_reads_through_tls():
    # The TLS socket holds nothing at first: the wait is for the TCP socket (a file
    # descriptor to poll), then the frame comes through the TLS socket.
    tls = Sock()
    frame = server_frame(b'{"x":1}')

    class Raw:  # the stream on the TCP socket
        s = object()

    def arrive():  # never from the TCP bytes themselves: TLS reads them
        tls.buf.extend(frame[:1] if core.waits == 1 else frame[1:])  # a partial record

    ws = ws_with(tls, Reader())
    ws._raw = Raw()
    ws.decode_text = False
    with IdleWaitCore(arrive) as core:
        assert asyncio.run(ws.recv()) == b'{"x":1}'
        assert core.waits == 2 and core.sockets == [Raw.s]
        ws.on_idle = lambda: None
        assert ws.recv_now() is None and ws.readable() is not None
        tls.buf.extend(frame)
        asyncio.run(_await(ws.readable()))
        assert core.waits == 3 and core.sockets == [Raw.s] and ws.recv_now() == b'{"x":1}'
    tls.eof = True
    with raises(websocket.ConnectionClosed):
        asyncio.run(ws.recv())


def test_text_frame_carries_the_utf8_bytes():
    w = Writer()
    ws = ws_with(writer=w)
    text = '{"name":"caf\u00e9 \u2603"}' * 7  # 7-bit length class: 126+ bytes
    run_unsuspended(ws.send(text))
    frame = bytearray(w.written)
    data = text.encode()
    assert frame[1] == 0x80 | 126 and (frame[2] << 8 | frame[3]) == len(data)
    mask(frame, bytes(frame[4:8]), 8)
    assert bytes(frame[8:]) == data


def test_idle_hook_runs_only_when_nothing_is_buffered():
    # Two frames came together, the third after a wait: the owner's idle point (the
    # client's collection) comes once, before the wait, not between the first two.
    idle = []
    ws = ws_with(Sock(server_frame(b"a") + server_frame(b"b")), Reader(server_frame(b"c")))
    ws.decode_text = False
    ws.on_idle = lambda: idle.append(1)
    assert asyncio.run(ws.recv()) == b"a" and idle == []
    assert asyncio.run(ws.recv()) == b"b" and idle == []
    assert asyncio.run(ws.recv()) == b"c" and idle == [1]


# recv_now: a whole plain message already buffered is read by a plain call, into the link's
# reused receive buffer; everything else is left to recv(), which goes on from what it read.
def test_recv_now_reads_buffered_messages_into_one_reused_buffer():
    small, long = b'{"a":1}', b'{"b":2}' * 60  # 7-bit and 16-bit length classes
    r = Reader()
    ws = ws_with(Sock(server_frame(small) + server_frame(long, 2)), r)
    ws.decode_text = False
    got = ws.recv_now()
    assert isinstance(got, bytearray) and got == small and not ws.binary
    again = ws.recv_now()
    assert again is got and again == long and ws.binary
    assert ws.recv_now() is None and r.calls == []  # nothing buffered: nothing waited for
    ws = ws_with(Sock(server_frame(small)))  # text as str: recv()'s
    assert ws.recv_now() is None and run_unsuspended(ws.recv()) == '{"a":1}'


def test_recv_now_leaves_a_partial_frame_to_recv():
    msg = b'{"c":3}' * 40
    frame = server_frame(msg)
    for cut in (1, 2, 3, 4, 5, len(frame) - 1):  # in the head, the length, the payload
        ws = ws_with(Sock(frame[:cut]), Reader(frame[cut:]))
        ws.decode_text = False
        assert ws.recv_now() is None, cut
        assert asyncio.run(ws.recv()) == msg, cut
    s = Sock(frame)  # a socket that gives less than asked (TLS: a record at a time)
    s.chunk = 100
    ws = ws_with(s)
    ws.decode_text = False
    assert ws.recv_now() is None and run_unsuspended(ws.recv()) == msg


class QuietSock(Sock):
    """A socket whose reads allocate nothing (byte by byte into the caller's buffer), so
    the link's own allocations can be counted."""

    def __init__(self, data):
        self.data = data
        self.at = 0
        self.eof = False

    def readinto(self, buf):
        n = min(len(buf), len(self.data) - self.at)
        if not n:
            return None
        d, at = self.data, self.at
        for i in range(n):
            buf[i] = d[at + i]
        self.at = at + n
        return n

    def read(self, n):
        return None  # all of it was taken by readinto


class QuietReader(Reader):
    """The stream's waiting read as views of what arrives later: one small object a read."""

    def __init__(self, later):
        self.later = memoryview(later)
        self.at = 0
        self.calls = []

    async def readexactly(self, n):
        self.calls.append(n)
        at = self.at
        self.at = at + n
        return self.later[at : at + n]


def test_a_frame_cut_in_its_payload_is_copied_once_and_joined_once():
    # A heap near its end has few holes the size of a message: recv_now keeps the payload's
    # part once (the head it read is not kept as bytes), recv() joins it with the rest once.
    # (Before, the part was copied three times over in recv_now and twice more in recv().)
    msg = b'{"c":3}' * 70
    frame = server_frame(msg)
    n = len(msg)

    async def cut_at(cut):
        ws = ws_with(QuietSock(server_frame(b"x") + frame[:cut]), QuietReader(frame[cut:]))
        ws.decode_text = False
        ws.read_timeout = None  # no wait_for task: only the link's own objects counted
        assert ws.recv_now() == b"x"  # the receive buffer is made
        part = cut - 4 if cut >= 4 else cut  # the payload's part; or the head, not all there
        gc.collect()
        gc.disable()
        try:
            a0 = gc.mem_alloc() if MICROPYTHON else 0
            assert ws.recv_now() is None and ws.readable() is None
            assert len(ws._pending) == part
            a1 = gc.mem_alloc() if MICROPYTHON else 0
            got = await ws.recv()
            a2 = gc.mem_alloc() if MICROPYTHON else 0
        finally:
            gc.enable()
        assert got == msg and ws._part == 0, cut
        # One copy of the part, and the link's dict grown once for the three attributes
        # (64-bit: 96-288 bytes more; before, 1,952 for a part of 485). Then the join and
        # the coroutines of the read (64-bit: 704-1,248 bytes; before, up to 3,264).
        assert a1 - a0 <= part + 320, (cut, a1 - a0)
        assert a2 - a1 <= n + 1024, (cut, a2 - a1)

    for cut in (2, 4, 200, len(frame) - 5):
        asyncio.run(cut_at(cut))


def test_recv_now_leaves_other_frames_to_recv_as_before():
    w = Writer()
    ping = bytes((0x89, 2)) + b"hi"
    ws = ws_with(Sock(ping + server_frame(b"after")), writer=w)
    ws.decode_text = False
    assert ws.recv_now() is None  # a ping: recv() answers it, then takes the message
    assert asyncio.run(ws.recv()) == b"after" and w.written[0] == 0x8A
    frag = bytes((0x01, 2)) + b"ab" + bytes((0x80, 2)) + b"cd"
    ws = ws_with(Sock(frag))
    ws.decode_text = False
    assert ws.recv_now() is None and asyncio.run(ws.recv()) == b"abcd"
    long = b"x" * 700  # more than the receive buffer holds: bytes of its own
    ws = ws_with(Sock(server_frame(long)))
    ws.decode_text = False
    assert ws.recv_now() is None and asyncio.run(ws.recv()) == long
    # bad frames still close the link with the same code
    for frame, code in ((bytes((0xC1, 1)) + b"x", 1002),  # reserved bit
                        (bytes((0x81, 0x81)) + b"\0\0\0\0x", 1002),  # masked by the server
                        (server_frame(b"y" * 300), 1009)):  # over max_size
        ws = ws_with(Sock(frame), Reader(), Writer())
        ws.max_size = 200
        ws.close_timeout = 0.01
        ws.decode_text = False
        assert ws.recv_now() is None
        try:
            asyncio.run(ws.recv())
            raise AssertionError("no close")
        except websocket.ConnectionClosed as e:
            assert e.code == code, (frame, e.code)


def test_recv_now_at_the_end_of_the_stream_closes_as_recv_does():
    s = Sock()
    s.eof = True
    ws = ws_with(s)
    with raises(websocket.ConnectionClosed):
        ws.recv_now()
    assert ws.closed and ws.close_code == 1006 and ws.close_reason == "connection lost ()"
    s = Sock(bytes((0x82, 5)) + b"ab")  # the end in the middle of a frame: recv() sees it
    s.eof = True
    ws = ws_with(s)
    assert ws.recv_now() is None and ws.readable() is None
    with raises(websocket.ConnectionClosed):
        asyncio.run(ws.recv())
    assert ws.close_code == 1006 and ws.readable() is None


def test_idle_reader_waits_for_bytes_then_reads_in_place():
    # The client's loop: nothing there -> readable() (the idle point), then recv_now again.
    idle = []
    s = Sock()
    ws = ws_with(s)
    ws.decode_text = False
    ws.on_idle = lambda: idle.append(1)
    assert ws.recv_now() is None
    with IdleWaitCore(lambda: s.buf.extend(server_frame(b'{"d":4}'))) as core:
        asyncio.run(_await(ws.readable()))
    assert core.waits == 1 and core.sockets == [s] and idle == [1]
    assert ws.recv_now() == b'{"d":4}'


def test_idle_wait_is_one_object_that_suspends_once_and_allocates_nothing():
    # The same awaitable for every wait; awaited, it suspends once (the task waits on the
    # socket), and ends when the task runs again. On MicroPython a wait allocates nothing:
    # no coroutine per wait, and its ending raises one StopIteration made once.
    s = Sock()
    ws = ws_with(s)
    w = ws.readable()
    assert w is not None and ws_with(Sock()).readable() is w

    async def waits(n):
        for _ in range(n):
            await ws.readable()

    with IdleWaitCore(wake=False) as core:
        coro = waits(30)
        assert coro.send(None) is None and core.waits == 1  # suspended in the first wait
        coro.send(None)  # woken: the first wait ends, the second begins
        gc.collect()
        gc.disable()
        try:
            a0 = gc.mem_alloc() if MICROPYTHON else 0
            for _ in range(20):
                assert coro.send(None) is None
            used = gc.mem_alloc() - a0 if MICROPYTHON else 0
        finally:
            gc.enable()
        coro.close()
    assert core.waits == 22 and core.sockets == [s]
    assert used == 0, "%d bytes for 20 waits" % used


def test_send_buffer_taken_whole_is_written_by_the_call():
    w = Writer()
    ws = ws_with(writer=w)
    ws.buffer().extend(b'{"ok":true}' * 20)
    done = ws.send_buffer()
    if websocket._STR_IS_BUFFER:  # MicroPython: written already, the shared done awaitable
        assert len(w.written) == 228 and done is websocket._DONE
    asyncio.run(_await(done))
    frame = bytearray(w.written)
    assert frame[0] == 0x81 and frame[1] == 0xFE and w.drains == 0
    mask(frame, bytes(frame[4:8]), 8)
    assert bytes(frame[8:]) == b'{"ok":true}' * 20
    w = Writer(takes_all=False)  # a rest kept by the writer: drained
    ws = ws_with(writer=w)
    ws.buffer().extend(b"z" * 300)
    asyncio.run(_await(ws.send_buffer()))
    assert w.drains == 1 and w.out_buf == b""


async def _await(aw):
    return await aw
