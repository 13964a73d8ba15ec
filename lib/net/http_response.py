# Reads one HTTP/1.1 response from an asyncio stream: status line, headers, and a body
# framed by Content-Length, chunked encoding or the connection closing; never more than
# `limit` bytes in all. Also the error types of http_client.
#
# The bytes are read into ONE buffer (readinto), parsed where they lie, and only the body
# is copied out: reading in blocks and joining them allocated about 2.7 KB per Yango answer,
# in pieces of 257 bytes and more, which a fragmented 38 KB heap cannot always give. A
# caller that keeps a buffer (the Yango notifier: made at boot) allocates none per response.
try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


_BUF = const(512)  # the read buffer made when the caller gives none; grown for longer lines


class HttpError(Exception):
    """The exchange failed: connect, TLS, I/O, a malformed or oversized response."""


class HttpTimeout(HttpError):
    """A phase (connect+send, or the response) took longer than the timeout."""


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status  # int
        self.reason = reason  # str
        self.headers = headers  # dict, lower-case names (None when not kept)
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
    # b[pos:n] holds what was read and not parsed yet; left: bytes the limit still allows.
    def __init__(self, stream, limit, buf):
        self.s = stream
        self.b = buf if buf is not None else bytearray(_BUF if _BUF < limit else limit)
        self.n = self.pos = 0
        self.left = limit
        self.length = -1  # Content-Length, -1 when none was given
        self.chunked = False

    async def more(self, need=0):
        # One read (False at the end of the stream), after making room: the parsed bytes
        # dropped, the buffer grown (a new one) when it cannot hold `need` unparsed bytes
        # or is full.
        if self.left <= 0:
            raise HttpError("response larger than the limit")
        b, pos, n = self.b, self.pos, self.n
        if pos and (n == len(b) or pos + need > len(b)):
            memoryview(b)[: n - pos] = memoryview(b)[pos:n]  # memmove: overlap is fine
            n -= pos
            self.pos = pos = 0
        if n == len(b) or need > len(b):
            size = max(2 * len(b), need)
            b2 = bytearray(min(size, n + self.left))
            memoryview(b2)[:n] = memoryview(b)[:n]
            self.b = b = b2
        room = memoryview(b)[n : n + min(len(b) - n, self.left)]
        if hasattr(self.s, "readinto"):  # MicroPython's streams: no block allocated
            got = await self.s.readinto(room)
        else:  # CPython's StreamReader
            d = await self.s.read(len(room))
            got = len(d)
            room[:got] = d
        self.n = n
        if not got:
            return False
        self.left -= got
        self.n = n + got
        return True

    def line(self):
        # (start, end) of the next line in self.b without its line break, or None when it
        # has not come whole yet; valid until the next read. Synchronous: a coroutine per
        # line was about 100 bytes each on the heap.
        i = self.b.find(b"\n", self.pos, self.n)
        if i < 0:
            return None
        a = self.pos
        self.pos = i + 1
        return a, i - 1 if i > a and self.b[i - 1] == 13 else i

    async def read_line(self):
        # line(), reading until it is there
        x = self.line()
        while x is None:
            if not await self.more():
                raise HttpError("connection closed inside the response head")
            x = self.line()
        return x

    async def exactly(self, n):
        # the next n bytes, copied out
        while self.n - self.pos < n:
            if not await self.more(n):
                raise HttpError("connection closed inside the body")
        self.pos += n
        return bytes(memoryview(self.b)[self.pos - n : self.pos])


def _bad(what, b, a=0, e=None):
    raise HttpError("bad %s %r" % (what, bytes(b[a:e][:60])))


def _strip(b, a, e):
    # (a, e) without the spaces and tabs around b[a:e]
    while a < e and (b[a] == 32 or b[a] == 9):
        a += 1
    while e > a and (b[e - 1] == 32 or b[e - 1] == 9):
        e -= 1
    return a, e


def _named(b, a, e, name):
    # whether b[a:e] is the lower-case name, in any case: compared in place
    if e - a != len(name):
        return False
    for i in range(len(name)):
        if b[a + i] | 0x20 != name[i]:
            return False
    return True


def _number(b, a, e, base=10):
    # the unsigned number in b[a:e] (hex for base 16), or -1
    if a >= e:
        return -1
    v = 0
    while a < e:
        c = b[a] | 0x20
        d = c - 48 if 48 <= c <= 57 else c - 87 if base == 16 and 97 <= c <= 102 else -1
        if d < 0:
            return -1
        v = v * base + d
        a += 1
    return v


def _status(b, a, e):
    # (status, reason) of the status line b[a:e]
    s, e = _strip(b, a, e)
    i = b.find(b" ", s, e)
    c, t = _strip(b, i, e) if i >= 0 else (e, e)
    status = _number(b, c, c + 3) if c + 3 == t or c + 3 < t and b[c + 3] == 32 else -1
    if not b.startswith(b"HTTP/1.", s) or i - s != 8 or status < 0:
        _bad("status line", b, a, e)
    x, t = _strip(b, c + 4, t)
    return status, str(b[x:t], "utf-8") if t > x else ""


def _header(r, a, e, headers):
    # the header line r.b[a:e]: its framing into r.length / r.chunked, and into headers
    # (a dict, or None)
    b = r.b
    i = b.find(b":", a, e)
    n0, n1 = _strip(b, a, i)
    if i < 0 or n0 == n1:
        _bad("header line", b, a, e)
    v0, v1 = _strip(b, i + 1, e)
    if _named(b, n0, n1, b"content-length"):
        r.length = _number(b, v0, v1)
        if r.length < 0:
            _bad("Content-Length", b, v0, v1)
    elif _named(b, n0, n1, b"transfer-encoding"):
        r.chunked = b"chunked" in b[v0:v1].lower()
    if headers is not None:
        name = str(b[n0:n1], "utf-8").lower()
        value = str(b[v0:v1], "utf-8")
        headers[name] = headers[name] + ", " + value if name in headers else value


async def _chunked(r):
    parts = []
    while True:
        a, e = await r.read_line()
        b = r.b
        i = b.find(b";", a, e)
        x, y = _strip(b, a, e if i < 0 else i)
        n = _number(b, x, y, 16)
        if n < 0:
            _bad("chunk size", b, a, e)
        if n == 0:
            while True:  # trailers, up to the blank line
                a, e = await r.read_line()
                if a == e:
                    return b"".join(parts)
        parts.append(await r.exactly(n))
        a, e = await r.read_line()
        if a != e:
            _bad("chunk end", r.b, a, e)


async def read_response(stream, method, limit, buf=None, keep_headers=True):
    """The Response on stream (read with .readinto(buf), or .read(n) on CPython), or
    HttpError. buf: a bytearray to read into (the caller's, reused for each response: no
    read buffer is allocated when its longest header line and its body fit in it; a longer
    one reads into a bigger buffer made for it). keep_headers False: Response.headers is
    None (no str per header)."""
    r = _Reader(stream, limit, buf)
    status = -1  # before the status line
    while True:  # line by line: the buffer needs to hold only the longest line
        x = r.line()
        if x is None:
            if not await r.more():
                raise HttpError("connection closed inside the response head")
            continue
        a, e = x
        if status < 0:
            status, reason = _status(r.b, a, e)
            headers = {} if keep_headers else None
            r.length, r.chunked = -1, False
        elif a < e:
            _header(r, a, e, headers)
        elif status >= 200:
            break
        else:  # the end of a 1xx interim response: the real one follows
            status = -1
    length = r.length
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif r.chunked:
        body = await _chunked(r)
    elif length >= 0:
        if length > r.n - r.pos + r.left:
            raise HttpError("response larger than the limit (Content-Length %d)" % length)
        while r.n - r.pos < length:
            if not await r.more(length):
                raise HttpError("connection closed inside the body")
        r.pos += length
        body = bytes(memoryview(r.b)[r.pos - length : r.pos])
    else:  # delimited by the server closing the connection
        while await r.more():
            pass
        body = bytes(memoryview(r.b)[r.pos : r.n])
    return Response(status, reason, headers, body)
