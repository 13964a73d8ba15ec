# The WebSocket opening handshake (RFC 6455 §4.1): URL, TCP/TLS, upgrade request, checks.
# net.ws.connect() imports this for each connect and drops it afterwards.
import asyncio
import binascii
import hashlib
import os

from net.frame import HandshakeError
from net.url import parse_url


class _KeepRaw:
    """An SSLContext stand-in for MicroPython's open_connection(), which calls only
    wrap_socket(): notes the TCP socket it wraps. The WebSocket waits for the next frame on
    that socket (a file descriptor) rather than on the TLS one, which the unix port can only
    poll by asking it every millisecond (extmod/modselect.c, without a descriptor)."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.raw = None

    def wrap_socket(self, sock, **kw):
        self.raw = sock
        return self._ctx.wrap_socket(sock, **kw)


def accept_key(key):
    """Expected Sec-WebSocket-Accept for our Sec-WebSocket-Key (both bytes)."""
    return binascii.b2a_base64(
        hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())[:-1]


async def open_ws(ws, url, headers, cadata, sni, ssl):
    """Connect ws's streams to url and upgrade; raises HandshakeError on a bad answer."""
    tls, host, port, path = parse_url(url, "ws")
    if not tls:
        ws._r, ws._w = r, w = await asyncio.open_connection(host, port)
    else:
        from net.tls_context import context, open_connection

        ctx = ssl or context(cadata)
        keep = None
        if not hasattr(ctx, "wrap_bio"):  # MicroPython: keep the TCP socket under the TLS one
            ctx = keep = _KeepRaw(ctx)
        ws._r, ws._w = r, w = await open_connection(host, port, ctx, sni)
        if keep is not None:
            ws._raw = asyncio.StreamReader(keep.raw)
    key = binascii.b2a_base64(os.urandom(16))[:-1]
    out = ["GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           % (path, host if port in (80, 443) else "%s:%d" % (host, port), key.decode())]
    for k, v in headers.items() if hasattr(headers, "items") else headers:
        k, v = str(k), str(v)
        if "\r" in k or "\n" in k or ":" in k or "\r" in v or "\n" in v:
            raise ValueError("bad header %r" % k)
        out.append("%s: %s\r\n" % (k, v))
    out.append("\r\n")
    w.write("".join(out).encode())
    out = None
    await w.drain()
    line = await r.readline()
    parts = line.split(None, 2)
    if len(parts) < 2 or parts[1] != b"101" or not parts[0].startswith(b"HTTP/"):
        raise HandshakeError("upgrade refused: %s" % (line.strip()[:80].decode() or "closed"))
    upgrade = accept = None
    for _ in range(48):
        line = await r.readline()
        if not line:
            raise HandshakeError("upgrade refused: closed")
        if line in (b"\r\n", b"\n"):
            break
        i = line.find(b":")
        name = line[:i].strip().lower()
        if name == b"upgrade":
            upgrade = line[i + 1 :].strip().lower()
        elif name == b"sec-websocket-accept":
            accept = line[i + 1 :].strip()
    else:
        raise HandshakeError("upgrade refused: too many headers")
    if upgrade != b"websocket":
        raise HandshakeError("upgrade refused: no Upgrade header")
    if accept != accept_key(key):
        raise HandshakeError("wrong Sec-WebSocket-Accept")
    # MicroPython's stream buffers nothing itself (readline above read the socket directly),
    # so frames may be read from the socket too; CPython's reader has no such attribute.
    ws._s = getattr(r, "s", None)
