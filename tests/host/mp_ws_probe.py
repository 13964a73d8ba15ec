# Drives lib/net/ws.py under MicroPython for tests/host/test_websocket_mp.py.
# One JSON command per stdin line, one JSON result per stdout line:
#   ["connect", url, {opts}]  ["recv", timeout|null]  ["send", text]  ["sendbin", n]
#   ["ping", text]  ["close", code, reason]  ["mem"]
import asyncio
import gc
import json
import sys

import net.ws as websocket

PONGS = []


def pattern(n):
    b = bytearray(n)
    for i in range(n):
        b[i] = (i * 7 + 3) & 0xFF
    return b


def checksum(data):
    s = 0
    for i, x in enumerate(data):
        s = (s + x * (i % 251 + 1)) & 0xFFFFFFF
    return s


async def do(ws, cmd):
    op = cmd[0]
    if op == "connect":
        opts = cmd[2] if len(cmd) > 2 else {}
        cadata = None
        if opts.get("cafile"):
            with open(opts["cafile"], "rb") as f:
                cadata = f.read()
        for k in ("read_timeout", "write_timeout", "close_timeout"):
            if k in opts:
                setattr(websocket.WebSocket, k, opts[k])
        ws = await websocket.connect(cmd[1], opts.get("headers"), timeout=opts.get("timeout", 5),
                                     max_size=opts.get("max_size", 4096), cadata=cadata,
                                     server_hostname=opts.get("server_hostname"))
        ws.on_pong = PONGS.append
        return ws, {"ok": True}
    if op == "recv":
        m = await ws.recv(cmd[1] if len(cmd) > 1 else None)
        kind = "str" if isinstance(m, str) else "bytes"
        raw = m.encode() if kind == "str" else m
        return ws, {"ok": True, "type": kind, "len": len(raw), "sum": checksum(raw),
                    "head": str(raw[:60], "utf-8") if kind == "str" else None,
                    "pongs": [str(p, "utf-8") for p in PONGS]}
    if op == "send":
        await ws.send(cmd[1])
        return ws, {"ok": True}
    if op == "sendbin":
        data = pattern(cmd[1])
        await ws.send(data)
        return ws, {"ok": True, "sum": checksum(data)}
    if op == "ping":
        await ws.ping(cmd[1].encode())
        return ws, {"ok": True}
    if op == "close":
        await ws.close(*cmd[1:])
        return ws, {"ok": True, "code": ws.close_code, "closed": ws.closed}
    if op == "mem":
        gc.collect()
        return ws, {"ok": True, "free": gc.mem_free()}
    return ws, {"error": "usage", "msg": "unknown command %r" % op}


async def main():
    stdin = asyncio.StreamReader(sys.stdin)
    ws = None
    while True:
        line = await stdin.readline()
        if not line:
            break
        cmd = json.loads(line)
        try:
            ws, out = await do(ws, cmd)
        except websocket.ConnectionClosed as e:
            out = {"error": "ConnectionClosed", "code": e.code, "msg": e.reason}
        except websocket.HandshakeError as e:
            out = {"error": "HandshakeError", "msg": str(e)}
        except Exception as e:  # noqa: BLE001 - report anything to the test
            out = {"error": type(e).__name__, "msg": str(e)}
        print(json.dumps(out))


asyncio.run(main())
