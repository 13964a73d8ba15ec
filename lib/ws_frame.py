# RFC 6455 framing helpers without I/O: masking, frame headers, close payloads, the
# handshake accept key. websocket.py does the streams; these are tested on both runtimes.
import binascii
import hashlib
import struct

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


OP_CONT = const(0)
OP_TEXT = const(1)
OP_BINARY = const(2)
OP_CLOSE = const(8)
OP_PING = const(9)
OP_PONG = const(10)

CLOSE_NORMAL = const(1000)
CLOSE_PROTOCOL = const(1002)
CLOSE_NO_STATUS = const(1005)
CLOSE_ABNORMAL = const(1006)
CLOSE_BAD_DATA = const(1007)
CLOSE_TOO_BIG = const(1009)

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# Masking XORs this many bytes at a time as one big integer: ~7x faster than a byte loop
# on MicroPython at 400 bytes, with at most ~3 chunks of temporary memory.
_CHUNK = const(256)
_SMALL = const(16)


def mask(buf, key, start=0):
    """XOR buf[start:] in place with the 4-byte key (the same call unmasks)."""
    n = len(buf) - start
    if n <= _SMALL:
        for i in range(n):
            buf[start + i] ^= key[i & 3]
        return
    mv = memoryview(buf)
    full = int.from_bytes(key * (_CHUNK >> 2), "big")
    while n > 0:
        k = _CHUNK if n > _CHUNK else n
        # The key repeats every 4 bytes and each chunk starts on a multiple of 4, so a short
        # tail uses the leading bytes of the full-chunk key.
        m = full if k == _CHUNK else full >> ((_CHUNK - k) << 3)
        end = start + k
        mv[start:end] = (int.from_bytes(mv[start:end], "big") ^ m).to_bytes(k, "big")
        start = end
        n -= k


def header(opcode, length, fin=True, masked=True):
    """Frame header bytes up to (not including) the masking key."""
    b0 = (0x80 if fin else 0) | opcode
    m = 0x80 if masked else 0
    if length < 126:
        return bytes((b0, m | length))
    if length < 65536:
        return struct.pack(">BBH", b0, m | 126, length)
    return struct.pack(">BBII", b0, m | 127, length >> 32, length & 0xFFFFFFFF)


def encode(opcode, payload, key, fin=True):
    """One masked client frame as a bytearray: header, key, masked payload."""
    h = header(opcode, len(payload), fin)
    hl = len(h) + 4
    buf = bytearray(hl + len(payload))
    buf[: len(h)] = h
    buf[len(h) : hl] = key
    buf[hl:] = payload
    mask(buf, key, hl)
    return buf


def ext_length(first, ext):
    """Payload length from the 7-bit field and its 2- or 8-byte extension (None if invalid)."""
    if first == 126:
        return struct.unpack(">H", ext)[0]
    hi, lo = struct.unpack(">II", ext)
    if hi & 0x80000000:
        return None  # the most significant bit must be 0
    return (hi << 32) | lo


def close_payload(code, reason=""):
    r = reason.encode() if isinstance(reason, str) else reason
    return struct.pack(">H", code) + r[:123]


def parse_close(payload):
    """(code, reason) of a received close frame; raises ValueError if malformed."""
    if not payload:
        return CLOSE_NO_STATUS, ""
    if len(payload) < 2:
        raise ValueError("close frame with 1-byte payload")
    code = struct.unpack(">H", payload[:2])[0]
    if code < 1000 or code in (1004, 1005, 1006, 1015) or 1016 <= code < 3000 or code >= 5000:
        raise ValueError("close code %d is not allowed on the wire" % code)
    try:
        reason = str(bytes(payload[2:]), "utf-8")
    except UnicodeError:
        raise ValueError("close reason is not UTF-8") from None
    return code, reason


def accept_key(key):
    """Expected Sec-WebSocket-Accept for our Sec-WebSocket-Key (both bytes)."""
    return binascii.b2a_base64(hashlib.sha1(key + _GUID).digest())[:-1]
