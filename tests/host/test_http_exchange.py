"""lib/http_client against a scripted server, on real MicroPython and on CPython."""

import json
import os
import subprocess
import sys

import pytest
from mpy import ROOT, mp_cmd, mp_env
from rawhttp import RawServer

from tools.certs import make_certs

OK = b'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 35\r\n\r\n' \
     b'{"request_id":"r1","status":"ok"}\r\n'
ROUTES = {
    "/ok": OK,
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n",
    "/until-close": b"HTTP/1.0 500 Internal Server Error\r\n\r\nInternal Server Error",
    "/continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\n"
                 b"Content-Length: 12\r\n\r\nUnauthorized",
    "/folded": b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
               b"Content-Length: 0\r\n\r\n",
    "/no-content": b"HTTP/1.1 204 No Content\r\n\r\n",
    "/hang": "hang",
    "/close": "close",
    "/big-length": b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100000,
    "/big-head": b"HTTP/1.1 200 OK\r\nX-Pad: " + b"y" * 100000 + b"\r\n\r\n",
    "/big-chunks": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   + (b"400\r\n" + b"z" * 1024 + b"\r\n") * 2 + b"0\r\n\r\n",
    "/bad-status": b"HTTP/1.1 2x2 Hm\r\n\r\n",
    "/not-http": b"SSH-2.0-OpenSSH\r\n\r\n",
    "/bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "/bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    "/short-body": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    "/bad-header": b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
}
RUNTIMES = ["micropython", "cpython"]


def drive(runtime, requests):
    """Runs tests/host/mp_http.py on one runtime; one result dict per request."""
    script = ROOT / "tests" / "host" / "mp_http.py"
    if runtime == "micropython":
        cmd, env = mp_cmd(script), mp_env()
    else:
        cmd = [sys.executable, str(script)]
        env = dict(os.environ, PYTHONPATH=str(ROOT / "lib"))
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    out = subprocess.run(cmd, input=lines, capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    results = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(results) == len(requests), out.stdout
    return results


@pytest.fixture(scope="module")
def server():
    with RawServer(ROUTES) as s:
        yield s


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_post_json_and_framing(server, runtime):
    base = "http://127.0.0.1:%d" % server.port
    paths = ["/ok", "/chunked", "/until-close", "/continue", "/folded", "/no-content"]
    server.requests.clear()
    r = drive(runtime, [{"url": base + p, "body": '{"a":1}', "timeout": 5,
                         "headers": {"Content-Type": "application/json",
                                     "Authorization": "OAuth t"}} for p in paths])
    ok, chunked, until_close, cont, folded, nocontent = r
    assert ok["status"] == 202 and ok["reason"] == "Accepted"
    assert ok["json"] == {"request_id": "r1", "status": "ok"}
    assert ok["headers"]["content-type"] == "application/json"
    assert chunked["status"] == 200 and chunked["body"] == "Wikipedia"
    assert until_close["status"] == 500 and until_close["body"] == "Internal Server Error"
    assert until_close["json"] is None
    assert cont["status"] == 401 and cont["body"] == "Unauthorized"
    assert folded["headers"]["set-cookie"] == "a=1, b=2"
    assert nocontent["status"] == 204 and nocontent["body"] == ""
    head, body = server.requests[0]
    assert body == b'{"a":1}'
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /ok HTTP/1.1"
    assert "Host: 127.0.0.1:%d" % server.port in lines
    assert "Connection: close" in lines
    assert "Content-Length: 7" in lines
    assert "Authorization: OAuth t" in lines
    assert "Content-Type: application/json" in lines


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_failures_are_typed_and_nothing_hangs(server, runtime):
    base = "http://127.0.0.1:%d" % server.port
    cases = {
        "/hang": ("HttpTimeout", "response timed out after 1 s"),
        "/close": ("HttpError", "connection closed inside the response head"),
        "/big-length": ("HttpError", "larger than the limit"),
        "/big-head": ("HttpError", "larger than the limit"),
        "/big-chunks": ("HttpError", "larger than the limit"),
        "/bad-status": ("HttpError", "bad status line"),
        "/not-http": ("HttpError", "bad status line"),
        "/bad-chunk": ("HttpError", "bad chunk size"),
        "/bad-length": ("HttpError", "bad Content-Length"),
        "/short-body": ("HttpError", "connection closed inside the body"),
        "/bad-header": ("HttpError", "bad header line"),
    }
    reqs = [{"url": base + p, "body": "{}", "timeout": 1, "max_response": 2048} for p in cases]
    # a port nobody listens on: bind one and close it
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    reqs.append({"url": "http://127.0.0.1:%d/x" % dead, "body": "{}", "timeout": 1})
    reqs.append({"url": "ftp://example.com/", "body": "{}"})
    reqs.append({"url": "http://host:99999/", "body": "{}"})
    results = drive(runtime, reqs)
    for (path, (kind, text)), got in zip(cases.items(), results):
        assert got.get("error") == kind, (path, got)
        assert text in got["msg"], (path, got)
    assert results[-3]["error"] == "HttpError" and "connect failed" in results[-3]["msg"]
    assert results[-2] == {"error": "ValueError",
                           "msg": "URL must start with http:// or https://: 'ftp://example.com/'"}
    assert results[-1]["error"] == "ValueError" and "port" in results[-1]["msg"]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    certs = make_certs(tmp_path_factory.mktemp("tls"))
    with RawServer(ROUTES, tls_cert=(certs["cert"], certs["key"])) as s:
        s.ca = certs["ca"]
        yield s


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_https_with_ca_and_sni(tls_server, runtime):
    base = "https://127.0.0.1:%d" % tls_server.port
    tls = {"cafile": tls_server.ca, "timeout": 5}
    r = drive(runtime, [
        dict(tls, url=base + "/ok", body="{}", server_hostname="dialogs.test"),
        dict(tls, url=base + "/ok", body="{}", server_hostname="evil.test"),
        dict(tls, url=base + "/chunked", body="{}", server_hostname="dialogs.test"),
        dict(tls, url=base + "/hang", body="{}", server_hostname="dialogs.test", timeout=1),
    ])
    assert r[0]["status"] == 202 and r[0]["json"]["request_id"] == "r1"
    assert r[1]["error"] == "HttpError" and "connect failed" in r[1]["msg"]
    assert r[2]["body"] == "Wikipedia"
    assert r[3]["error"] == "HttpTimeout"


def test_https_without_ca(tls_server):
    # MicroPython has no CA store: without cadata it encrypts but cannot check the server.
    # CPython checks against the system store, which does not know the test CA.
    base = "https://127.0.0.1:%d/ok" % tls_server.port
    assert drive("micropython", [{"url": base, "body": "{}"}])[0]["status"] == 202
    got = drive("cpython", [{"url": base, "body": "{}"}])[0]
    assert got["error"] == "HttpError" and "CERTIFICATE_VERIFY_FAILED" in got["msg"]


def test_tls_handshake_that_never_finishes_times_out(server):
    # https to a plain-HTTP server that never answers: the handshake stalls in connect.
    url = "https://127.0.0.1:%d/hang" % server.port
    for runtime in RUNTIMES:
        got = drive(runtime, [{"url": url, "body": "{}", "timeout": 1}])[0]
        assert got["error"] == "HttpTimeout" and "connect timed out" in got["msg"], got


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_body_in_pieces(server, runtime):
    server.requests.clear()
    r = drive(runtime, [{"url": "http://127.0.0.1:%d/ok" % server.port,
                         "body": ['{"name":', '"caf\u00e9",', '"n":1}']}])
    assert r[0]["status"] == 202
    head, body = server.requests[0]
    assert body == '{"name":"caf\u00e9","n":1}'.encode()
    assert b"Content-Length: %d\r\n" % len(body) in head
