# Reads one HTTP/1.1 response from an asyncio stream: status line, headers, and a body
# framed by Content-Length, chunked encoding or the connection closing; never more than
# `limit` bytes in all. Also the error types of http_client.
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_CHUNK = const(256)  # per read: small blocks fit a fragmented heap


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
        """The body parsed as JSON (json_input: surrogate pairs decoded, depth bounded),
        or None when it is not JSON."""
        import json_input

        try:
            return json_input.loads(self.body)
        except (ValueError, UnicodeError):
            return None


class _Reader:
    def __init__(self, stream, limit):
        self.s = stream
        self.buf = b""
        self.pos = 0
        self.left = limit

    async def more(self):
        if self.left <= 0:
            raise HttpError("response larger than the limit")
        d = await self.s.read(_CHUNK if _CHUNK < self.left else self.left)
        if not d:
            return False
        self.left -= len(d)
        self.buf = self.buf[self.pos :] + d if self.pos else self.buf + d
        self.pos = 0
        return True

    async def line(self):
        while True:
            i = self.buf.find(b"\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos : i]
                self.pos = i + 1
                return line[:-1] if line.endswith(b"\r") else line
            if not await self.more():
                raise HttpError("connection closed inside the response head")

    async def exactly(self, n):
        while len(self.buf) - self.pos < n:
            if not await self.more():
                raise HttpError("connection closed inside the body")
        self.pos += n
        return self.buf[self.pos - n : self.pos]


def _bad(what, line):
    raise HttpError("bad %s %r" % (what, line[:60]))


async def _head(r):
    while True:
        line = await r.line()
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3 \
                or not parts[1].isdigit():
            _bad("status line", line)
        status = int(parts[1].decode())
        headers = {}
        while True:
            line = await r.line()
            if not line:
                break
            name, sep, value = line.partition(b":")
            if not sep or not name:
                _bad("header line", line)
            name = name.strip().decode().lower()
            value = value.strip().decode()
            headers[name] = headers[name] + ", " + value if name in headers else value
        if status >= 200:
            return status, parts[2].decode() if len(parts) > 2 else "", headers
        # 1xx interim response: the real one follows


async def _chunked(r):
    parts = []
    while True:
        line = await r.line()
        size = line.split(b";", 1)[0].strip()
        try:
            n = int(size.decode(), 16)
        except ValueError:
            n = -1
        if n < 0:
            _bad("chunk size", line)
        if n == 0:
            while await r.line():  # trailers, up to the blank line
                pass
            return b"".join(parts)
        parts.append(await r.exactly(n))
        if await r.line():
            _bad("chunk end", line)


async def read_response(stream, method, limit):
    """The Response on stream (read with .read(n)), or HttpError."""
    r = _Reader(stream, limit)
    status, reason, headers = await _head(r)
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _chunked(r)
    elif "content-length" in headers:
        cl = headers["content-length"]
        if not cl.isdigit():
            _bad("Content-Length", cl)
        n = int(cl)
        if n > len(r.buf) - r.pos + r.left:
            raise HttpError("response larger than the limit (Content-Length %d)" % n)
        body = await r.exactly(n)
    else:  # delimited by the server closing the connection
        while await r.more():
            pass
        body = r.buf[r.pos :]
    return Response(status, reason, headers, body)
