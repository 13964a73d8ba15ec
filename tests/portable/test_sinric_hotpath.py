# The Sinric request hot path allocates little: the usual envelope and signature are checked
# by comparison (no JSON objects), the signature compared without a tuple per byte, log text
# formatted only when logged, canonical JSON writes plain keys and strings without copying
# them; one whole request stays under a bound on MicroPython.
import gc

from hmac_sha256 import HmacSha256, equal
from sinric.codec import BAD_SIGNATURE, MISSING_SIGNATURE, Codec, MessageError
from sinric.dispatch import Dispatcher
from support import MICROPYTHON, raises

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5dc1564130aaaaaaaaaaaa01"


class Clock:
    def __init__(self, t=1700000000):
        self.t = t

    def now(self):
        return self.t

    def sync(self, t):
        self.t = t


def request(codec, n=0, **extra):
    p = {"action": "setPowerState", "clientId": "portal", "createdAt": 1700000000,
         "deviceId": DEV, "replyToken": "8d6f2c5e-1d9a-4c1e-9f55-3a0e2b7c%04d" % n,
         "type": "request", "value": {"state": "On"}}
    p.update(extra)
    return codec.sign(p).encode()


def test_usual_envelope_verifies_and_every_byte_of_its_signature_counts():
    c = Codec(SECRET)
    raw = request(c)
    assert c.verify(raw)["replyToken"].startswith("8d6f2c5e")
    i = raw.find(b'"HMAC":"') + 8
    for k in range(44):
        bad = bytearray(raw)
        bad[i + k] = ord("A") if bad[i + k] != ord("A") else ord("B")
        with raises(MessageError, BAD_SIGNATURE):
            c.verify(bytes(bad))


def test_unusual_signature_forms_still_parse_or_are_refused():
    c = Codec(SECRET)
    raw = request(c)
    i = raw.find(b'"HMAC":"') + 8
    sig = raw[i:i + 44]
    body = raw[:raw.rfind(b',"signature"')]
    # spaces, an extra field, an escaped character: the JSON path, same verdict
    for tail in (b',"signature": {"HMAC": "%s"}}', b',"signature":{"x":1,"HMAC":"%s"}}'):
        assert c.verify(body + tail.replace(b"%s", sig))["type"] == "request"
    esc = sig[:10] + b"\\u00" + ("%02x" % sig[10]).encode() + sig[11:]
    assert c.verify(body + b',"signature":{"HMAC":"' + esc + b'"}}')["type"] == "request"
    with raises(MessageError, MISSING_SIGNATURE):
        c.verify(body + b',"signature":{"HMAC":""}}')
    with raises(MessageError, BAD_SIGNATURE):
        c.verify(body + b',"signature":{"HMAC":"' + sig[:43] + b'"}}')
    # an unusual but valid header is parsed; a bad one refused as before
    plain = raw.replace(b'{"header":{"payloadVersion":2,"signatureVersion":1},', b"{")
    assert c.verify(plain)["type"] == "request"


def test_a_request_in_a_bytearray_is_handled_as_in_bytes():
    # The link hands the dispatcher its receive buffer (WebSocket.recv_now): every form of a
    # request, usual or not, gets the same answer from a bytearray as from bytes.
    c = Codec(SECRET)
    raw = request(c)
    body = raw[:raw.rfind(b',"signature"')]
    sig = raw[raw.find(b'"HMAC":"') + 8:][:44]
    other = request(c, 1, clientId="alexa-Z")  # then a lone surrogate escaped, signed
    i, j = other.find(b'"payload":') + 10, other.rfind(b',"signature"')
    p = other[i:j].replace(b"alexa-Z", b"alexa-\\ud83d")
    lone = other[:i] + p + b',"signature":{"HMAC":"' + HmacSha256(SECRET).b64(p).encode() + b'"}}'
    forms = (raw, body + b',"signature": {"HMAC": "' + sig + b'"}}', lone,
             raw.replace(b'{"header":{"payloadVersion":2,"signatureVersion":1},', b"{"),
             raw.replace(b'"HMAC":"' + sig[:4], b'"HMAC":"AAAA'), b"x" * 100,
             b'{"timestamp":1700000001}')
    for form in forms:
        answers = []
        for kind in (bytes, bytearray):
            logs = []
            d = Dispatcher(SECRET, Clock(), logs.append)
            d.on_request(DEV, lambda action, value, inst: {"state": value["state"]})
            answers.append((d.handle(kind(form)), logs, dict(d.stats)))
        assert answers[0] == answers[1], (form, answers)
        if form is lone:  # refused by the lenient parser, answered
            assert "lone surrogate" in answers[1][0], answers


def test_equal_compares_every_byte():
    a = "abcdefghij" * 4
    assert equal(a, a) and equal(a.encode(), a)
    for k in range(len(a)):
        b = a[:k] + "#" + a[k + 1:]
        assert not equal(a, b)
    assert not equal(a, a[:-1])


def measure(fn, *args):
    gc.collect()
    gc.disable()
    try:
        a0 = gc.mem_alloc()
        r = fn(*args)
        return gc.mem_alloc() - a0, r
    finally:
        gc.enable()


class _Sock:
    """The link's non-blocking socket with a whole frame buffered (read gives a copy, as a
    socket read does; readinto fills a buffer), and its writer: what the client's reader
    loop touches."""

    out_buf = b""

    def __init__(self):
        self.data = b""
        self.at = 0
        self.written = 0

    def read(self, n):
        r = self.data[self.at : self.at + n]
        self.at += len(r)
        return r or None

    def readinto(self, buf):
        # as a socket's: into the buffer, nothing allocated (by index: a view would be)
        d, at = self.data, self.at
        n = min(len(buf), len(d) - at)
        if not n:
            return None
        for i in range(n):
            buf[i] = d[at + i]
        self.at = at + n
        return n

    def write(self, buf):
        self.written += 1


def _frame(raw):
    return bytes((0x81, 126, len(raw) >> 8, len(raw) & 255)) + raw


class _Reader:
    """The Sinric client's reader as the session runs it (lib/sinric/client.py _reader):
    net.ws.serve with the client's own _message, bound once; and the link's idle point
    (ws.on_idle, the board's collection there) feeding the next frame. Each window runs
    from one idle point, after its collection and with GC held off, to the next: the idle
    wait's end, the frame read, verify, dispatch, handler, the response signed and written,
    and the read that finds nothing more."""

    def __init__(self, d, sock, frames):
        from sinric.client import SinricClient

        self._message = SinricClient._message  # the client's code, not a copy
        self._log = print
        self.dispatch = d
        self.sock = sock
        self.frames = frames
        self.used = [0] * len(frames)
        self.fed = 0
        self.in_place = 0  # frames handed over in the link's receive buffer (recv_now)
        self.a0 = 0

    def message(self, ws, raw):
        self.in_place += raw is ws._rx
        return self._message(self, ws, raw)

    def idle(self):
        n = self.fed
        if n:
            self.used[n - 1] = gc.mem_alloc() - self.a0
        gc.enable()
        if n == len(self.frames):
            raise _Done
        self.sock.data = self.frames[n]
        self.sock.at = 0
        self.fed = n + 1
        gc.collect()
        gc.disable()
        self.a0 = gc.mem_alloc()


class _Done(Exception):
    pass


class _Core:
    """asyncio.core as net.ws's idle wait sees it (net.ws._core): the wait ends at once (the
    next frame is in the socket already), the task back on the run queue as
    extmod/asyncio/core.py's IOQueue puts it once the socket is readable. A fake socket must
    never reach MicroPython's real poller."""

    def __init__(self, real):
        self.real = real
        self._io_queue = self

    def queue_read(self, s):
        self.real._task_queue.push(self.real.cur_task)


def test_one_request_on_the_link_allocates_under_a_bound():
    # The client's reader (net.ws.serve and SinricClient._message) from one idle point to
    # the next: the wait's end, frame read, verify (HMAC, base64, JSON), dispatch, handler,
    # response signed into the link's reused send buffer, masked in place, written, and the
    # read that finds nothing more (the same figures as the loop's inline copy measured from
    # the frame's first bytes to the response on the wire). Measured (MicroPython 1.28, 64-bit
    # host build / 32-bit kit, the ESP8266 profile): 1,664 / 1,216 bytes, 1,664 / 1,248 when
    # the clock reads another second than createdAt (Unix seconds are big ints on 32-bit).
    # Of it the two HMACs, two SHA-256 objects and two digests each (896 / 768: hashlib
    # objects cannot be copied or reused), the payload's parse (480 / 272); the masking key
    # comes from a pool drawn 64 bytes at a time (a draw every 16th frame; urandom(4) per
    # frame was 64 / 32); the frame is read into the link's reused receive buffer by a plain
    # call and the response written by one (recv_now, send_buffer: no coroutine, no bytes).
    # Before: 1,728 / 1,248 (1,280) with a key per frame; 3,008 / 2,048 (2,080) with a
    # coroutine per recv() and send, the header, length and payload read as bytes; 9,568 /
    # 7,088 before the masking and response work. Bounds an eighth over (a request with a
    # draw fits too); the goal is 2 KB. CPython has no gc.mem_alloc.
    if not MICROPYTHON:
        return
    import asyncio
    import sys

    from net import ws as websocket

    bound = 1872 if sys.maxsize > 1 << 32 else 1400
    for lag in (0, 1):  # the clock on createdAt's second, and one after it
        d = Dispatcher(SECRET, Clock(1700000000 + lag), print)
        d._tokens = bytearray(8 * d.seen_tokens)
        d.on_request(DEV, lambda action, value, inst: {"state": value["state"]})
        c = Codec(SECRET)
        ws = websocket.WebSocket()
        ws.decode_text = False
        sock = ws._s = _Sock()
        ws._w = sock
        frames = [_frame(request(c, n, value={"state": "On" if n % 2 else "Off"}))
                  for n in range(6)]
        r = _Reader(d, sock, frames)
        ws.on_idle = r.idle
        real = websocket._core
        websocket._core = _Core(real)
        try:
            asyncio.run(websocket.serve(ws, r.message))
        except _Done:
            pass
        finally:
            websocket._core = real
            gc.enable()
        used = r.used
        assert sock.written == 6 and d.stats["requests"] == 6 and d.stats["refused"] == 0
        # a whole buffered frame is read by recv_now, into the link's buffer
        assert r.in_place == 6, r.in_place
        # the first one makes the receive and send buffers; each later one reuses them
        assert max(used[1:]) <= bound, (lag, used, bound)


def test_canonical_objects_with_plain_and_escaped_keys_and_strings():
    from canonical_json import dumps

    assert dumps({}) == "{}"
    assert dumps({"b": "x", "a": 1, "c": ""}) == '{"a":1,"b":"x","c":""}'
    assert dumps({'k"': "v\n", "z": {}}) == '{"k\\"":"v\\n","z":{}}'
    assert dumps({"\x01": ["a", {"q": "\\"}], "\u00e9": "\u00e9"}) == \
        '{"\\u0001":["a",{"q":"\\\\"}],"\u00e9":"\u00e9"}'
    assert dumps({"a\bb": "\f"}) == '{"a\\bb":"\\f"}'
