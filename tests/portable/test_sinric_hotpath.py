# The Sinric request hot path allocates little: the usual envelope and signature are checked
# by comparison (no JSON objects), the signature compared without a tuple per byte, log text
# formatted only when logged, canonical JSON writes plain keys and strings without copying
# them; one whole request stays under a bound on MicroPython.
import gc

from hmac_sha256 import equal
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
    socket read does), and its writer: what the client's reader loop touches."""

    out_buf = b""

    def __init__(self):
        self.data = b""
        self.at = 0
        self.written = 0

    def read(self, n):
        r = self.data[self.at : self.at + n]
        self.at += len(r)
        return r or None

    def write(self, buf):
        self.written += 1


def _frame(raw):
    return bytes((0x81, 126, len(raw) >> 8, len(raw) & 255)) + raw


async def _one(ws, d, sock, frame):
    # the client's reader loop (lib/sinric/client.py) for one request, GC held off: every
    # byte allocated from the frame's first bytes to the response on the wire
    sock.data = frame
    sock.at = 0
    gc.collect()
    gc.disable()
    try:
        a0 = gc.mem_alloc()
        raw = await ws.recv()
        if d.handle(raw, ws.buffer()) is not None:
            await ws.send_buffer()
        return gc.mem_alloc() - a0
    finally:
        gc.enable()


def test_one_request_on_the_link_allocates_under_a_bound():
    # Frame read, verify (HMAC, base64, JSON), dispatch, handler, response signed into the
    # link's reused send buffer, masked in place, written. Measured (MicroPython 1.28):
    # 3,008 bytes on the 64-bit host build, 2,048 on the 32-bit kit (ESP8266 profile);
    # 3,200 and 2,304 before the signatures' base64 went into a reused buffer and the
    # replay times became small ints (Unix seconds are big ints on 32-bit, 32 B an
    # operation); 9,568 and 7,088 before the masking and response work. Bounds an eighth
    # over. The goal is 2 KB: met on 32-bit; on 64-bit what is left is two SHA-256 objects
    # and digests per HMAC (two HMACs), the payload's bytes and its parsed dict, and the
    # link's coroutines. CPython has no gc.mem_alloc.
    if not MICROPYTHON:
        return
    import asyncio
    import sys

    from net.ws import WebSocket

    bound = 3384 if sys.maxsize > 1 << 32 else 2304
    d = Dispatcher(SECRET, Clock(), print)
    d._tokens = bytearray(8 * d.seen_tokens)
    d.on_request(DEV, lambda action, value, inst: {"state": value["state"]})
    c = Codec(SECRET)
    ws = WebSocket()
    ws.decode_text = False
    sock = ws._s = _Sock()
    ws._w = sock
    frames = [_frame(request(c, n, value={"state": "On" if n % 2 else "Off"}))
              for n in range(6)]

    async def run():
        out = []
        for f in frames:
            out.append(await _one(ws, d, sock, f))
        return out

    used = asyncio.run(run())
    assert sock.written == 6 and d.stats["requests"] == 6 and d.stats["refused"] == 0
    # the first one makes the send buffer; each later one reuses it
    assert max(used[1:]) <= bound, (used, bound)


def test_canonical_objects_with_plain_and_escaped_keys_and_strings():
    from canonical_json import dumps

    assert dumps({}) == "{}"
    assert dumps({"b": "x", "a": 1, "c": ""}) == '{"a":1,"b":"x","c":""}'
    assert dumps({'k"': "v\n", "z": {}}) == '{"k\\"":"v\\n","z":{}}'
    assert dumps({"\x01": ["a", {"q": "\\"}], "\u00e9": "\u00e9"}) == \
        '{"\\u0001":["a",{"q":"\\\\"}],"\u00e9":"\u00e9"}'
    assert dumps({"a\bb": "\f"}) == '{"a\\bb":"\\f"}'
