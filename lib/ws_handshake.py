# The WebSocket opening handshake (RFC 6455 §4.1) over asyncio streams, and its errors.
import binascii
import os

from ws_frame import accept_key

MAX_HEADER_LINES = 48


class HandshakeError(Exception):
    """The connection or the HTTP upgrade failed; str() says why."""


class ConnectionClosed(Exception):
    """The connection is gone: .code is the close code (1006 when it was lost), .reason."""

    def __init__(self, code=1006, reason=""):
        super().__init__("%d %s" % (code, reason) if reason else str(code))
        self.code = code
        self.reason = reason


def parse_url(url):
    """(tls, host, port, path) of a ws:// or wss:// URL."""
    if url.startswith("wss://"):
        tls, rest, port = True, url[6:], 443
    elif url.startswith("ws://"):
        tls, rest, port = False, url[5:], 80
    else:
        raise ValueError("not a ws:// or wss:// URL: %r" % url)
    i = rest.find("/")
    hostport, path = (rest, "/") if i < 0 else (rest[:i], rest[i:])
    i = hostport.rfind(":")
    if i >= 0 and "]" not in hostport[i:]:
        port = int(hostport[i + 1 :])
        hostport = hostport[:i]
    host = hostport.strip("[]")
    if not host:
        raise ValueError("no host in %r" % url)
    return tls, host, port, path


def request(path, host, port, key, headers):
    """The upgrade request bytes; headers is a dict or (name, value) pairs."""
    items = headers.items() if hasattr(headers, "items") else headers
    out = ["GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           % (path, host if port in (80, 443) else "%s:%d" % (host, port), key.decode())]
    for k, v in items:
        k, v = str(k), str(v)
        if "\r" in k or "\n" in k or ":" in k or "\r" in v or "\n" in v:
            raise ValueError("header %r has a forbidden character" % k)
        out.append("%s: %s\r\n" % (k, v))
    out.append("\r\n")
    return "".join(out).encode()


async def handshake(r, w, host, port, path, headers):
    """Send the upgrade and check the answer; returns the response headers (lower-case)."""
    key = binascii.b2a_base64(os.urandom(16))[:-1]
    w.write(request(path, host, port, key, headers or ()))
    await w.drain()
    status = await r.readline()
    parts = status.split(None, 2)
    if len(parts) < 2 or parts[1] != b"101" or not parts[0].startswith(b"HTTP/"):
        if not status:
            raise HandshakeError("connection closed before the upgrade response")
        raise HandshakeError("upgrade refused: %s" % status.strip()[:80].decode())
    hdrs = {}
    for _ in range(MAX_HEADER_LINES):
        line = await r.readline()
        if not line:
            raise HandshakeError("connection closed inside the upgrade response")
        if line in (b"\r\n", b"\n"):
            break
        i = line.find(b":")
        if i > 0:
            hdrs[line[:i].strip().lower().decode()] = line[i + 1 :].strip().decode()
    else:
        raise HandshakeError("more than %d header lines" % MAX_HEADER_LINES)
    if hdrs.get("upgrade", "").lower() != "websocket":
        raise HandshakeError("no 'Upgrade: websocket' in the response")
    if hdrs.get("sec-websocket-accept", "").encode() != accept_key(key):
        raise HandshakeError("wrong Sec-WebSocket-Accept")
    return hdrs
