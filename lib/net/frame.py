# RFC 6455 framing without I/O: masking, client frame heads, close payloads.
# net.ws does the streams; these are tested on both runtimes. The two errors live here so
# net.ws and net.handshake both import them without importing each other.
import struct


class HandshakeError(Exception):
    """The connection or the HTTP upgrade failed; str() says why."""


class ConnectionClosed(Exception):
    """The connection is gone: .code is the close code (1006 when it was lost), .reason."""

    def __init__(self, code=1006, reason=""):
        super().__init__("%d %s" % (code, reason) if reason else str(code))
        self.code = code
        self.reason = reason


def mask(buf, key, start=0, at=0):
    """XOR buf[start:] (a bytearray) in place with the 4-byte key key[at:at + 4] (the key
    may lie in buf itself, in front of start); the same call unmasks.

    A byte loop, four bytes a turn: it allocates nothing (every value is a small int), where
    XOR-ing chunks as big integers allocated about four times the payload per frame (2.4 KB
    for a 400-byte response on 64-bit MicroPython). RFC 6455 section 5.3.
    """
    k0 = key[at]  # one name each: a 4-tuple unpacking would allocate the tuple
    k1 = key[at + 1]
    k2 = key[at + 2]
    k3 = key[at + 3]
    i = start
    end = len(buf)
    last = end - 3
    while i < last:
        buf[i] ^= k0
        buf[i + 1] ^= k1
        buf[i + 2] ^= k2
        buf[i + 3] ^= k3
        i += 4
    if i < end:
        buf[i] ^= k0
        if i + 1 < end:
            buf[i + 1] ^= k1
            if i + 2 < end:
                buf[i + 2] ^= k2


# Masking keys' random bytes, drawn 64 at a time into a buffer made at import (no block
# left standing mid-heap between draws); its last byte counts those used
_POOL = bytearray(65)
_POOL[64] = 64


def key_into(buf, at, urandom):
    """Write a fresh masking key into buf[at:at + 4] (a bytearray). Its bytes come from
    urandom(n) (os.urandom: RFC 6455 §5.3 wants a strong source of entropy), drawn 64 at a
    time and each used once: one short-lived bytes object per 16 keys, where urandom(4) was
    one per frame. Never all zero: a zero key sends the payload unmasked, which §5.3's
    masking exists to prevent (a 1 in 2^32 draw: the next 4 bytes are taken)."""
    k = _POOL
    z = 0
    while not z:
        i = k[64]
        if i == 64:
            k[:64] = urandom(64)
            i = 0
        k[64] = i + 4
        for j in range(4):
            z |= k[i + j]
            buf[at + j] = k[i + j]


def head(opcode, n, key, fin=True):
    """Client frame header for an n-byte payload: flags, 7/16/64-bit length, masking key.
    The payload follows, masked with mask(payload, key)."""
    b0 = (0x80 if fin else 0) | opcode
    if n < 126:
        return bytes((b0, 0x80 | n)) + key
    if n < 65536:
        return struct.pack(">BBH", b0, 0xFE, n) + key
    return struct.pack(">BBII", b0, 0xFF, n >> 32, n & 0xFFFFFFFF) + key


def close_payload(code, reason=""):
    r = reason.encode() if isinstance(reason, str) else reason
    return struct.pack(">H", code) + r[:123]


def parse_close(payload):
    """(code, reason) of a received close frame; raises ValueError if malformed."""
    if not payload:
        return 1005, ""  # no status received
    if len(payload) < 2:
        raise ValueError("bad close frame")
    code = struct.unpack(">H", payload[:2])[0]
    if code < 1000 or code in (1004, 1005, 1006, 1015) or 1016 <= code < 3000 or code >= 5000:
        raise ValueError("bad close code %d" % code)
    try:
        return code, str(bytes(payload[2:]), "utf-8")
    except UnicodeError:
        raise ValueError("bad close frame") from None
