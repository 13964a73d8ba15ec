import gc

from net.http_client import HttpError, HttpTimeout, Response
from net.tls_context import der as _der
from net.url import parse_url
from support import MICROPYTHON, raises


def test_parse_url():
    assert parse_url("http://127.0.0.1:8080/api/x?y=1") == (False, "127.0.0.1", 8080,
                                                            "/api/x?y=1")
    assert parse_url("https://dialogs.yango.com") == (True, "dialogs.yango.com", 443, "/")
    assert parse_url("http://h/") == (False, "h", 80, "/")


def test_parse_url_rejects():
    for bad in ("ftp://h/", "h/x", "http://", "http://:80/", "http://h:0/", "http://h:x/",
                "http://h:70000/", "http://u:p@h/", "http://h/a b", "http://h:/", None,
                "http://h/\r\nX: 1"):
        with raises(ValueError):
            parse_url(bad)


def test_error_types():
    assert issubclass(HttpTimeout, HttpError)
    assert issubclass(HttpError, Exception) and not issubclass(HttpError, OSError)


def test_response_json():
    assert Response(202, "Accepted", {}, b'{"request_id":"r"}').json() == {"request_id": "r"}
    assert Response(401, "", {}, b"Unauthorized").json() is None
    assert Response(500, "", {}, b"\xff\xfe").json() is None


def test_pem_to_der():
    der = b"\x30\x03\x02\x01\x05"
    pem = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n"
    assert _der(pem) == der
    assert _der(pem.encode()) == der
    assert _der(der) == der
    with raises(ValueError):
        _der("-----BEGIN CERTIFICATE-----\nMAMCAQU=\n")


class _Pieces:
    """A stream that hands out a response a few bytes per read (readinto, as MicroPython's
    asyncio streams; CPython's StreamReader is covered by tests/host/test_http_exchange.py)."""

    def __init__(self, data, step=7):
        self.data, self.i, self.step = data, 0, step

    async def readinto(self, buf):
        n = min(len(buf), self.step, len(self.data) - self.i)
        buf[:n] = self.data[self.i:self.i + n]
        self.i += n
        return n


def _read(data, limit=4096, buf=None, keep=True, step=7):
    from net.http_response import read_response

    try:
        read_response(_Pieces(data, step), "POST", limit, buf, keep).send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError("read_response waited on a stream that never blocks")


ANSWER = (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202  Accepted \r\nContent-Type: application/json"
          b"\r\nX-Long: " + b"v" * 90 + b"\r\ncontent-LENGTH:  33\r\n\r\n"
          b'{"request_id":"r1","status":"ok"}')


def test_response_read_in_pieces_into_the_callers_buffer():
    buf = bytearray(64)  # shorter than the X-Long line: a bigger one is made for it
    r = _read(ANSWER, buf=buf, keep=False)
    assert (r.status, r.reason, r.headers) == (202, "Accepted", None)
    assert r.body == b'{"request_id":"r1","status":"ok"}' and isinstance(r.body, bytes)
    assert len(buf) == 64
    r = _read(ANSWER, buf=bytearray(512), step=500)
    assert r.body.startswith(b'{"request_id"')
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-long"] == "v" * 90 and r.headers["content-length"] == "33"


def test_response_framing_and_limits_in_one_buffer():
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
               b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nA\r\n" + b"0123456789"
               + b"\r\n0\r\nX: 1\r\n\r\n")
    assert _read(chunked, buf=bytearray(16)).body == b"Wikipedia0123456789"
    assert _read(b"HTTP/1.0 500 Oops\r\n\r\nInternal Error").body == b"Internal Error"
    assert _read(b"HTTP/1.1 204 No Content\r\n\r\n").body == b""
    from net.http_response import HttpError

    for data, text in ((b"HTTP/1.1 2x2 Hm\r\n\r\n", "bad status line"),
                       (b"SSH-2.0-OpenSSH\r\n\r\n", "bad status line"),
                       (b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "bad Content-Length"),
                       (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "bad header line"),
                       (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                        "connection closed inside the body"),
                       (b"HTTP/1.1 200 OK\r\nX: " + b"y" * 300 + b"\r\n\r\n", "larger than"),
                       (b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + b"z" * 300,
                        "larger than"),
                       (b"HTTP/1.1 200 OK\r\n", "closed inside the response head")):
        with raises(HttpError, text):
            _read(data, limit=256, buf=bytearray(32))


def test_a_usual_answer_read_into_a_kept_buffer_allocates_little():
    # What reading one Yango answer costs on MicroPython: read in blocks and joined it was
    # 542 words on the 32-bit build (960 on 64-bit: 4.3 / 7.7 KB, in pieces of 257 bytes
    # and more); read into the caller's buffer and parsed where it lies, 372 / 332 words:
    # the Response and its body, the coroutines, a few small tuples. In words: the same
    # bound on both builds.
    if not MICROPYTHON:
        return
    import sys

    head = (b"HTTP/1.1 202 Accepted\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 04:00:00 GMT\r\n"
            b"Content-Type: application/json\r\nContent-Length: 66\r\nConnection: close\r\n"
            b"Strict-Transport-Security: max-age=31536000\r\n\r\n")
    data = head + b'{"request_id":"6f1c1b2e-8a3d-4c53-9b1e-2f6a7d1e9c00","status":"ok"}'
    buf = bytearray(512)
    _read(data, buf=buf, keep=False, step=512)
    gc.collect()
    free = gc.mem_free()
    gc.disable()
    try:
        r = _read(data, buf=buf, keep=False, step=512)
        used = free - gc.mem_free()
    finally:
        gc.enable()
    assert r.status == 202 and len(r.body) == 66
    word = 8 if sys.maxsize > 1 << 32 else 4
    assert used // word < 460, used
