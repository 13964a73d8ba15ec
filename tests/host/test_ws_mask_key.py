"""lib/net/ws.py on CPython: the key on the wire is never all zero, even when the random
source draws zeros (RFC 6455 §5.3)."""

import asyncio

import net.frame as frame
import net.ws as websocket
from wsutil import raw_handshake, raw_server, run


def test_a_zero_draw_never_reaches_the_wire(monkeypatch):
    # keys come from a pool of 64 random bytes (net.frame.key_into): its first two keys
    # drawn all zero, the third not
    draws = [b"\0\0\0\0" * 2 + b"\x5a\0\0\0" + b"\1" * 52]
    monkeypatch.setattr(websocket.os, "urandom",
                        lambda n: draws.pop(0) if n == 64 and draws else b"\1" * n)
    monkeypatch.setattr(frame, "_POOL", bytearray(65))
    frame._POOL[64] = 64  # a fresh pool: the next key draws
    got = asyncio.Queue()

    async def handler(r, w):
        await raw_handshake(r, w)
        head = await r.readexactly(2)
        key = await r.readexactly(4)
        data = await r.readexactly(head[1] & 0x7F)
        await got.put((head[1] & 0x80, key, bytes(x ^ key[i & 3] for i, x in enumerate(data))))
        await asyncio.sleep(5)

    async def scenario():
        async with raw_server(handler) as url:
            ws = await websocket.connect(url, timeout=5)
            await ws.send("hello")
            masked, key, text = await asyncio.wait_for(got.get(), 5)
            ws.abort()
        assert masked and key == b"\x5a\0\0\0" and text == b"hello"

    run(scenario())
