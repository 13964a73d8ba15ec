# Runs under MicroPython (and CPython for comparison): protocol throughput inside the
# interpreter. Prints one JSON line of figures.
import json
import time

try:
    ticks_ms, ticks_diff = time.ticks_ms, time.ticks_diff
except AttributeError:  # CPython
    def ticks_ms():
        return time.monotonic_ns() // 1_000_000

    def ticks_diff(a, b):
        return a - b

from sinric.codec import Codec

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
BUDGET_MS = 1500


def rate(fn):
    """Calls per second of fn, measured for about BUDGET_MS."""
    n = 0
    t0 = ticks_ms()
    while True:
        for _ in range(20):
            fn()
        n += 20
        dt = ticks_diff(ticks_ms(), t0)
        if dt >= BUDGET_MS:
            return n * 1000 / dt


def main():
    codec = Codec(SECRET, uuid4=lambda: "0b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b")
    req = {"action": "setPowerState", "clientId": "alexa-skill", "createdAt": 1700000000,
           "deviceAttributes": [], "deviceId": "5d737888aea17c30a056d759",
           "replyToken": "6ec1f778-e92f-487c-9818-bdbe3438f30e", "type": "request",
           "value": {"state": "On"}}
    wire = codec.sign(req).encode()
    out = {
        "verify_parse_per_s": rate(lambda: codec.verify(wire)),
        "encode_sign_per_s": rate(lambda: codec.response(req, 1700000001, value={"state": "On"})),
    }
    try:
        from net.frame import mask
    except ImportError:
        mask = None
    if mask is not None:
        buf = bytearray(4096)
        key = b"\x12\x34\x56\x78"
        per_s = rate(lambda: mask(buf, key))
        out["mask_mb_per_s"] = per_s * len(buf) / 1e6
    print(json.dumps(out))


main()
