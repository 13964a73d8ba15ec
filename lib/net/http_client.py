# A tiny asyncio HTTP/1.1 client for JSON POSTs on MicroPython and CPython: one request
# per connection (Connection: close), a bounded response, a timeout on each phase.
# Any status the server sends, 4xx/5xx included, comes back as a Response value; every
# failure is an HttpError (HttpTimeout for the timeouts); nothing hangs.
import asyncio
import sys

from net.http_response import HttpError, HttpTimeout, Response, read_response  # noqa: F401
from net.url import parse_url

_MP = sys.implementation.name == "micropython"
TIMEOUT_S = 5
MAX_RESPONSE = 4096  # status line + headers + body, bytes
_BUF = 512  # the send and read buffer when the caller gives none



def tls_context(cadata=None):
    """A client TLS context (see net.tls_context); pass it as ssl= to reuse it."""
    from net.tls_context import context

    return context(cadata)


class _Conn:
    # Holds the socket outside the timed coroutines, so a timeout can always close it.
    sock = None
    stream = None

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
            if e.errno != EINPROGRESS:  # else done when the socket turns writable
                raise
        if ctx is not None:
            s = ctx.wrap_socket(s, server_hostname=sni, do_handshake_on_connect=False)
            s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


async def _send(conn, host, port, ctx, sni, method, head, body, buf):
    axtls = False
    if _MP and ctx is not None:
        from net import tls_context

        axtls = tls_context.axtls()
    if axtls:  # asyncio cannot drive axTLS's handshake: see net.tls_context.open_connection
        conn.stream, w = await tls_context.open_connection(host, port, ctx, sni)
        conn.sock = w
    elif _MP:
        conn.sock = _mp_socket(host, port, ctx, sni)
        w = conn.stream = asyncio.StreamWriter(conn.sock, {})
    else:
        kw = {"ssl": ctx, "server_hostname": sni} if ctx is not None else {}
        conn.stream, w = await asyncio.open_connection(host, port, **kw)
        conn.sock = w
    # The method alone first: written before the socket is connected, MicroPython's Stream
    # keeps a copy of it, and drain() waits until the socket is writable (connected, the
    # TLS handshake on). The rest, head and body, is packed into buf and written a buffer
    # at a time: no head joined into one string, no piece copied, few TCP segments.
    w.write(method.encode())
    await w.drain()
    mv = memoryview(buf)
    n = 0
    for part in (head, body or ()):
        for p in part:
            if isinstance(p, str):
                p = p.encode()  # MicroPython: the str's own bytes, not a copy
            k = len(p)
            if n + k > len(buf):
                if n:
                    # CPython's transport may keep what it is given: a copy, as buf is reused
                    w.write(mv[:n] if _MP else bytes(mv[:n]))
                    await w.drain()
                    n = 0
                if k > len(buf):
                    w.write(p)
                    await w.drain()
                    continue
            mv[n : n + k] = p
            n += k
    if n:
        w.write(mv[:n] if _MP else bytes(mv[:n]))
        await w.drain()


async def request(method, url, body=None, headers=None, *, timeout=TIMEOUT_S,
                  max_response=MAX_RESPONSE, ssl=None, cadata=None, server_hostname=None,
                  buf=None, keep_headers=True):
    """One HTTP/1.1 exchange. body: bytes, str, or pieces sent one after another with
    no contiguous copy of the whole body: a list of str/bytes, or an iterable with .size
    (its total length in bytes). Returns a Response for any status.

    ValueError for an unusable URL or header; HttpTimeout when connecting+sending, or
    reading the response, takes longer than timeout seconds (each phase); HttpError for
    every other failure. ssl: a ready client context for https (else one is made from
    cadata); server_hostname: SNI and certificate name, by default the URL's host.
    buf: a bytearray the caller keeps for its requests (the head and body are packed into it
    to be sent, then the response read into it: net.http_response.read_response), else one
    is made for this request. keep_headers False: Response.headers is None."""
    tls, host, port, path = parse_url(url)
    if isinstance(body, (str, bytes)):
        body = [body]
    ctx = (ssl or tls_context(cadata)) if tls else None
    # the head in pieces, after the method (no format per line: each made a tuple and a str)
    h = [" ", path, " HTTP/1.1\r\nHost: ", host]
    if port != (443 if tls else 80):
        h.append(":%d" % port)
    h.append("\r\nConnection: close\r\n")
    if body is not None:
        size = getattr(body, "size", None)
        if size is None:
            size = 0
            for p in body:  # a loop, not sum() over a generator: no generator object
                size += len(p.encode()) if isinstance(p, str) else len(p)
        h.append("Content-Length: %d\r\n" % size)
    for k in headers or ():
        v = headers[k]
        if not isinstance(v, str):
            v = str(v)
        if "\n" in k or "\r" in k or "\n" in v or "\r" in v:
            raise ValueError("header %r has a line break" % k)
        h.append(k)
        h.append(": ")
        h.append(v)
        h.append("\r\n")
    h.append("\r\n")
    if buf is None:
        buf = bytearray(_BUF)
    conn = _Conn()
    phase = "connect"
    try:
        await asyncio.wait_for(_send(conn, host, port, ctx, server_hostname or host, method,
                                     h, body, buf), timeout)
        h = None
        phase = "response"
        return await asyncio.wait_for(read_response(conn.stream, method, max_response, buf,
                                                    keep_headers), timeout)
    except asyncio.TimeoutError:
        raise HttpTimeout("%s timed out after %s s (%s:%d)" % (phase, timeout, host, port)) \
            from None
    except (OSError, ValueError, UnicodeError, IndexError) as e:
        # OSError: refused, reset, DNS, TLS; the rest: garbled bytes, an empty DNS answer
        from net.tls_context import reason

        raise HttpError("%s failed (%s:%d): %s" % (phase, host, port, reason(e))) from None
    finally:
        conn.close()


async def post_json(url, body, headers=None, **kw):
    """POST a JSON body (str/bytes or pieces, already encoded), Content-Type JSON."""
    h = {"Content-Type": "application/json"}
    for k in headers or ():
        h[k] = headers[k]
    return await request("POST", url, body, h, **kw)
