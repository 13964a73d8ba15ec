# A tiny HTTP/1.0-style server for the board's own pages (setup access point, local page):
# one request per connection, a bounded head and body, a timeout on reading, and helpers for
# forms, HTML escaping and HTTP Basic authentication. RFC 9112 message syntax, RFC 7617 Basic
# auth, the HTML form encoding of the WHATWG URL standard (application/x-www-form-urlencoded).
# No hardware, no sockets of its own beyond what asyncio.start_server hands in.
import asyncio

MAX_HEAD = 2048  # bytes: request line + headers
MAX_BODY = 2048  # bytes: a setup form with a Yango token fits; more is refused with 413
TIMEOUT_S = 10  # a client that stalls is dropped, so it cannot hold the only slot

REASONS = {200: "OK", 204: "No Content", 302: "Found", 303: "See Other", 400: "Bad Request",
           401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           408: "Request Timeout", 413: "Content Too Large", 500: "Internal Server Error",
           503: "Service Unavailable"}


class BadRequest(Exception):
    """The request cannot be served; .status is the HTTP status to answer with."""

    def __init__(self, status, msg):
        super().__init__(msg)
        self.status = status


class Request:
    """One request: method and path (str), query (dict of str), headers (dict, lower-case
    names), body (bytes)."""

    def __init__(self, method, path, query, headers, body):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def form(self):
        """The body as an application/x-www-form-urlencoded dict (str -> str)."""
        return parse_form(self.body)


async def _line(reader, left):
    line = await reader.readline()
    if not line:
        raise BadRequest(400, "connection closed inside the request head")
    if len(line) > left:
        raise BadRequest(413, "request head larger than %d bytes" % MAX_HEAD)
    if not line.endswith(b"\n"):
        raise BadRequest(400, "request head cut short")
    return line


async def read_request(reader, max_body=MAX_BODY):
    """Read one request from an asyncio StreamReader. Returns a Request; raises BadRequest
    (400 malformed, 413 too large) or OSError from the stream."""
    left = MAX_HEAD
    line = await _line(reader, left)
    left -= len(line)
    parts = line.decode().split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
        raise BadRequest(400, "bad request line")
    method, target = parts[0], parts[1]
    headers = {}
    while True:
        line = await _line(reader, left)
        left -= len(line)
        line = line.strip()
        if not line:
            break
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "bad header line")
        headers[name.decode().lower()] = value.strip().decode()
    n = headers.get("content-length", "0")
    if not n.isdigit():
        raise BadRequest(400, "bad Content-Length")
    n = int(n)
    if n > max_body:
        raise BadRequest(413, "body larger than %d bytes" % max_body)
    body = await reader.readexactly(n) if n else b""
    path, _, query = target.partition("?")
    return Request(method, unquote(path), parse_form(query), headers, body)


def unquote(s, plus=False):
    """Percent-decode s (str); with plus=True '+' is a space (form encoding). Invalid
    escapes are kept as they are; the result is decoded as UTF-8 (ValueError when it is not
    UTF-8, e.g. a lone %ff)."""
    if plus:
        s = s.replace("+", " ")
    if "%" not in s:
        return s
    b = s.encode()
    out = bytearray()
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        v = _hex2(b[i + 1 : i + 3]) if c == 0x25 else -1
        if v >= 0:
            out.append(v)
            i += 3
        else:
            out.append(c)
            i += 1
    return bytes(out).decode()


def _hex2(two):
    if len(two) != 2:
        return -1
    v = 0
    for c in two:
        if 48 <= c <= 57:
            d = c - 48
        elif 97 <= c <= 102:
            d = c - 87
        elif 65 <= c <= 70:
            d = c - 55
        else:
            return -1
        v = v * 16 + d
    return v


def parse_form(data):
    """'a=1&b=x%20y' (str or bytes) -> {'a': '1', 'b': 'x y'}; the last of repeated names
    wins. BadRequest(400) when a value is not UTF-8."""
    if isinstance(data, bytes):
        try:
            data = data.decode()
        except UnicodeError:
            raise BadRequest(400, "form is not UTF-8") from None
    out = {}
    for pair in data.split("&"):
        if not pair:
            continue
        k, _, v = pair.partition("=")
        try:
            out[unquote(k, True)] = unquote(v, True)
        except (UnicodeError, ValueError):
            raise BadRequest(400, "form is not UTF-8") from None
    return out


def escape(s):
    """s (any value, shown with str()) made safe inside HTML text and quoted attributes."""
    s = str(s)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                 ("'", "&#39;")):
        if a in s:
            s = s.replace(a, b)
    return s


def basic_auth_ok(header, password):
    """True when an Authorization header value carries `password` (any user name) as HTTP
    Basic credentials (RFC 7617). Compares in time independent of where the texts differ."""
    import binascii

    if not header or not password or not header.startswith("Basic "):
        return False
    given = header[6:].strip().encode()
    try:
        raw = binascii.a2b_base64(given)
        creds = raw.decode()
    except (ValueError, UnicodeError):
        return False
    if binascii.b2a_base64(raw).strip() != given:  # only the canonical form (some decoders
        return False  # skip trailing junk)
    got = creds.partition(":")[2].encode()
    want = password.encode()
    diff = len(got) ^ len(want)
    for i in range(len(want)):
        diff |= want[i] ^ (got[i] if i < len(got) else 0)
    return diff == 0


def head(status, ctype=None, length=0, extra=None):
    """The response head (bytes) for status, with Content-Type, Content-Length (unless
    length is None: the body ends when the connection closes) and Connection: close; extra
    is a list of (name, value) headers."""
    h = "HTTP/1.0 %d %s\r\n" % (status, REASONS.get(status, "Status"))
    if ctype:
        h += "Content-Type: %s\r\n" % ctype
        if length is not None:
            h += "Content-Length: %d\r\n" % length
    if extra:
        for k, v in extra:
            h += "%s: %s\r\n" % (k, v)
    return (h + "Cache-Control: no-store\r\nConnection: close\r\n\r\n").encode()


class Response:
    """What a handler returns: status (int), body (str, bytes, or a list of str/bytes chunks
    written one by one, delimited by the connection closing: no page-sized string on the
    heap), ctype, extra headers (list of (name, value))."""

    def __init__(self, status, body=b"", ctype="text/html; charset=utf-8", extra=None):
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.ctype = ctype if self.body else None
        self.extra = extra

    def text(self):
        """The whole body as bytes (for tests and small bodies)."""
        if isinstance(self.body, list):
            return b"".join(c.encode() if isinstance(c, str) else c for c in self.body)
        return self.body


async def _serve_one(handler, reader, writer, log):
    try:
        try:
            req = await _with_timeout(read_request(reader), TIMEOUT_S)
            resp = await handler(req)
        except BadRequest as e:
            resp = Response(e.status, "%d %s\n" % (e.status, e), "text/plain")
        except asyncio.TimeoutError:
            resp = Response(408, "request timeout\n", "text/plain")
        chunks = resp.body if isinstance(resp.body, list) else None
        writer.write(head(resp.status, resp.ctype, None if chunks else len(resp.body),
                          resp.extra))
        if chunks:
            for c in chunks:
                writer.write(c.encode() if isinstance(c, str) else c)
                await writer.drain()
        elif resp.body:
            writer.write(resp.body)
        await writer.drain()
    except Exception as e:  # noqa: BLE001 - one broken client must not stop the server
        try:  # the failure may be the heap's: then the line may not fit either
            log("web: request failed: %r" % (e,))
        except MemoryError:
            log("web: request failed (out of memory for the details)")
    finally:
        try:
            writer.close()
            await writer.wait_closed()
        except Exception:  # noqa: BLE001,S110 - closing a broken socket
            pass


async def _with_timeout(coro, s):
    # asyncio.wait_for needs a coroutine object on MicroPython; read_request is one.
    return await asyncio.wait_for(coro, s)


async def serve(handler, port, host="0.0.0.0", log=print):
    """Serve handler (async, Request -> Response) on host:port, one request per connection,
    until cancelled. Returns the asyncio Server (close() stops it). OSError when the port
    is taken."""

    async def conn(reader, writer):
        await _serve_one(handler, reader, writer, log)

    return await asyncio.start_server(conn, host, port, backlog=2)
