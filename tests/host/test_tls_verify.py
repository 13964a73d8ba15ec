"""Verified TLS on the simulated board (the ESP32's mbedTLS: the PyPI interpreter): the
server certificate must chain to the CA file named in the config and carry the URL's host
name; every failed check refuses the connection with a clear log line, never a silent
fallback. Throwaway PKIs (tests/host/tls_pki.py) give a good chain, a wrong host name, an
expired certificate and an unknown CA; the doubles serve them on 127.0.0.1."""

import asyncio
import tempfile
import threading
from pathlib import Path

import pytest
from e2e_rig import KEY, SECRET, YANGO, sid
from tls_pki import Pki

from tools.demo.run import DEMO_HEAP
from tools.sim.run import FAST, SimBoard
from tools.sinric_server import SinricServer
from tools.yango_server import YangoDouble

LAMP = {"name": "lamp", "type": "switch", "sinric_id": sid(1), "yango_id": "lamp", "relay": 5}


@pytest.fixture(scope="module")
def pki():
    return Pki()


@pytest.fixture(scope="module")
def loop():
    lp = asyncio.new_event_loop()
    t = threading.Thread(target=lp.run_forever, daemon=True)
    t.start()
    yield lp
    lp.call_soon_threadsafe(lp.stop)
    t.join(5)


def sinric(loop, ctx):
    async def go():
        return await SinricServer(KEY, SECRET, port=0, log=None, ssl_context=ctx).start()

    return asyncio.run_coroutine_threadsafe(go(), loop).result(10)


def stop(loop, srv):
    asyncio.run_coroutine_threadsafe(srv.stop(), loop).result(10)


def boot(cfg, ca=None, ca_path="ca/localhost.pem"):
    d = Path(tempfile.mkdtemp(prefix="tls-board-"))
    if ca is not None:
        (d / ca_path).parent.mkdir(parents=True, exist_ok=True)
        (d / ca_path).write_bytes(ca)
    b = SimBoard(cfg, board_dir=d, knobs=FAST, heap=DEMO_HEAP)
    b._own_dir = True  # removed with the board
    return b  # `with` powers it on


def config(sinric_url=None, yango_url=None, **cloud):
    cfg = {"wifi": {"ssid": "tls", "password": "tls-password"}, "devices": [LAMP],
           "board": {"watchdog_s": 0}}
    if sinric_url:
        cfg["sinric"] = dict({"app_key": KEY, "app_secret": SECRET, "url": sinric_url}, **cloud)
    if yango_url:
        cfg["yango"] = dict(YANGO, url=yango_url, **cloud)
    return cfg


def test_a_good_chain_connects(pki, loop, tmp_path):
    srv = sinric(loop, pki.server(tmp_path))
    try:
        with boot(config(srv.url), pki.root_pem) as b:
            b.wait_for("sinric: connected to wss://localhost:")
            asyncio.run_coroutine_threadsafe(srv.wait_connection(1, timeout=20), loop).result(25)
            assert "without certificate check" not in b.output()
    finally:
        stop(loop, srv)


@pytest.mark.parametrize("bad", ["wrong host", "expired", "unknown CA"])
def test_a_failed_check_refuses_the_connection(pki, loop, tmp_path, bad):
    if bad == "wrong host":
        ctx = pki.server(tmp_path, host="other.test")
    elif bad == "expired":
        ctx = pki.server(tmp_path, expired=True)
    else:
        ctx = Pki("someone else's root").server(tmp_path)
    srv = sinric(loop, ctx)
    try:
        with boot(config(srv.url), pki.root_pem) as b:
            i = b.wait_for("sinric: disconnected (")
            b.wait_for("sinric: disconnected (", since=i + 1)  # and again: no fallback
            line = b.lines[i]
            want = {"wrong host": "does not match with the expected CN",
                    "expired": "The certificate validity has expired",
                    "unknown CA": "is not correctly signed by the trusted CA"}[bad]
            assert "connect failed: certificate check failed: ValueError: " in line, line
            assert want in line and line.endswith("ms"), line
            assert "sinric: connected" not in b.output()
            assert srv.connections == [] or all(not c.live for c in srv.connections)
    finally:
        stop(loop, srv)


def test_no_ca_file_stops_that_cloud_with_one_line(loop, tmp_path, pki):
    srv = sinric(loop, pki.server(tmp_path))
    try:
        with boot(config(srv.url)) as b:
            i = b.wait_for("sinric: not started: no CA file ca/localhost.pem")
            assert "make ca HOST=localhost" in b.lines[i]
            b.wait_for("app: running")
            assert "sinric: connected" not in b.output()
            assert b.output().count("no CA file") == 1
    finally:
        stop(loop, srv)


def test_verification_off_is_said_and_connects(loop, tmp_path):
    srv = sinric(loop, Pki("unknown").server(tmp_path))
    try:
        with boot(config(srv.url, tls_verify=False)) as b:
            b.wait_for("sinric: TLS without certificate check (tls_verify is false)")
            b.wait_for("sinric: connected to wss://localhost:")
    finally:
        stop(loop, srv)


def test_a_ca_file_named_in_the_config(pki, loop, tmp_path):
    srv = sinric(loop, pki.server(tmp_path))
    try:
        with boot(config(srv.url, ca="certs/sinric-root.pem"), pki.root_pem,
                  "certs/sinric-root.pem") as b:
            b.wait_for("sinric: connected to wss://localhost:")
    finally:
        stop(loop, srv)


@pytest.mark.parametrize("good", [True, False])
def test_yango_over_verified_https(pki, loop, tmp_path, good):
    ctx = pki.server(tmp_path, host="localhost" if good else "other.test")
    y = YangoDouble(log=None, ssl_context=ctx, **YANGO)
    clock = sinric(loop, None)  # plain ws://: the clock that Yango's ts needs
    try:
        with y.serve_in_thread() as yd, boot(config(clock.url, yd.url), pki.root_pem) as b:
            if good:
                yd.wait_for(lambda d: d.accepted(), 20)
            else:
                i = b.wait_for("certificate check failed")
                line = b.lines[i]
                assert line.startswith("yango: ") and "retry in" in line, line
                assert "does not match with the expected CN" in line, line
                assert yd.states == []
    finally:
        stop(loop, clock)
