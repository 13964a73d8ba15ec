# The Sinric request hot path allocates little: the usual envelope and signature are checked
# by comparison (no JSON objects), the signature compared without a tuple per byte, log text
# formatted only when logged, canonical JSON writes plain keys and strings without copying
# them; one whole request stays under a bound on MicroPython.
import gc
import json

from hmac_sha256 import equal
from sinric.codec import BadSignature, Codec, MissingSignature
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
        with raises(BadSignature):
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
    with raises(MissingSignature):
        c.verify(body + b',"signature":{"HMAC":""}}')
    with raises(BadSignature):
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


def test_one_request_allocates_under_a_bound():
    # Verify, dispatch, handler, signed response of a setPowerState. Measured (MicroPython
    # 1.28, 64-bit host build): 4,320 bytes; 8,864 before the hot-path work. A 32-bit build
    # allocates less, so the one bound (a quarter over) serves both. CPython has no
    # gc.mem_alloc.
    if not MICROPYTHON:
        return
    d = Dispatcher(SECRET, Clock(), print)
    d.on_request(DEV, lambda action, value, inst: {"state": value["state"]})
    c = Codec(SECRET)
    bound = 5400
    for n in range(3):
        raw = request(c, n)
        used, out = measure(d.handle, raw)
        assert json.loads(out)["payload"]["success"] is True
        assert used <= bound, (used, bound)


def test_canonical_objects_with_plain_and_escaped_keys_and_strings():
    from canonical_json import dumps

    assert dumps({}) == "{}"
    assert dumps({"b": "x", "a": 1, "c": ""}) == '{"a":1,"b":"x","c":""}'
    assert dumps({'k"': "v\n", "z": {}}) == '{"k\\"":"v\\n","z":{}}'
    assert dumps({"\x01": ["a", {"q": "\\"}], "\u00e9": "\u00e9"}) == \
        '{"\\u0001":["a",{"q":"\\\\"}],"\u00e9":"\u00e9"}'
    assert dumps({"a\bb": "\f"}) == '{"a\\bb":"\\f"}'
