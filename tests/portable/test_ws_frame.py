import gc
import os

import net.frame as F
from net.handshake import accept_key
from net.tls_context import der
from net.url import parse_url
from support import raises


def naive_mask(buf, key, start):
    for i in range(start, len(buf)):
        buf[i] ^= key[(i - start) & 3]


def test_mask_matches_the_byte_loop_at_every_size_and_offset():
    sizes = list(range(0, 20)) + [63, 64, 65, 255, 256, 257, 511, 512, 513, 1000, 4100]
    data = want = got = None
    for n in sizes:
        for start in (0, 2, 6, 14):
            data = want = got = None  # three 4 KB buffers must fit an ESP8266's heap whole
            gc.collect()
            key = os.urandom(4)
            data = bytearray(os.urandom(start + n))
            want = bytearray(data)
            naive_mask(want, key, start)
            got = bytearray(data)
            F.mask(got, key, start)
            assert got == want, (n, start)
            F.mask(got, key, start)
            assert got == data  # the same call unmasks


def test_frame_heads_for_each_length_class():
    key = b"\x01\x02\x03\x04"
    cases = [(1, 0, b"\x81\x80"), (1, 125, b"\x81\xfd"), (1, 126, b"\x81\xfe\x00\x7e"),
             (2, 65535, b"\x82\xfe\xff\xff"),
             (2, 65536, b"\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00"),
             (2, 1 << 40, b"\x82\xff\x00\x00\x01\x00\x00\x00\x00\x00"), (9, 3, b"\x89\x83")]
    for op, n, want in cases:
        assert F.head(op, n, key) == want + key, (op, n)
    assert F.head(0, 3, key, fin=False)[0] == 0x00


def test_close_payloads():
    assert F.close_payload(1000) == b"\x03\xe8"
    assert F.close_payload(1009, "too big") == b"\x03\xf1too big"
    assert len(F.close_payload(1000, "x" * 200)) == 125  # control frames stay <= 125 bytes
    assert F.parse_close(b"") == (1005, "")
    assert F.parse_close(b"\x0f\xa1bye") == (4001, "bye")
    for bad in (b"\x03", b"\x03\xed", b"\x00\x10", b"\x07\xd0", b"\x03\xe8\xff"):
        with raises(ValueError):
            F.parse_close(bad)


def test_accept_key_rfc_example():
    # RFC 6455 section 1.3
    assert accept_key(b"dGhlIHNhbXBsZSBub25jZQ==") == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_parse_url():
    assert parse_url("wss://ws.sinric.pro", "ws") == (True, "ws.sinric.pro", 443, "/")
    assert parse_url("ws://127.0.0.1:8765/", "ws") == (False, "127.0.0.1", 8765, "/")
    assert parse_url("ws://h:81/a/b?c=d", "ws") == (False, "h", 81, "/a/b?c=d")
    assert parse_url("ws://[::1]:9000/", "ws") == (False, "::1", 9000, "/")
    for bad in ("http://x/", "ws://", "ws:///path"):
        with raises(ValueError):
            parse_url(bad, "ws")


def test_pem_to_der():
    pem = "-----BEGIN CERTIFICATE-----\nAAEC\nAwQ=\n-----END CERTIFICATE-----\n"
    assert der(pem) == b"\x00\x01\x02\x03\x04"
    assert der(b"\x30\x82") == b"\x30\x82"


def test_mask_reads_its_key_where_it_lies_in_the_buffer():
    # the send path's frame: the key in front of the payload, read from there
    for n in (0, 1, 3, 4, 5, 130):
        frame = bytearray(b"\x81\x80K3y!" + bytes(range(n)))
        want = bytearray(frame)
        naive_mask(want, b"K3y!", 6)
        F.mask(frame, frame, 6, 2)
        assert frame == want, n


def test_masking_keys_from_the_pool_are_drawn_64_bytes_at_a_time_and_used_once():
    draws = []

    def urandom(n):
        draws.append(n)
        return bytes((len(draws) * 64 + i) & 0xFF for i in range(n))

    F._POOL[64] = 64  # a fresh pool
    buf = bytearray(8)
    keys = []
    for _ in range(17):
        F.key_into(buf, 2, urandom)
        keys.append(bytes(buf[2:6]))
    assert draws == [64, 64]  # one draw per 16 keys
    want = [bytes((64 + 4 * i + j) & 0xFF for j in range(4)) for i in range(16)]
    assert keys[:16] == want and keys[16] == bytes((128, 129, 130, 131))
    assert buf[:2] == b"\0\0" and buf[6:] == b"\0\0"  # only the key's 4 bytes written


def test_a_zero_key_from_the_pool_is_skipped():
    pool = [b"\0\0\0\0" * 15 + b"\0\0\0\1", b"\0\0\0\0\7\0\0\0" + bytes(56)]
    F._POOL[64] = 64
    buf = bytearray(4)
    F.key_into(buf, 0, lambda n: pool.pop(0))
    assert buf == b"\0\0\0\1"
    F.key_into(buf, 0, lambda n: pool.pop(0))  # the first key of the next draw is zero too
    assert buf == b"\7\0\0\0" and pool == []
    for _ in range(40):
        F.key_into(buf, 0, os.urandom)
        assert buf != b"\0\0\0\0"


def test_close_codes_at_every_boundary_of_rfc6455_7_4():
    for code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                 3999, 4000, 4999):
        assert F.parse_close(F.close_payload(code, "r")) == (code, "r"), code
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535):
        with raises(ValueError):
            F.parse_close(F.close_payload(code))
    assert F.close_payload(1000, b"\xc3\xa9") == b"\x03\xe8\xc3\xa9"  # bytes reasons too
    assert F.parse_close(b"\x03\xe8") == (1000, "")
