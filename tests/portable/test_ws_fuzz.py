# Differential fuzz of the WebSocket receive paths: a seeded stream of server frames (valid
# messages at the length-encoding and receive-buffer edges, fragments, control frames between
# them, and the malformed forms of RFC 6455 section 5) arrives in random pieces, and is read
# (a) in the Sinric client's order (net.ws.serve: recv_now, readable, recv) and (b) by recv()
# alone. What each delivers, the close code and reason, and the frames the client sends back
# (pongs, the close echo) must be the same. The generator is our own xorshift, so the cases
# are the same on CPython and MicroPython; a failure prints the seed, the case and its bytes.
import asyncio
import gc

from net import ws as websocket

_CORE = websocket._core  # MicroPython's asyncio.core; None on CPython

SEED = 0x5EED13
CASES = 400  # per run: under a second on the ESP8266-profile interpreter
# payload lengths around the 7/16-bit encodings (125/126) and the receive buffer (608 = its
# 640 bytes less the 32 of padding, 640); 65535/65536 come as declared lengths over
# max_size (malformed), payloads that big do not fit the ESP8266's heap
EDGES = (0, 1, 2, 125, 126, 127, 200, 607, 608, 609, 639, 640, 641)


class Rng:
    """xorshift32: the same numbers on every interpreter."""

    def __init__(self, seed):
        self.x = seed & 0xFFFFFFFF or 1

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        return self.next() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]


class Wire:
    """The socket and its stream over one byte queue, as MicroPython's are (extmod/asyncio/
    stream.py: Stream.readexactly/read/readinto read the same non-blocking socket): the
    socket gives what has arrived (None when nothing has), each wait of the stream lets the
    next piece arrive; after the last piece the socket is at its end. The pieces are
    lengths cut from the one stream, and what has arrived is read by position in it: a copy
    per piece or per read would fragment the test's board-sized heap, and the fuzz must
    charge the heap for the reader's buffers, not for its own."""

    def __init__(self, data, pieces, preload, limit):
        self.buf = data
        self.pieces = pieces  # lengths, summing to len(data)
        self.next = 0
        self.end = 0  # what has arrived: buf[:end]
        self.pos = 0
        self.eof = False
        self.limit = limit  # at most this much per read (a TLS record at a time)
        self._io_queue = self
        for _ in range(preload):
            self._arrive()

    def _arrive(self):
        if self.next < len(self.pieces):
            self.end += self.pieces[self.next]
            self.next += 1
            return True
        self.eof = True
        return False

    def _have(self):
        return self.end - self.pos

    def _take(self, n):
        n = min(n, self.end - self.pos)
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    # the non-blocking socket (ws._s)
    def read(self, n):
        if not self._have():
            return b"" if self.eof else None
        return self._take(min(n, self.limit))

    def readinto(self, buf):
        if not self._have():
            return 0 if self.eof else None
        got = self._take(min(len(buf), self.limit))
        buf[: len(got)] = got
        return len(got)

    # asyncio.core's IO queue as net.ws's idle wait sees it (ws._core, ws._core._io_queue):
    # the wait lets the next piece arrive and the task run on (MicroPython: back on the run
    # queue, as extmod/asyncio/core.py does once the socket is readable; CPython: the wait's
    # bare yield does that). A fake socket must never reach MicroPython's real poller.
    def queue_read(self, s):
        if not self._have():
            self._arrive()
        if _CORE is not None:
            _CORE._task_queue.push(_CORE.cur_task)

    # the stream (ws._r)
    async def readexactly(self, n):
        while self._have() < n:
            if not self._arrive():
                raise EOFError
        return self._take(n)

    async def drain_read(self, n):  # the stream's read: the discard after our close
        while not self._have() and self._arrive():
            pass
        return self._take(n)


class Stream:
    """ws._r (and ws._raw): the Wire as a stream; .s is what the idle wait waits on."""

    def __init__(self, wire):
        self.w = self.s = wire

    def readexactly(self, n):
        return self.w.readexactly(n)

    def read(self, n):
        return self.w.drain_read(n)


class Writer:
    out_buf = b""

    def __init__(self):
        self.data = bytearray()

    def write(self, b):
        self.data.extend(b)

    async def drain(self):
        pass


def frame(op, payload, fin=True, rsv=0, key=None, enc=0):
    """A server frame; enc forces the 16-bit (1) or 64-bit (2) length form."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | rsv << 4 | op
    m = 0x80 if key else 0
    if n < 126 and not enc:
        h = bytes((b0, m | n))
    elif n < 65536 and enc != 2:
        h = bytes((b0, m | 126, n >> 8, n & 255))
    else:
        h = bytes((b0, m | 127)) + n.to_bytes(8, "big")
    if key:
        p = bytearray(payload)
        for i in range(n):
            p[i] ^= key[i & 3]
        return h + key + p
    return h + payload


def payload(r, n, text):
    base = r.below(200)
    if text:
        p = bytearray((97 + (base + i) % 26) for i in range(n))
        if n and r.below(6) == 0:  # invalid UTF-8 in a text message
            p[r.below(n)] = 0xFF
        elif n > 1 and r.below(6) == 0:  # a 2-byte character
            i = r.below(n - 1)
            p[i] = 0xC3
            p[i + 1] = 0xA9
        return bytes(p)
    return bytes((base + 7 * i) & 255 for i in range(n))


def length(r):
    return r.pick(EDGES) if r.below(2) else r.below(700)


def message(r):
    op = 1 + r.below(2)
    n = length(r)
    return frame(op, payload(r, n, op == 1), enc=r.pick((0, 0, 0, 1, 2)))


def control(r):
    k = r.below(8)
    if k < 3:
        return frame(9, payload(r, r.pick((0, 1, 5, 125)), False))
    if k < 5:
        return frame(10, payload(r, r.pick((0, 4, 125)), False))
    # a close: no status, a good code, or a bad payload
    return frame(8, r.pick((b"", b"\x03\xe8", b"\x03\xe8bye", b"\x0f\xa0app", b"\x03",
                            b"\x03\xe7", b"\x03\xed", b"\x03\xe8\xff\xfe", b"\x13\x88")))


def fragmented(r):
    op = 1 + r.below(2)
    parts = 2 + r.below(3)
    out = []
    for i in range(parts):
        n = r.pick((0, 1, 100, 300, 608))
        out.append(frame(op if i == 0 else 0, payload(r, n, op == 1), fin=i == parts - 1))
        if i < parts - 1 and r.below(3) == 0:
            out.append(control(r) if r.below(4) else frame(9, b"mid"))
    return b"".join(out)


def malformed(r):
    k = r.below(13)
    p = payload(r, r.pick((0, 3, 130)), False)
    if k == 0:  # a reserved bit
        return frame(2, p, rsv=1 << r.below(3))
    if k == 1:  # a reserved data or control opcode
        return frame(r.pick((3, 4, 5, 6, 7, 11, 12, 13, 14, 15)), p[:100])
    if k == 2:  # masked by the server
        return frame(1 + r.below(2), p, key=b"\x01\x02\x03\x04")
    if k == 3:  # a control frame in parts
        return frame(9, p[:10], fin=False)
    if k == 4:  # a control frame over 125 bytes
        return frame(9, payload(r, 126, False), enc=1)
    if k == 5:  # a continuation with nothing to continue
        return frame(0, p)
    if k == 6:  # a new message inside a fragmented one
        return frame(2, b"ab", fin=False) + frame(1, b"cd")
    if k == 7:  # a 64-bit length with its top bit set
        return bytes((0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 5)) + b"hello"
    if k == 8:  # longer than max_size (the payload never comes: refused first)
        return bytes((0x82, 126, 0xFF, 0xFF)) + p
    if k == 9:
        return bytes((0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0)) + p
    if k == 10:  # fragments adding up over max_size
        return frame(2, payload(r, 600, False), fin=False) + frame(0, payload(r, 600, False))
    if k == 11:  # 65535 declared, a part sent
        return bytes((0x81, 126, 0xFF, 0xFF)) + p
    return frame(1, b"\xed\xa0\x80")  # a UTF-8 surrogate: not valid text


def case(r):
    out = []
    for _ in range(1 + r.below(5)):
        k = r.below(20)
        if k < 9:
            out.append(message(r))
        elif k < 12:
            out.append(fragmented(r))
        elif k < 15:
            out.append(control(r))
        else:
            out.append(malformed(r))
    out = b"".join(out)
    if r.below(5) == 0:  # the stream ends in the middle of a frame
        out = out[: r.below(len(out) + 1)]
    return out


def pieces(r, data):
    """The lengths TCP cuts data into (the last one ends at its end)."""
    out = []
    i = 0
    while i < len(data):
        k = r.below(4)
        n = 1 + (r.below(3) if k == 0 else r.below(40) if k == 1 else r.below(700)
                 if k == 2 else len(data))
        n = min(n, len(data) - i)
        out.append(n)
        i += n
    return out


def sent(data):
    """(opcode, unmasked payload) of each frame the client wrote."""
    out = []
    i = 0
    while i < len(data):
        op, n = data[i] & 15, data[i + 1] & 127
        i += 2
        if n == 126:
            n = data[i] << 8 | data[i + 1]
            i += 2
        key = data[i : i + 4]
        p = bytearray(data[i + 4 : i + 4 + n])
        for j in range(n):
            p[j] ^= key[j & 3]
        out.append((op, bytes(p)))
        i += 4 + n
    return out


def _value(ws, raw):
    # its type, length and a digest, not the bytes: one path's messages are held while the
    # other runs, on a board-sized heap; and no copy of a long message (a second hole of
    # its size) either
    if isinstance(raw, str):
        return (ws.binary, True, len(raw), hash(raw))
    d = 0
    for b in raw:
        d = (d * 31 + b) & 0xFFFFFF
    return (ws.binary, False, len(raw), d)


def _client_order(ws, out):
    # the client's own read loop (net.ws.serve, as sinric.client runs it), not a copy
    def on_message(ws, raw):
        out.append(_value(ws, raw))

    return websocket.serve(ws, on_message)


async def _recv_only(ws, out):
    while True:
        out.append(_value(ws, await ws.recv()))


def run(data, chunks, preload, limit, decode, max_size, client_order, tls=False):
    wire = Wire(data, chunks, preload, limit)
    ws = websocket.WebSocket(max_size)
    ws.decode_text = decode
    ws.close_timeout = 1
    ws._s = wire
    ws._r = Stream(wire)
    if tls:  # wss on MicroPython: the waits are the TCP stream's, the reads the TLS socket's
        ws._raw = Stream(wire)
    ws._w = w = Writer()
    out = []
    websocket._core = wire
    try:
        asyncio.run((_client_order if client_order else _recv_only)(ws, out))
    except websocket.ConnectionClosed as e:
        out.append(("closed", e.code, e.reason))
    except Exception as e:  # noqa: BLE001 - anything else is a crash: it must match too
        out.append(("raised", type(e).__name__, str(e)))
    finally:
        websocket._core = _CORE
    out.append(("state", ws.closed, ws.close_code, ws.close_reason))
    out.append(("sent", sent(w.data)))
    return out


def check(seed, cases):
    r = Rng(seed)
    a = b = data = chunks = None
    for i in range(cases):
        a = b = data = chunks = None  # the last case's, freed: a board-sized heap
        gc.collect()
        data = case(r)
        chunks = pieces(r, data)
        preload = r.below(3)
        limit = r.pick((1 << 30, 1 << 30, 1, 3, 100))
        decode = r.below(3) == 0
        max_size = r.pick((4096, 4096, 700, 608, 300))
        tls = r.below(3) == 0
        a = run(data, chunks, preload, limit, decode, max_size, True, tls)
        b = run(data, chunks, preload, limit, decode, max_size, False, tls)
        if a != b:
            print("ws fuzz: seed %#x case %d differs" % (seed, i))
            print(" stream %d bytes: %s" % (len(data), data[:200]))
            print(" pieces", chunks, "preload", preload, "limit", limit,
                  "decode_text", decode, "max_size", max_size, "wss", tls)
            print(" client order:", a)
            print(" recv() only: ", b)
            raise AssertionError("seed %#x case %d: the paths differ" % (seed, i))
        assert a[-3][0] in ("closed",), a[-3]  # every stream ends in a close, never a crash


def test_client_order_delivers_what_recv_alone_does():
    check(SEED, CASES)


def test_a_frame_cut_at_every_byte_reads_as_recv_alone_reads_it():
    # recv_now keeps a frame cut in its payload as the payload's part and its head (recv()
    # goes on from there): every cut of a 7-bit and a 16-bit length frame, on ws and wss,
    # with a ping after it, reads as recv() alone reads it; and close() with a part pending
    # reads the rest of the frame before the server's close.
    ping = frame(9, b"p")
    for n, op in ((100, 2), (300, 1)):
        msg = frame(op, payload(Rng(n), n, op == 1))
        data = msg + ping + frame(2, b"after") + frame(8, b"\x03\xe8")
        for cut in range(1, len(msg)):
            for tls in (False, True):
                a = b = None
                gc.collect()
                a = run(data, [cut, len(data) - cut], 1, 1 << 30, False, 4096, True, tls)
                b = run(data, [cut, len(data) - cut], 1, 1 << 30, False, 4096, False, tls)
                assert a == b and len(a) == 5 and a[0][2] == n, (n, cut, tls, a, b)
        for cut in (1, 2, 3, 4, 5, len(msg) - 1):
            wire = Wire(data, [cut, len(data) - cut], 1, 1 << 30)
            ws = websocket.WebSocket()
            ws.decode_text = False
            ws._s = wire
            ws._r = Stream(wire)
            ws._w = w = Writer()
            websocket._core = wire
            try:
                assert ws.recv_now() is None
                asyncio.run(ws.close())
            finally:
                websocket._core = _CORE
            assert (ws.close_code, ws.close_reason) == (1000, "closed by server"), (n, cut)
            assert [op for op, _ in sent(w.data)] == [8], (n, cut)
