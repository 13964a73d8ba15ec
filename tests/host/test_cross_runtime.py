"""The canonical encoder and HMAC give the same bytes on CPython and on real MicroPython."""

import hmac
import json
import random
import subprocess

from canonical_json import dumps
from hmac_sha256 import HmacSha256
from mpy import MICROPYTHON, mp_env

MP_SCRIPT = r"""
import sys, json
from canonical_json import dumps
from hmac_sha256 import HmacSha256
for line in sys.stdin:
    v = json.loads(line)
    key = v.pop("__key")
    text = dumps(v["v"])
    print(json.dumps([text, HmacSha256(key).b64(text)]))
"""


def random_value(rng, depth=0):
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randrange(-(10**20), 10**20)
    if kind == 2:
        # physical values, rounded as the firmware does before encoding
        return round(rng.uniform(-1e6, 1e6), rng.randrange(0, 4))
    if kind == 3:
        return rng.choice([23.0, 1e-05, 1e16, -0.0, 0.1, 2.5e-07, 1e21, 123456.789, 5.55])
    if kind == 4:
        alphabet = "ab/\\\"é温\b\f\n\r\t\x01\x1f\x7f "
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if kind in (5, 6):
        return {"k%d%s" % (i, rng.choice("xé\n")): random_value(rng, depth + 1)
                for i in range(rng.randrange(4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def test_same_bytes_on_both_runtimes():
    rng = random.Random(20261121)
    cases = [random_value(rng) for _ in range(400)]
    keys = ["k" * rng.randrange(1, 140) for _ in cases]
    lines = "".join(json.dumps({"v": v, "__key": k}) + "\n" for v, k in zip(cases, keys))
    out = subprocess.run(
        [str(MICROPYTHON), "-X", "heapsize=38wK", "-c", MP_SCRIPT],
        input=lines.encode(), capture_output=True, env=mp_env(),
        timeout=60, check=True,
    ).stdout.decode().splitlines()
    assert len(out) == len(cases)
    for v, k, line in zip(cases, keys, out):
        mp_text, mp_mac = json.loads(line)
        assert mp_text == dumps(v), v
        assert mp_mac == HmacSha256(k).b64(mp_text)


def test_canonical_form_round_trips_like_json_stringify():
    # JSON.stringify(JSON.parse(text)) == text: parse and re-encode gives the same text.
    rng = random.Random(7)
    for _ in range(2000):
        v = random_value(rng)
        text = dumps(v)
        assert dumps(json.loads(text)) == text


def test_hmac_matches_cpython_hmac():
    rng = random.Random(1)
    for n in list(range(0, 140, 7)) + [63, 64, 65, 73]:
        key = bytes(rng.randrange(256) for _ in range(n))
        msg = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
        assert HmacSha256(key).digest(msg) == hmac.new(key, msg, "sha256").digest()
