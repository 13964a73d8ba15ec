# Minimal RFC 6455 WebSocket client over asyncio streams, for MicroPython and CPython.
# ws:// and wss:// (SNI, optional CA check), masked client frames, fragments reassembled,
# pings answered, a size cap enforced before allocating, and no wait without a timeout
# except the idle wait for the next frame (recv(timeout) bounds that too).
import asyncio
import os
import sys

from net.frame import (
    ConnectionClosed,
    HandshakeError,
    close_payload,
    head,
    key_into,
    mask,
    parse_close,
)

try:
    from asyncio import core as _core  # MicroPython: the IO queue the idle wait joins
except ImportError:  # CPython
    _core = None
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_OP_CONT = const(0)
_OP_TEXT = const(1)
_OP_BINARY = const(2)
_OP_CLOSE = const(8)
_OP_PING = const(9)
_OP_PONG = const(10)
_NO_STATUS = const(1005)
_LOST = const(1006)
_PROTOCOL = const(1002)
_NOTHING = bytearray(0)
# The send buffer keeps this much room in front of the message for the frame header:
# 2 bytes, a 16-bit length, the 4-byte masking key (messages under 64 KB).
_ROOM = const(8)
# MicroPython: a str is a buffer, copied into a bytearray as its UTF-8 bytes (CPython: not).
# Asked by name, not by trying: a probe's garbage at import would leave a hole in the heap.
_STR_IS_BUFFER = sys.implementation.name == "micropython"
# What send_buffer() returns when the frame is on the wire already: an exhausted iterator,
# which MicroPython's await takes as done (py/compile.c compiles await as yield-from, and
# py/runtime.c mp_resume ends it on the iterator's first next(), no exception object): one
# object for every send, where a coroutine would be allocated per send.
_DONE = iter(())
# Grows the receive buffer to a frame's length inside its capacity (the bytes are
# overwritten by the read): a bytearray shrunk by a slice keeps its room (py/objarray.c).
_PAD = bytes(32)
# The receive buffer's bytes (recv_now): a Sinric request is 400-500; a longer message (more
# than this less 32) is read by recv() into bytes of its own
_RX_SIZE = const(640)
# A frame's first 2 bytes, then its 16-bit length, as recv_now reads them: one buffer for
# every connection (recv_now is a plain call, it never waits with the bytes in here)
_HB = bytearray(2)


class _Readable:
    """The wait for a socket to become readable (MicroPython): `_WAIT.s = sock; await _WAIT`,
    nothing awaited in between. The same object for every wait of every link, where a 0-byte
    Stream.readinto is a new coroutine each time (96 bytes on 64-bit, one per request). A
    wait does what extmod/asyncio/stream.py Stream.readinto does: the task joins the IO
    queue for the socket (core.py IOQueue.queue_read; a cancel takes it out), and the await
    ends when the task is woken. The ending is extmod/asyncio/core.py SingletonGenerator's:
    one StopIteration raised again and again, its traceback cleared first (py/objexcept.c
    keeps the entries' room: no allocation). Its own class: the link's send() and close()
    would be taken for the generator protocol's by an await of the link itself."""

    s = None  # the socket the next wait is for
    exc = StopIteration()

    def __iter__(self):  # MicroPython's await (py/compile.c: yield from)
        return self

    __await__ = __iter__  # CPython's

    def __next__(self):
        s = self.s
        if s is not None:  # the await's first step: wait
            self.s = None
            _core._io_queue.queue_read(s)
            return None
        self.exc.__traceback__ = None  # woken: the await is over
        raise self.exc


_WAIT = _Readable()


async def connect(url, headers=None, timeout=10, max_size=4096, cadata=None,
                  server_hostname=None, ssl=None):
    """Open a WebSocket; raises HandshakeError (with the reason) on any failure.

    headers: dict or (name, value) pairs added to the upgrade request. timeout (s) covers
    DNS, TCP, TLS and the upgrade. server_hostname overrides the SNI/certificate name.
    """
    try:
        # The opening handshake lives in net.handshake, loaded for the connect and dropped
        # after: a few KB less held while the link is up on a 38 KB ESP8266 heap. Inside the
        # try: a MemoryError while it loads must drop what did load, or it would stay, and
        # the next connect have that much less room.
        from net import handshake

        ws = WebSocket(max_size)
        await asyncio.wait_for(handshake.open_ws(ws, url, headers or (), cadata,
                                                  server_hostname, ssl), timeout)
    except asyncio.TimeoutError:
        ws.abort()
        raise HandshakeError("no WebSocket upgrade within %s s" % timeout) from None
    except HandshakeError:
        ws.abort()
        raise
    except (OSError, EOFError, ValueError) as e:
        ws.abort()
        from net.tls_context import reason

        raise HandshakeError(reason(e)) from None
    finally:
        handshake = None
        net = sys.modules.get("net")
        for m in ("handshake", "tls_context", "url"):
            sys.modules.pop("net." + m, None)
            try:  # the package holds its submodules too (MicroPython: KeyError if not)
                delattr(net, m)
            except (AttributeError, KeyError):
                pass
    return ws


class WebSocket:
    """A client connection made by connect(). One task may be in recv() at a time.

    Knobs (class attributes, seconds): read_timeout bounds the rest of a frame once its
    first bytes arrived, write_timeout a send, close_timeout the closing handshake;
    send_buffer_size (bytes) the frame buffer made with the connection.
    """

    read_timeout = 10
    write_timeout = 10
    close_timeout = 5
    decode_text = True  # text messages as str; False gives bytes (what the codec wants)
    # bytes held for building frames: a signed Sinric response or event is 400-500 bytes; a
    # longer message grows it once
    send_buffer_size = 640
    binary = False  # whether the message recv() returned last came in binary frames
    # Set on the connection only when used, never by the connect: what a connect allocates
    # outlives it in the middle of the heap it ran in (see _tx).
    _rx = None  # recv_now's reused buffer, made by its first frame
    # bytes recv_now took from the socket but left to recv() (a frame it could not finish,
    # or one that is not a plain message): read first by _now
    _pending = b""
    # the first byte of the frame whose head recv_now read and whose payload it left to recv()
    # (0: none), and its payload's length; _pending holds the part of the payload it took
    _part = 0
    _part_n = 0

    def __init__(self, max_size=4096):
        self.max_size = max_size
        self.on_pong = None  # callable(payload bytes), for the keep-alive owner
        # callable(), called when recv() finds nothing buffered and is about to wait for the
        # next frame: the owner's idle point (not between frames that came together)
        self.on_idle = None
        self.closed = False
        self.close_code = None
        self.close_reason = ""
        self._r = self._w = None
        self._s = None  # MicroPython: the stream's non-blocking socket, for the fast path (_now)
        self._raw = None  # MicroPython wss: a stream on the TCP socket under the TLS one
        self._close_sent = False
        self._lock = asyncio.Lock()
        # every frame is built and masked in here and the buffer reused, so a send allocates
        # no frame (see buffer()). Made at its full usual size by the first send, not here:
        # a connect runs in the heap the last session left, the first send after it settled.
        self._tx = None

    # -- receiving --------------------------------------------------------------------
    def recv(self, timeout=None):
        """Next message (awaitable): str for text, else its bytes (bytes; a message that came
        in fragments: the bytearray it was joined in). Text comes as bytes too if
        decode_text is False.

        Control frames are handled on the way. No message within timeout (s), a close,
        a protocol error or a lost link -> ConnectionClosed, and the link is closed.
        """
        if self.closed:
            raise ConnectionClosed(self.close_code, self.close_reason)
        # without a timeout, the one coroutine of the read itself: no wrapper to allocate
        return self._recv() if timeout is None else self._recv_within(timeout)

    def recv_now(self):
        """The next message if a whole one is buffered already (a plain call: no coroutine,
        no wait, nothing allocated), else None: then see readable(); recv() goes on from what
        this read.

        Only single-frame messages of up to 608 bytes, binary or (with decode_text False)
        text, come this way, returned in the connection's receive buffer (a bytearray):
        valid until the next recv_now()/recv(). Everything else (control frames, fragments,
        protocol errors, a longer message, a frame not all there) is left to recv(). The
        end of the stream or a socket error -> ConnectionClosed, as from recv(). MicroPython
        only (None on CPython)."""
        s = self._s
        if s is None or self.closed or self._pending or self._part:
            return None
        hb = _HB
        try:
            h = s.readinto(hb)  # header bytes taken
            if h is None:  # EAGAIN: nothing buffered
                return None
            if not h:
                raise EOFError
            b0 = hb[0]
            b1 = hb[1]
            op = b0 & 0x0F
            n = b1 & 0x7F
            p = 0  # payload bytes taken
            if h == 2 and b0 & 0xF0 == 0x80 and not b1 & 0x80 and n != 127 and \
                    (op == _OP_BINARY or (op == _OP_TEXT and not self.decode_text)):
                if n == 126:
                    k = s.readinto(hb)
                    if k:
                        h += k
                    n = hb[0] << 8 | hb[1] if k == 2 else 1 << 16  # in two pieces: recv()'s
                rx = self._rx
                if rx is None:
                    rx = self._rx = bytearray(_RX_SIZE)
                if n <= _RX_SIZE - len(_PAD) and n <= self.max_size:
                    while len(rx) < n:
                        rx.extend(_PAD)
                    rx[n:] = b""
                    p = (s.readinto(rx) or 0) if n else 0
                    if p == n:
                        self.binary = op == _OP_BINARY
                        return rx
                    # A part of it: recv() reads the rest of the frame whose head is read
                    # already. The part is copied once (it may stay on the heap while the
                    # rest is on its way) and joined with the rest once: two buffers of the
                    # frame's size at most, where a heap near its end has few such holes.
                    rx[p:] = b""
                    self._pending = bytes(rx) if p else b""
                    self._part = b0
                    self._part_n = n
                    return None
            # Not a plain message, or its head not all there: recv() goes on from the bytes
            # taken (not final, reserved bits, masked, a control frame, longer than the
            # buffer); h 3: the first byte of the 16-bit length was taken too
            self._pending = bytes(hb[:h]) if h < 2 else bytes((b0, b1, hb[0], hb[1])[:h])
            return None
        except (OSError, EOFError) as e:
            self._gone(_LOST, "connection lost (%s)" % (e,))

    def readable(self):
        """After recv_now() gave None: the wait for the next bytes (awaitable; on_idle is
        called first, the owner's idle point), then call recv_now() again; or None when
        recv_now() left a frame to recv() (always on CPython): await recv() then.
        MicroPython: the wait for the socket to become readable (_Readable: no object per
        wait), to be awaited at once; on wss the TCP socket's, never a poll of the TLS one
        (see _rest)."""
        if self._s is None or self._pending or self._part or self.closed:
            return None
        if self.on_idle is not None:
            self.on_idle()
        _WAIT.s = self._s if self._raw is None else self._raw.s
        return _WAIT

    async def _recv_within(self, timeout):
        try:
            return await asyncio.wait_for(self._recv(), timeout)
        except asyncio.TimeoutError:
            self._gone(_LOST, "no message within %s s" % timeout)

    def _now(self, n):
        # What of the next n bytes the socket's buffer holds already (MicroPython: one
        # non-blocking read, no pass through the scheduler), b"" if nothing or no such
        # socket; EOFError at the end of the stream. A payload that arrives in one piece is
        # one allocation and no coroutine.
        p = self._pending
        if p:  # what recv_now took first
            if len(p) <= n:  # all of it, as it is: no copy
                got = p
                self._pending = b""
            else:
                got = p[:n]
                self._pending = p[n:]
            if len(got) == n or self._s is None:
                return got
            more = self._now(n - len(got))
            return got + more if more else got
        s = self._s
        if s is None:
            return b""
        got = s.read(n)
        if got is None:  # EAGAIN
            return b""
        if not got:
            raise EOFError
        return got

    async def _rest(self, n, got, timeout):
        # The rest of n bytes after got; within timeout (s) once a frame has started, or as
        # long as it takes (timeout None: the wait for the next frame).
        if timeout is None and self._raw is not None:
            # wss on MicroPython, the wait for a frame: for the TCP socket to become
            # readable, never in a poll of the TLS socket. What the TLS layer holds already
            # is taken first (a record may carry several frames); only when it holds nothing
            # is there anything to wait for, and then it is the TCP socket's data.
            while len(got) < n:
                _WAIT.s = self._raw.s
                await _WAIT
                got += self._now(n - len(got))  # b"" when nothing is buffered
            return got
        if timeout is None:
            rest = await self._r.readexactly(n - len(got))
        else:
            try:
                rest = await asyncio.wait_for(self._r.readexactly(n - len(got)), timeout)
            except asyncio.TimeoutError:
                self._gone(_LOST, "frame stalled for %s s" % timeout)
        return got + rest if got else rest

    async def _recv(self):
        try:
            msg = None  # bytearray of a fragmented message being reassembled
            msg_op = 0
            t = self.read_timeout
            while True:
                if self._part:  # a plain message's head, read and checked by recv_now
                    b0 = self._part
                    fin, op, n = 0x80, b0 & 0x0F, self._part_n
                    self._part = 0
                else:
                    hdr = self._now(2)
                    if len(hdr) < 2:
                        if not hdr and self.on_idle is not None:
                            self.on_idle()
                        hdr = await self._rest(2, hdr, None)
                    b0, b1 = hdr[0], hdr[1]
                    fin, op, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
                    if b0 & 0x70:
                        await self._fail(_PROTOCOL, "reserved bits")
                    if b1 & 0x80:
                        await self._fail(_PROTOCOL, "masked frame")
                    if n == 126:
                        b = self._now(2)
                        n = int.from_bytes(b if len(b) == 2 else await self._rest(2, b, t),
                                           "big")
                    elif n == 127:
                        b = self._now(8)
                        n = int.from_bytes(b if len(b) == 8 else await self._rest(8, b, t),
                                           "big")
                        if n >> 63:
                            await self._fail(_PROTOCOL, "bad length")
                if op >= 8:  # control frame, may come between fragments
                    if not fin or n > 125:
                        await self._fail(_PROTOCOL, "bad control frame")
                    payload = self._now(n) if n else b""
                    if len(payload) < n:
                        payload = await self._rest(n, payload, t)
                    if op == _OP_PING:
                        if not self._close_sent:
                            await self._send(_OP_PONG, payload)
                    elif op == _OP_PONG:
                        if self.on_pong is not None:
                            self.on_pong(payload)
                    elif op == _OP_CLOSE:
                        try:
                            code, reason = parse_close(payload)
                        except ValueError as e:
                            await self._fail(_PROTOCOL, str(e))
                        if not self._close_sent:  # echo the code, then drop the link
                            try:
                                await self._send(_OP_CLOSE, close_payload(code)
                                                 if code != _NO_STATUS else b"")
                            except (OSError, ConnectionClosed):
                                pass
                        self._gone(code, reason or "closed by server")
                    else:
                        await self._fail(_PROTOCOL, "unknown opcode %d" % op)
                    continue
                if op == _OP_CONT:
                    if msg is None:
                        await self._fail(_PROTOCOL, "bad continuation")
                elif op == _OP_TEXT or op == _OP_BINARY:
                    if msg is not None:
                        await self._fail(_PROTOCOL, "bad continuation")
                    msg_op = op
                else:
                    await self._fail(_PROTOCOL, "unknown opcode %d" % op)
                total = n + (len(msg) if msg is not None else 0)
                if total > self.max_size:
                    # Refused before reading: the payload is never allocated.
                    await self._fail(1009, "%d%s bytes > max %d" % (
                        total, "" if fin else "+", self.max_size))
                data = self._now(n) if n else b""
                if len(data) < n:
                    data = await self._rest(n, data, t)
                if msg is not None:
                    msg.extend(data)
                    data = msg
                elif not fin:
                    msg = bytearray(data)
                if fin:
                    self.binary = msg_op == _OP_BINARY
                    if msg_op == _OP_TEXT and self.decode_text:
                        try:
                            return str(data, "utf-8")
                        except UnicodeError:
                            await self._fail(1007, "text not UTF-8")
                    # a message that came in fragments is the bytearray it was joined in:
                    # a copy would need a second hole of its size
                    return data
        except (OSError, EOFError) as e:
            self._gone(_LOST, "connection lost (%s)" % (e,))

    async def _fail(self, code, reason):
        # We end the connection because of what the server sent: send our close, then
        # discard (in small reads, so an oversize payload is never held) until the server
        # closes too or close_timeout passes.
        try:
            await self._send(_OP_CLOSE, close_payload(code))
            await asyncio.wait_for(self._discard(), self.close_timeout)
        except (asyncio.TimeoutError, OSError, EOFError, ConnectionClosed):
            pass
        self._gone(code, reason)

    async def _discard(self):
        while await self._r.read(256):
            pass

    def _gone(self, code, reason):
        self.abort(code, reason)
        raise ConnectionClosed(code, reason)

    # -- sending ----------------------------------------------------------------------
    def buffer(self):
        """The connection's reusable send buffer (bytearray), emptied: append a message's
        bytes to it (extend), then send_buffer(). Nothing may await in between: the next
        send on this connection reuses the buffer."""
        b = self._tx
        if b is None:
            # at its usual size at once: one that grew with the longest message so far would
            # move in the heap (leaving a hole) each time a longer one is sent
            b = self._tx = bytearray(self.send_buffer_size)
        b[_ROOM:] = b""  # keeps the capacity: no allocation
        return b

    def send_buffer(self, text=True):
        """Send what was appended to buffer() as one text (or binary) message (awaitable).
        MicroPython, when the socket takes the frame at once: written by this call, and the
        awaitable returned is a shared done one (no coroutine per send)."""
        op = _OP_TEXT if text else _OP_BINARY
        if not _STR_IS_BUFFER:  # CPython: a coroutine to await
            return self._send(op, None)
        rest = self._put(op, None)
        return _DONE if rest is None else self._send(op, None, rest)

    def send(self, data):
        """Send a text (str) or binary (bytes/bytearray) message as one masked frame
        (awaitable: the coroutine of the send itself, no wrapper to allocate)."""
        return self._send(_OP_TEXT if isinstance(data, str) else _OP_BINARY, data)

    async def ping(self, payload=b""):
        await self._send(_OP_PING, payload)

    async def _send(self, op, payload, rest=None):
        # rest: what _put left of the frame, when it was called already
        if rest is None:
            rest = self._put(op, payload)
            if rest is None:
                return
        w = self._w
        async with self._lock:  # two drains at once would trip MicroPython's IO queue
            try:
                if rest is not _NOTHING:
                    w.write(rest)
                await asyncio.wait_for(w.drain(), self.write_timeout)
            except asyncio.TimeoutError:
                why = "send timed out"
            except (OSError, EOFError) as e:
                why = "send failed (%s)" % (e,)
            else:
                return
        self._gone(_LOST, why)

    def _put(self, op, payload):
        # Builds the masked frame of payload (None: the message is in buffer() already) in
        # the send buffer, and writes it at once when nothing is queued (MicroPython:
        # write() sends what the socket takes and keeps a copy of only a rest in out_buf,
        # extmod/asyncio/stream.py Stream.write). None when the socket took it all: the
        # frame is on the wire (no lock, no drain, no task switch). Else what _send must
        # finish: _NOTHING when the writer holds a rest, or a copy of the frame (its waits
        # would let another send reuse the buffer). ConnectionClosed when closing or the
        # write failed.
        if self.closed or (self._close_sent and op != _OP_CLOSE):
            raise ConnectionClosed(self.close_code or _LOST, "closing")
        if payload is None:
            buf = self._tx
        else:
            buf = self.buffer()
            buf.extend(payload if _STR_IS_BUFFER or not isinstance(payload, str)
                       else payload.encode())
        # Header and masked payload in ONE buffer and one write: two writes make two TCP
        # segments, and Nagle + delayed ACK then hold the second for up to 40 ms. The header
        # goes right in front of the payload, the masking is in place.
        n = len(buf) - _ROOM
        if n < 126:
            s = _ROOM - 6
            buf[s + 1] = 0x80 | n
        elif n < 65536:
            s = 0
            buf[1] = 0xFE
            buf[2] = n >> 8
            buf[3] = n & 0xFF
        else:  # not a Sinric message: built apart (allocates the frame)
            buf = bytearray(head(op, n, b"\0\0\0\0")) + memoryview(buf)[_ROOM:]
            s = 0
        start = len(buf) - n
        buf[s] = 0x80 | op
        key_into(buf, start - 4, os.urandom)  # right in front of the payload, read from there
        mask(buf, buf, start, start - 4)
        if op == _OP_CLOSE:
            self._close_sent = True
        frame = memoryview(buf)[s:] if s else buf
        w = self._w
        if not self._lock.locked() and not getattr(w, "out_buf", True):
            try:
                w.write(frame)
            except (OSError, EOFError) as e:
                self._gone(_LOST, "send failed (%s)" % (e,))
            return _NOTHING if w.out_buf else None
        return bytes(frame)

    # -- closing ----------------------------------------------------------------------
    async def close(self, code=1000, reason=""):
        """Closing handshake: send close, wait (close_timeout) for the server's, drop the link.
        Cancel any task inside recv() first: this reads the server's answer itself."""
        if self.closed:
            return
        try:
            if not self._close_sent:
                await self._send(_OP_CLOSE, close_payload(code, reason))
            for _ in range(16):  # messages after our close are dropped
                await asyncio.wait_for(self._recv(), self.close_timeout)
        except (asyncio.TimeoutError, OSError, EOFError, ConnectionClosed):
            pass
        self.abort(code, reason)

    def abort(self, code=_LOST, reason="aborted"):
        """Drop the TCP connection now (no handshake). Safe to call more than once.
        On MicroPython, cancel tasks waiting on this socket first."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        w = self._w
        if w is not None:
            try:
                if hasattr(w, "transport"):  # CPython
                    w.transport.abort()
                else:
                    w.s.close()
            except (OSError, AttributeError):
                pass


async def serve(ws, on_message):
    """Read ws's messages for as long as the link lives, each handed to on_message(ws, raw);
    the one read loop of the link's owner (sinric.client) and of the fuzz that checks this
    order against recv() alone (tests/portable/test_ws_fuzz.py).

    ws: a WebSocket, or any object with its recv_now(), readable(), recv(), binary,
    buffer() and send_buffer() (the tests' links). The order: a message buffered whole is
    read by recv_now() (a plain call, into the link's receive buffer); nothing there: the
    wait readable() gives (the idle point: on_idle runs first), then recv_now() again;
    anything else (control frames, fragments, a frame not all there, a longer message,
    RFC 6455 section 5's malformed forms) is recv()'s. Nothing is allocated here per
    message: the caller makes on_message once (one bound method per session), not a
    closure, coroutine or bound method per message; the link is passed to it, so its owner
    keeps no reference of its own to the session's link.

    on_message(ws, raw): raw is what recv_now()/recv() returned (a bytearray valid only
    until the call returns, bytes, or str; ws.binary tells the kind of its frames). It
    returns a true value when it put an answer into ws.buffer(): serve then sends it as one
    text message (send_buffer()) before the next read; a false value: nothing to send. It
    must not await (the buffer would be reused meanwhile).

    Returns never: ConnectionClosed when the link ends (the server's close, a protocol
    error, RFC 6455 section 7; a lost or stalled link: 1006), and whatever on_message or a
    send raises, propagate to the caller, which then drops the link.
    """
    while True:
        raw = ws.recv_now()
        if raw is None:
            wait = ws.readable()
            if wait is not None:
                await wait
                continue
            raw = await ws.recv()
        if on_message(ws, raw):
            await ws.send_buffer()
        raw = None  # a message of its own (recv()'s bytes) is not held through the wait
