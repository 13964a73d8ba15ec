# A tiny asyncio HTTP/1.1 client for JSON POSTs: one request per connection
# (Connection: close), bounded response, a timeout on each phase. Runs on MicroPython
# and CPython. Every failure is an HttpError (or its HttpTimeout subclass); any status
# the server sends, 4xx/5xx included, comes back as a Response value.
import asyncio
import sys

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_MP = sys.implementation.name == "micropython"
TIMEOUT_S = const(5)
MAX_RESPONSE = const(4096)  # status line + headers + body, bytes
_CHUNK = const(512)


class HttpError(Exception):
    """The exchange failed: connect, TLS, I/O, a malformed or oversized response."""


class HttpTimeout(HttpError):
    """A phase (connect+send, or the response) took longer than the timeout."""


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status  # int
        self.reason = reason  # str
        self.headers = headers  # dict, lower-case names
        self.body = body  # bytes

    def json(self):
        """The body parsed as JSON, or None when it is not JSON."""
        import json

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeError):
            return None


def parse_url(url):
    """'https://host:port/path' -> (tls: bool, host, port, path). ValueError if unusable."""
    if not isinstance(url, str):
        raise ValueError("URL must be a string")
    if url.startswith("http://"):
        tls, rest, port = False, url[7:], 80
    elif url.startswith("https://"):
        tls, rest, port = True, url[8:], 443
    else:
        raise ValueError("URL must start with http:// or https://: %r" % url)
    i = rest.find("/")
    hostport, path = (rest, "/") if i < 0 else (rest[:i], rest[i:])
    if "@" in hostport or " " in url or "\r" in url or "\n" in url:
        raise ValueError("unsupported URL: %r" % url)
    host, _, p = hostport.partition(":")
    if p or hostport.endswith(":"):
        port = p
    if not host:
        raise ValueError("no host in URL: %r" % url)
    try:
        port = int(port)
    except ValueError:
        raise ValueError("bad port in URL: %r" % url) from None
    if not 0 < port < 65536:
        raise ValueError("bad port in URL: %r" % url)
    return tls, host, port, path


def tls_context(cadata=None):
    """A client TLS context. With cadata (a PEM text/bytes or DER bytes CA certificate) the
    server certificate must chain to it; MicroPython takes only the first certificate.
    Without cadata: CPython checks against the system store, MicroPython does not check
    at all (the ESP ports have no CA store)."""
    if _MP:
        try:
            import tls
        except ImportError:  # older firmware
            import ssl as tls
        ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        if cadata:
            cadata = _der(cadata)
            ctx.verify_mode = tls.CERT_REQUIRED
            ctx.load_verify_locations(cadata)  # tls.SSLContext: positional only
        else:
            ctx.verify_mode = tls.CERT_NONE
        return ctx
    import ssl

    if isinstance(cadata, bytes) and cadata.lstrip().startswith(b"-----"):
        cadata = cadata.decode()
    return ssl.create_default_context(cadata=cadata or None)


def _der(cadata):
    # MicroPython's mbedTLS builds take one DER certificate: decode the first PEM block.
    if isinstance(cadata, str):
        cadata = cadata.encode()
    start = cadata.find(b"-----BEGIN CERTIFICATE-----")
    if start < 0:
        return cadata
    end = cadata.find(b"-----END", start + 27)
    if end < 0:
        raise ValueError("CA data: unterminated PEM block")
    import binascii

    return binascii.a2b_base64(cadata[start + 27 : end].replace(b"\n", b"").replace(b"\r", b""))


class _Conn:
    # Holds the socket outside the timed coroutines, so a timeout can always close it.
    def __init__(self):
        self.sock = None
        self.stream = None
        self.buf = b""
        self.pos = 0
        self.left = 0

    def close(self):
        s, self.sock = self.sock, None
        if s is not None:
            try:
                s.close()
            except Exception:  # noqa: BLE001 - closing a broken socket must not raise
                pass


def _mp_socket(host, port, ctx, sni):
    import socket
    from errno import EINPROGRESS

    # getaddrinfo blocks while DNS resolves; MicroPython has no async resolver.
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], ai[1], ai[2])
    try:
        s.setblocking(False)
        try:
            s.connect(ai[-1])
        except OSError as e:
            if e.errno != EINPROGRESS:  # completes when the socket turns writable
                raise
        if ctx is not None:
            s = ctx.wrap_socket(s, server_hostname=sni, do_handshake_on_connect=False)
            s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


async def _open_and_send(conn, host, port, ctx, sni, head, body):
    if _MP:
        conn.sock = _mp_socket(host, port, ctx, sni)
        w = conn.stream = asyncio.StreamWriter(conn.sock, {})
    else:
        kw = {"ssl": ctx, "server_hostname": sni} if ctx is not None else {}
        conn.stream, w = await asyncio.open_connection(host, port, **kw)
        conn.sock = w
    # drain() waits until the socket is writable, i.e. connected (and TLS under way).
    w.write(head)
    if body:
        w.write(body)
    await w.drain()


async def _more(conn):
    if conn.left <= 0:
        raise HttpError("response larger than the limit")
    d = await conn.stream.read(min(_CHUNK, conn.left))
    if not d:
        return False
    conn.left -= len(d)
    conn.buf = conn.buf[conn.pos :] + d if conn.pos else conn.buf + d
    conn.pos = 0
    return True


async def _line(conn):
    while True:
        i = conn.buf.find(b"\n", conn.pos)
        if i >= 0:
            line = conn.buf[conn.pos : i]
            conn.pos = i + 1
            return line[:-1] if line.endswith(b"\r") else line
        if not await _more(conn):
            raise HttpError("connection closed inside the response head")


async def _exactly(conn, n):
    while len(conn.buf) - conn.pos < n:
        if not await _more(conn):
            raise HttpError("connection closed inside the body")
    d = conn.buf[conn.pos : conn.pos + n]
    conn.pos += n
    return d


async def _head(conn):
    while True:
        line = await _line(conn)
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3:
            raise HttpError("bad status line %r" % line[:60])
        try:
            status = int(parts[1].decode())
        except ValueError:
            raise HttpError("bad status line %r" % line[:60]) from None
        reason = parts[2].decode() if len(parts) > 2 else ""
        headers = {}
        while True:
            line = await _line(conn)
            if not line:
                break
            name, sep, value = line.partition(b":")
            if not sep or not name:
                raise HttpError("bad header line %r" % line[:60])
            name = name.strip().decode().lower()
            value = value.strip().decode()
            headers[name] = headers[name] + ", " + value if name in headers else value
        if status >= 200 or status < 100:
            return status, reason, headers
        # 1xx interim response: its head is done, the real one follows


async def _chunked(conn):
    parts = []
    while True:
        line = await _line(conn)
        size = line.split(b";", 1)[0].strip()
        try:
            n = int(size.decode(), 16)
        except ValueError:
            raise HttpError("bad chunk size %r" % line[:20]) from None
        if n < 0:
            raise HttpError("bad chunk size %r" % line[:20])
        if n == 0:
            while await _line(conn):  # trailers, up to the blank line
                pass
            return b"".join(parts)
        parts.append(await _exactly(conn, n))
        if await _line(conn):
            raise HttpError("missing CRLF after a chunk")


async def _response(conn, method):
    status, reason, headers = await _head(conn)
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _chunked(conn)
    elif "content-length" in headers:
        cl = headers["content-length"]
        try:
            n = int(cl)
        except ValueError:
            n = -1
        if n < 0 or not cl.isdigit():
            raise HttpError("bad Content-Length %r" % cl[:20])
        if n > len(conn.buf) - conn.pos + conn.left:
            raise HttpError("response larger than the limit (Content-Length %d)" % n)
        body = await _exactly(conn, n)
    else:  # delimited by the server closing the connection
        while await _more(conn):
            pass
        body = conn.buf[conn.pos :]
    return Response(status, reason, headers, body)


async def request(method, url, body=None, headers=None, *, timeout=TIMEOUT_S,
                  max_response=MAX_RESPONSE, ssl=None, cadata=None, server_hostname=None):
    """One HTTP/1.1 exchange. body: bytes or str. Returns a Response for any status.

    Raises ValueError for an unusable URL, HttpTimeout when connecting+sending or reading
    the response takes longer than timeout seconds (each phase), HttpError otherwise.
    ssl: a ready client context for https (else one is made from cadata, see tls_context);
    server_hostname: the SNI/certificate name, default the URL's host."""
    tls, host, port, path = parse_url(url)
    if isinstance(body, str):
        body = body.encode()
    ctx = None
    if tls:
        ctx = ssl if ssl is not None else tls_context(cadata)
    hostport = host if port == (443 if tls else 80) else "%s:%d" % (host, port)
    lines = ["%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n" % (method, path, hostport)]
    if body is not None:
        lines.append("Content-Length: %d\r\n" % len(body))
    if headers:
        for k in headers:
            v = str(headers[k])
            if "\r" in v or "\n" in v or "\r" in k or "\n" in k:
                raise ValueError("header %r has a line break" % k)
            lines.append("%s: %s\r\n" % (k, v))
    lines.append("\r\n")
    head = "".join(lines).encode()
    lines = None
    conn = _Conn()
    conn.left = max_response
    phase = "connect"
    try:
        try:
            await asyncio.wait_for(
                _open_and_send(conn, host, port, ctx, server_hostname or host, head, body),
                timeout)
            phase = "response"
            return await asyncio.wait_for(_response(conn, method), timeout)
        except asyncio.TimeoutError:
            raise HttpTimeout(
                "%s timed out after %s s (%s:%d)" % (phase, timeout, host, port)) from None
        except HttpError:
            raise
        except (OSError, ValueError, UnicodeError, IndexError) as e:
            # OSError: refused, reset, DNS, TLS; the others: garbled bytes, empty DNS answer
            raise HttpError(
                "%s failed (%s:%d): %s" % (phase, host, port, _reason(e))) from None
    finally:
        conn.close()


def _reason(e):
    if isinstance(e, OSError) and e.args and isinstance(e.args[0], int) and len(e.args) == 1:
        try:
            import errno

            return "[Errno %d] %s" % (e.args[0], errno.errorcode.get(e.args[0], ""))
        except (ImportError, AttributeError):
            pass
    return " ".join(("%s: %s" % (type(e).__name__, e)).split())  # mbedTLS text has newlines


async def post_json(url, body, headers=None, **kw):
    """POST a JSON body (str/bytes, already encoded) with Content-Type: application/json."""
    h = {"Content-Type": "application/json"}
    if headers:
        for k in headers:
            h[k] = headers[k]
    return await request("POST", url, body, h, **kw)
