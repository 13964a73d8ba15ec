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


def mask(buf, key, start=0):
    """XOR buf[start:] (a bytearray) in place with the 4-byte key; the same call unmasks.

    A byte loop, four bytes a turn: it allocates nothing (every value is a small int), where
    XOR-ing chunks as big integers allocated about four times the payload per frame (2.4 KB
    for a 400-byte response on 64-bit MicroPython). RFC 6455 section 5.3.
    """
    k0 = key[0]  # one name each: a 4-tuple unpacking would allocate the tuple
    k1 = key[1]
    k2 = key[2]
    k3 = key[3]
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


_ZERO_KEY = b"\0\0\0\0"


def new_key(urandom):
    """A fresh 4-byte masking key from urandom(n) (os.urandom), never all zero: a zero key
    sends the payload unmasked, which RFC 6455 §5.3 masking exists to prevent (a 1 in 2^32
    draw, redrawn)."""
    key = urandom(4)
    while key == _ZERO_KEY:
        key = urandom(4)
    return key


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
