# HMAC-SHA256 (RFC 2104) over hashlib.sha256: MicroPython ships no hmac module.
import binascii
import hashlib
import sys

_BLOCK = 64
_STR_IS_BUFFER = sys.implementation.name == "micropython"  # a str is a buffer of its UTF-8


class HmacSha256:
    """Keyed once; digest() may be called any number of times.

    The padded keys are kept, not hash objects: MicroPython cannot copy those.
    """

    def __init__(self, key):
        if isinstance(key, str):
            key = key.encode()
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key + bytes(_BLOCK - len(key))
        self._ipad = bytes(b ^ 0x36 for b in key)
        self._opad = bytes(b ^ 0x5C for b in key)

    def digest(self, msg):
        """The 32-byte MAC of msg (str: its UTF-8 bytes, bytes, or any buffer: a memoryview
        of a frame is hashed in place)."""
        if isinstance(msg, str) and not _STR_IS_BUFFER:
            msg = msg.encode()  # CPython; MicroPython hashes a str's bytes without a copy
        inner = hashlib.sha256(self._ipad)
        inner.update(msg)
        outer = hashlib.sha256(self._opad)
        outer.update(inner.digest())
        return outer.digest()

    def b64_into(self, msg, out):
        """Write the base64 (RFC 4648 §4) of the digest of msg into out[0:44] (a bytearray
        of at least 44 bytes): 44 ASCII bytes, one '=' of padding. Allocates no text
        (binascii.b2a_base64 makes a bytes object per call); every value is a 24-bit small
        int, on a 32-bit board too."""
        d = self.digest(msg)
        b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        i = j = 0
        while i < 32:
            n = d[i] << 16 | d[i + 1] << 8 | (d[i + 2] if i < 30 else 0)
            k = 18
            while k >= 0:
                out[j] = b64[n >> k & 63]
                j += 1
                k -= 6
            i += 3
        out[43] = 61  # "=": the last group holds 2 bytes

    def b64(self, msg):
        """Base64 of the digest as str, no trailing newline (44 chars)."""
        return b64encode(self.digest(msg))


def b64encode(data):
    return binascii.b2a_base64(data, newline=False).decode()


def equal(a, b, at=0, n=None):
    """Constant-time comparison of a with b[at:at + n] (n: the rest of b), str or bytes
    values, read in place; time depends on the lengths only."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    if n is None:
        n = len(b) - at
    diff = len(a) ^ n
    if diff:
        b = a  # compare against itself so timing does not reveal where they differ
        at = 0
    # by index: zip() would allocate a tuple per byte (1.4 KB for a signature on MicroPython)
    for i in range(len(a)):
        diff |= a[i] ^ b[at + i]
    return diff == 0
