import binascii

from hmac_sha256 import HmacSha256, b64encode, equal

# RFC 4231 §4.2-§4.8: (key, data, hex HMAC-SHA-256); case 5 is truncated to 128 bits.
RFC4231 = (
    (b"\x0b" * 20, b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (b"\xaa" * 20, b"\xdd" * 50,
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes(range(1, 26)), b"\xcd" * 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (b"\x0c" * 20, b"Test With Truncation", "a3b6167473100ee06e0c796c2955552b"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (b"\xaa" * 131,
     b"This is a test using a larger than block-size key and a larger than block-size data."
     b" The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
)


def test_rfc4231_all_cases():
    for i, (key, data, want) in enumerate(RFC4231):
        got = binascii.hexlify(HmacSha256(key).digest(data)).decode()
        assert got[: len(want)] == want, "case %d: %s" % (i + 1, got)


def test_reusable_and_str_inputs():
    mac = HmacSha256("Jefe")
    a = mac.digest("what do ya want for nothing?")
    b = mac.digest(b"what do ya want for nothing?")
    assert a == b
    assert binascii.hexlify(a).decode() == RFC4231[1][2]


def test_key_of_exactly_block_size_is_not_hashed():
    # 64-byte key: padded, not hashed; 65 bytes: hashed. Both must differ from each other.
    k64 = b"k" * 64
    assert HmacSha256(k64).digest(b"m") != HmacSha256(k64 + b"k").digest(b"m")
    # fixed vectors from CPython's hmac module, an implementation of its own
    for n, want in ((63, "e458f5dd7e8afee6b774e5d451ae43f4d268bf11646030143d0b0231dcb02383"),
                    (64, "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7803289fa"),
                    (65, "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525d08af7cc")):
        assert binascii.hexlify(HmacSha256(b"k" * n).digest(b"m")).decode() == want, n


def test_base64_has_no_newline():
    s = HmacSha256(b"\x0b" * 20).b64(b"Hi There")
    assert len(s) == 44 and s.endswith("=") and "\n" not in s
    assert b64encode(b"abc") == "YWJj"


def test_b64_into_matches_binascii():
    # 66 digests: every character of the alphabet turns up in each of the four positions of
    # a group; written over what the buffer held, nothing past the 44 bytes
    mac = HmacSha256(b"k")
    out = bytearray(b"#" * 46)
    seen = set()
    for k in range(66):
        mac.b64_into(b"m%d" % k, out)
        want = binascii.b2a_base64(mac.digest(b"m%d" % k))[:-1]
        assert bytes(out[:44]) == want, k
        assert out[44:] == b"##"
        seen.update((i % 4, c) for i, c in enumerate(want[:40]))
    assert len(seen) == 256


def test_equal():
    assert equal("abc", "abc")
    assert equal(b"abc", "abc")
    assert not equal("abc", "abd")
    assert not equal("abc", "ab")
    assert not equal("", "a")
    assert equal("", "")
    mac = HmacSha256(b"k").b64(b"m")
    for n in (0, 1, 20, 43):  # a prefix of the right value is not the right value
        assert not equal(mac[:n], mac) and not equal(mac, mac[:n])
    assert not equal(mac + "A", mac)
    # bytes that differ by a multiple, or against a zero byte, still differ
    assert not equal(b"\x02", b"\x01") and not equal(b"b", b"1") and not equal(b"\x00", b"\x05")
    assert not equal(b"\x05", b"\x00")
