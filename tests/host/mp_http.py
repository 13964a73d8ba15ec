# Drives lib/net/http_client.py from stdin, one JSON request per line, one JSON result per line.
# Runs under MicroPython (the board's code path) and under CPython alike.
import asyncio
import json
import sys

from net import http_client


async def one(req):
    kw = {}
    for k in ("timeout", "max_response", "server_hostname"):
        if k in req:
            kw[k] = req[k]
    if "cafile" in req:
        with open(req["cafile"]) as f:
            kw["cadata"] = f.read()
    try:
        r = await http_client.request(req.get("method", "POST"), req["url"], req.get("body"),
                                      req.get("headers"), **kw)
    except http_client.HttpError as e:
        return {"error": type(e).__name__, "msg": str(e)}
    except ValueError as e:
        return {"error": "ValueError", "msg": str(e)}
    return {"status": r.status, "reason": r.reason, "headers": r.headers,
            "body": r.body.decode(), "json": r.json()}


def main():
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(asyncio.run(one(json.loads(line)))))


main()
