# The WebSocket hot path: what is already in the socket's buffer is read, and a frame the
# socket took whole is sent, without the task suspending (no scheduler pass, no poll, no
# wait_for tasks); only what is missing is waited for.
import asyncio

from net import ws as websocket
from net.frame import mask
from support import raises


class Sock:
    """A non-blocking socket: read(n) gives what is buffered, None when nothing is."""

    def __init__(self, data=b""):
        self.buf = bytearray(data)
        self.eof = False

    def read(self, n):
        if not self.buf:
            return b"" if self.eof else None
        out = bytes(self.buf[:n])
        self.buf = self.buf[n:]
        return out


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
    # The TLS socket holds nothing at first: the wait is a 0-byte read of the TCP stream (a
    # file descriptor to poll), then the frame comes through the TLS socket.
    class Tls(Sock):
        def __init__(self):
            Sock.__init__(self)
            self.waits = 0

    tls = Tls()
    frame = server_frame(b'{"x":1}')

    class Raw:
        async def readinto(self, buf):
            assert len(buf) == 0  # never consumes the TCP bytes: TLS reads them
            tls.waits += 1
            tls.buf.extend(frame[:1] if tls.waits == 1 else frame[1:])  # a partial record
            return 0

    ws = ws_with(tls, Reader())
    ws._raw = Raw()
    ws.decode_text = False
    assert asyncio.run(ws.recv()) == b'{"x":1}'
    assert tls.waits == 2
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
