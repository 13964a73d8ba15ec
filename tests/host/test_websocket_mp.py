"""lib/net/ws.py under the real MicroPython interpreter against servers on 127.0.0.1."""

import asyncio
import contextlib
import ssl

from mpproc import MpProc
from websockets.exceptions import ConnectionClosed
from wsutil import (
    checksum,
    frame,
    make_certs,
    pattern,
    raw_handshake,
    raw_server,
    read_frame,
    run,
    ws_server,
)


@contextlib.asynccontextmanager
async def probe(heap="38wK"):
    # 64-bit length frames need more than the ESP8266-sized heap (38wK is ~76 KB on x86_64).
    p = await MpProc.start("mp_ws_probe.py", heap=heap)
    try:
        yield p
    finally:
        await p.stop()


def test_echo_text_and_masked_binary_of_every_length_class():
    got = []

    async def handler(ws):
        async for m in ws:
            got.append(m)
            await ws.send(m)

    async def scenario():
        async with ws_server(handler, max_size=None) as url, probe("1M") as p:
            assert (await p.cmd("connect", url))["ok"]
            assert (await p.cmd("send", "héllo"))["ok"]
            r = await p.cmd("recv", 5)
            assert (r["type"], r["head"]) == ("str", "héllo")
            # 7-bit, 16-bit and 64-bit client frames: the server unmasks them correctly
            for n in (125, 126, 300, 65535, 65536, 70001):
                s = await p.cmd("sendbin", n)
                assert s.get("ok"), s
                while len(got) < 2 or len(got[-1]) != n:
                    await asyncio.sleep(0.01)
                assert got[-1] == pattern(n), n
            assert (await p.cmd("close"))["ok"]

    run(scenario())


def test_extra_handshake_headers_reach_the_server():
    seen = {}

    async def handler(ws):
        seen.update(ws.request.headers.raw_items())
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            r = await p.cmd("connect", url, {"headers": {"appkey": "k-1", "deviceids": "a;b"}})
            assert r["ok"], r
            await p.cmd("close")
        assert seen["appkey"] == "k-1" and seen["deviceids"] == "a;b"
        assert seen["Sec-WebSocket-Version"] == "13"

    run(scenario())


def test_16_and_64_bit_length_frames_from_the_server():
    sizes = (126, 65535, 65536, 70000)

    async def handler(ws):
        for n in sizes:
            await ws.send(pattern(n))
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler) as url, probe("1M") as p:
            assert (await p.cmd("connect", url, {"max_size": 80000}))["ok"]
            for n in sizes:
                r = await p.cmd("recv", 5)
                assert (r["type"], r["len"], r["sum"]) == ("bytes", n, checksum(pattern(n)))

    run(scenario())


def test_fragmented_message_is_reassembled_with_a_ping_in_between():
    async def handler(r, w):
        await raw_handshake(r, w)
        w.write(frame(1, b"frag-", fin=False) + frame(0, b"ment", fin=False)
                + frame(9, b"mid") + frame(0, b"ed", fin=True))
        await w.drain()
        fin, op, payload = await read_frame(r)
        w.write(frame(10 if (op, payload) == (10, b"mid") else 1, b"bad pong"))
        await asyncio.sleep(5)

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            assert (await p.cmd("connect", url))["ok"]
            r = await p.cmd("recv", 5)
            assert r["head"] == "frag-mented"

    run(scenario())


def test_fragmented_message_from_websockets():
    async def handler(ws):
        await ws.send(["one,", "two,", "three"])
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            assert (await p.cmd("recv", 5))["head"] == "one,two,three"

    run(scenario())


def test_ping_with_payload_gets_the_same_payload_back():
    result = {}

    async def handler(ws):
        waiter = await ws.ping(b"ping-payload-42")
        result["latency"] = await asyncio.wait_for(waiter, 5)
        await ws.send("after ping")
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            assert (await p.cmd("recv", 5))["head"] == "after ping"
        assert result["latency"] >= 0  # websockets matched our pong to its ping payload

    run(scenario())


def test_client_ping_gets_pong_reported():
    async def handler(ws):
        await ws.recv()
        await ws.send("ok")
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            await p.cmd("ping", "keepalive-7")
            await p.cmd("send", "go")
            r = await p.cmd("recv", 5)
            assert r["pongs"] == ["keepalive-7"]

    run(scenario())


def test_server_initiated_close_is_echoed():
    seen = {}

    async def handler(ws):
        await ws.close(4001, "bye now")
        seen["code"] = ws.close_code

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            r = await p.cmd("recv", 5)
            assert (r["error"], r["code"], r["msg"]) == ("ConnectionClosed", 4001, "bye now")
            r = await p.cmd("recv", 1)
            assert r["error"] == "ConnectionClosed"  # stays closed
        assert seen["code"] == 4001  # the server got our echo

    run(scenario())


def test_client_close_handshake():
    seen = {}

    async def handler(ws):
        try:
            await ws.recv()
        except ConnectionClosed as e:
            seen["code"], seen["reason"] = e.rcvd.code, e.rcvd.reason

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            r = await p.cmd("close", 1001, "going away")
            assert r == {"ok": True, "code": 1001, "closed": True}
        assert seen == {"code": 1001, "reason": "going away"}

    run(scenario())


def test_oversize_message_closes_1009():
    seen = {}

    async def handler(ws):
        await ws.send("x" * 1001)
        try:
            await ws.recv()
        except ConnectionClosed as e:
            seen["code"] = e.rcvd.code if e.rcvd else None

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url, {"max_size": 1000})
            r = await p.cmd("recv", 5)
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1009)
            assert r["msg"] == "1001 bytes > max 1000"
        assert seen["code"] == 1009

    run(scenario())


def test_huge_announced_length_is_refused_without_allocating():
    closes = []

    async def handler(r, w):
        await raw_handshake(r, w)
        w.write(frame(2, b"", length=1 << 40)[:10])  # announce 1 TiB, send nothing
        await w.drain()
        closes.append(await read_frame(r))

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            r = await p.cmd("recv", 5)
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1009)  # no MemoryError
            assert (await p.cmd("mem"))["free"] > 20_000
            await asyncio.sleep(0.2)
        assert closes and closes[0][1] == 8 and closes[0][2][:2] == b"\x03\xf1"  # 1009

    run(scenario())


def test_fragments_adding_up_past_the_limit_close_1009():
    async def handler(r, w):
        await raw_handshake(r, w)
        w.write(frame(1, b"a" * 600, fin=False) + frame(0, b"b" * 600, fin=True))
        await w.drain()
        assert (await read_frame(r))[2] == b"\x03\xf1"  # our close 1009, then we close

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            await p.cmd("connect", url, {"max_size": 1000})
            r = await p.cmd("recv", 5)
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1009)

    run(scenario())


def test_abrupt_tcp_drop_is_reported_not_hung():
    async def handler(ws):
        await ws.send("hello")
        await asyncio.sleep(0.2)
        ws.transport.abort()

    async def scenario():
        async with ws_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            assert (await p.cmd("recv", 5))["head"] == "hello"
            r = await p.cmd("recv")  # no timeout: only the drop can end it
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1006)
            assert "connection lost" in r["msg"]

    run(scenario())


def test_server_that_never_finishes_the_handshake_times_out():
    async def handler(r, w):
        await r.readuntil(b"\r\n\r\n")
        w.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")  # ...and stalls
        await asyncio.sleep(10)

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            r = await p.cmd("connect", url, {"timeout": 0.5})
            assert r["error"] == "HandshakeError" and "within 0.5 s" in r["msg"], r

    run(scenario())


def test_wrong_accept_is_refused():
    async def handler(r, w):
        await raw_handshake(r, w, accept=b"dGhpcyBpcyBub3QgaXQ=")
        await asyncio.sleep(5)

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            r = await p.cmd("connect", url)
            assert r == {"error": "HandshakeError", "msg": "wrong Sec-WebSocket-Accept"}

    run(scenario())


def test_non_101_status_is_reported():
    async def handler(r, w):
        await raw_handshake(r, w, status=b"401 Unauthorized")

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            r = await p.cmd("connect", url)
            assert r["error"] == "HandshakeError"
            assert r["msg"] == "upgrade refused: HTTP/1.1 401 Unauthorized"

    run(scenario())


def test_connection_refused_is_a_handshake_error():
    async def scenario():
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        async with probe() as p:
            r = await p.cmd("connect", "ws://127.0.0.1:%d/" % port, {"timeout": 3})
            assert r["error"] == "HandshakeError", r

    run(scenario())


def test_protocol_violations_close_1002():
    cases = [frame(1, b"x", rsv=0x40), frame(1, b"xy", mask=b"\x01\x02\x03\x04"),
             frame(0, b"orphan"), frame(9, b"p" * 126), frame(3, b"?"),
             frame(1, b"a", fin=False) + frame(1, b"b")]

    async def scenario():
        for bad in cases:
            closes = []

            async def handler(r, w, bad=bad, closes=closes):
                await raw_handshake(r, w)
                w.write(bad)
                await w.drain()
                closes.append(await read_frame(r))

            async with raw_server(handler) as url, probe() as p:
                await p.cmd("connect", url)
                r = await p.cmd("recv", 5)
                assert (r["error"], r["code"]) == ("ConnectionClosed", 1002), (bad, r)
                await asyncio.sleep(0.1)
            assert closes[0][1] == 8 and closes[0][2][:2] == b"\x03\xea", bad

    run(scenario())


def test_invalid_utf8_text_closes_1007():
    async def handler(r, w):
        await raw_handshake(r, w)
        w.write(frame(1, b"\xff\xfe"))
        assert (await read_frame(r))[2] == b"\x03\xef"  # close 1007

    async def scenario():
        async with raw_server(handler) as url, probe() as p:
            await p.cmd("connect", url)
            r = await p.cmd("recv", 5)
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1007)

    run(scenario())


def test_recv_timeout_and_stalled_frame():
    async def silent(r, w):
        await raw_handshake(r, w)
        await asyncio.sleep(10)

    async def stalls(r, w):
        await raw_handshake(r, w)
        w.write(frame(1, b"0123456789")[:6])  # header and 4 of 10 bytes, then nothing
        await asyncio.sleep(10)

    async def scenario():
        async with raw_server(silent) as url, probe() as p:
            await p.cmd("connect", url)
            r = await p.cmd("recv", 0.3)
            assert (r["error"], r["code"]) == ("ConnectionClosed", 1006)
            assert "no message within 0.3 s" in r["msg"]
        async with raw_server(stalls) as url, probe() as p:
            await p.cmd("connect", url, {"read_timeout": 0.3})
            r = await p.cmd("recv")
            assert (r["error"], r["code"], r["msg"]) == (
                "ConnectionClosed", 1006, "frame stalled for 0.3 s")

    run(scenario())


def test_wss_with_ca_check_sni_and_without(tmp_path):
    ca, cert, key = make_certs(tmp_path, "localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    snis = []
    ctx.sni_callback = lambda sock, name, c: snis.append(name)
    (tmp_path / "other").mkdir()
    other_ca, _, _ = make_certs(tmp_path / "other", "localhost")

    async def handler(ws):
        await ws.send("secure")
        await ws.wait_closed()

    async def scenario():
        async with ws_server(handler, ssl=ctx) as url:
            async with probe() as p:
                r = await p.cmd("connect", url, {"cafile": str(ca),
                                                 "server_hostname": "localhost"})
                assert r.get("ok"), r
                assert (await p.cmd("recv", 5))["head"] == "secure"
            async with probe() as p:
                r = await p.cmd("connect", url)  # no CA: encrypted, unchecked
                assert r.get("ok"), r
                assert (await p.cmd("recv", 5))["head"] == "secure"
            async with probe() as p:
                r = await p.cmd("connect", url, {"cafile": str(other_ca),
                                                 "server_hostname": "localhost"})
                assert r["error"] == "HandshakeError", r
        assert snis[0] == "localhost"

    run(scenario())
