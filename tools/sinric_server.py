#!/usr/bin/env python3
"""Sinric Pro server double (CPython, `websockets`).

Behaves like ws.sinric.pro as far as the spec knows it: accepts the device handshake and
records its headers (refuses a wrong appkey with 401), sends the {"timestamp":N} frame,
sends signed requests on command, verifies every signature, createdAt and canonical payload
it receives, answers pings, and logs every message on one readable line.

It judges the firmware with its own code, never with lib/: signing, verifying and the
canonical-form check live in tools/sinric_oracle.py (CPython hmac + its own JSON.stringify).

In-process API (tests): `SinricServer(...)`, `await start()`, `await send_request(...)`,
`kill()/restart()`, `freeze()/thaw()`, `stop()`. Standalone:

    python -m tools.sinric_server serve [--port N] [--control-port N] [--config FILE]
    python -m tools.sinric_server send --control PORT DEVICE_ID setPowerState On
    python -m tools.sinric_server ctl --control PORT status

The control port speaks one command per line and answers one JSON line (see HELP).
"""

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import time
import uuid
from pathlib import Path

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from tools import sinric_oracle as oracle
from tools.board_files import ROOT
from tools.cli_errors import fail, in_use, is_in_use

dumps = oracle.stringify

MAX_AGE_S = 60
HELP = """commands (one per line, each answered with one JSON line):
  status                                  connection, headers, counters, problems
  request DEVICE ACTION [VALUE] [instance=ID] [timeout=S]
                                          signed request; prints the device's response
  module ACTION [VALUE]                   module-scope request (health, setSetting, ...)
  events [N]                              the last N events received (default 10)
  kill | restart                          drop every connection and stop listening / listen again
  freeze | thaw                           stop / resume reading (no pongs): a dead link
  help | quit
VALUE: JSON ({"state":"On"}), key=value pairs (brightness=40), or one bare value for the
action's usual key (setPowerState On, setBrightness 40, setColor 255,0,0)."""

# action -> value key, for the bare-value shorthand of the CLI
VALUE_KEYS = {
    "setPowerState": "state", "setBrightness": "brightness", "adjustBrightness":
    "brightnessDelta", "setPowerLevel": "powerLevel", "adjustPowerLevel": "powerLevelDelta",
    "setColorTemperature": "colorTemperature", "setRangeValue": "rangeValue",
    "adjustRangeValue": "rangeValueDelta", "setPercentage": "percentage",
    "targetTemperature": "temperature", "adjustTargetTemperature": "temperature",
    "setThermostatMode": "thermostatMode", "setLockState": "state", "setMode": "mode",
    "setToggleState": "state", "setVolume": "volume", "setMute": "mute",
    "setOpenClose": "openPercent", "setStartStop": "start", "setPauseUnpause": "pause",
}


def _scalar(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_value(action, words):
    """Request value from CLI words (see HELP)."""
    if not words:
        return {}
    text = " ".join(words)
    if text.startswith("{"):
        return json.loads(text)
    if "=" in words[0]:
        return {k: _scalar(v) for k, v in (w.split("=", 1) for w in words)}
    if action == "setColor":
        r, g, b = (int(x) for x in text.split(","))
        return {"color": {"r": r, "g": g, "b": b}}
    if action not in VALUE_KEYS:
        raise ValueError("give %s a JSON value or key=value pairs" % action)
    return {VALUE_KEYS[action]: _scalar(text)}


payload_text = oracle.payload_text


class Conn:
    """One device connection: its headers and what happened on it."""

    def __init__(self, ws, n):
        self.ws = ws
        self.n = n
        self.headers = {k.lower(): v for k, v in ws.request.headers.raw_items()}
        self.raw_headers = list(ws.request.headers.raw_items())
        self.opened = time.monotonic()
        self.timestamp_sent = None  # monotonic time of the timestamp frame
        self.closed = None
        self.frozen = False

    @property
    def live(self):
        return self.closed is None


class SinricServer:
    """The double. Every received message lands in .messages as a dict: t, conn, raw,
    payload (verified, or None), problems (list of str). .events holds verified event
    payloads, .problems every problem seen (tests assert it stays empty)."""

    def __init__(self, app_key, app_secret, *, host="127.0.0.1", port=0, log=print,
                 send_timestamp=True, timestamp_delay=0.0, clock=time.time,
                 ping_interval=None, check_app_key=True, ssl_context=None):
        self.app_key = app_key
        self.app_secret = app_secret
        self.ssl_context = ssl_context  # an ssl.SSLContext: wss://localhost:PORT/
        self.host = host
        self.port = port
        self._log = log
        self.send_timestamp = send_timestamp
        self.timestamp_delay = timestamp_delay
        self.clock = clock
        self.ping_interval = ping_interval
        self.check_app_key = check_app_key
        self.connections = []
        self.messages = []
        self.events = []
        self.problems = []
        self.sent = []  # every request text sent, in order
        self.answers = {}  # replyToken -> number of responses seen
        self._pending = {}
        self._server = None
        self._changed = asyncio.Event()

    # -- lifecycle --------------------------------------------------------------------
    async def start(self):
        self._server = await serve(self._handler, self.host, self.port,
                                   process_request=self._check_request,
                                   ping_interval=self.ping_interval, compression=None,
                                   ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        self.log("listening on %s" % self.url)
        return self

    @property
    def url(self):
        if self.ssl_context is not None:  # the name its test certificates carry
            return "wss://localhost:%d/" % self.port
        return "ws://%s:%d/" % (self.host, self.port)

    async def stop(self):
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def kill(self):
        """Like a crash: every TCP connection dropped without a close frame, no listener."""
        for c in self.connections:
            if c.live:
                c.ws.transport.abort()
        if self._server is not None:
            self._server.close(close_connections=False)
            await self._server.wait_closed()
            self._server = None
        self.log("killed: connections dropped, not listening")

    async def restart(self):
        await self.start()

    def freeze(self):
        """Stop reading from the device (so no pongs either): a silently dead link."""
        c = self.current
        if c is not None:
            c.frozen = True
            c.ws.transport.pause_reading()
            self.log("#%d frozen: not reading, not answering pings" % c.n)

    def thaw(self):
        c = self.current
        if c is not None and c.frozen:
            c.frozen = False
            c.ws.transport.resume_reading()

    @property
    def current(self):
        live = [c for c in self.connections if c.live]
        return live[-1] if live else None

    async def wait_connection(self, count=1, timeout=10):
        """Wait until `count` connections were made and the last got its timestamp."""
        async def ready():
            while not (len(self.connections) >= count and self.current is not None
                       and self.current.timestamp_sent is not None):
                self._changed.clear()
                await self._changed.wait()
            return self.current

        return await asyncio.wait_for(ready(), timeout)

    async def wait_until(self, predicate, timeout=10):
        """Wait until predicate() is true (re-checked whenever a message or connection
        arrives)."""
        async def check():
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(check(), timeout)

    def log(self, text):
        if self._log:
            self._log("%s sinric-server: %s" % (time.strftime("%H:%M:%S"), text))

    def _problem(self, text, record=None):
        self.problems.append(text)
        if record is not None:
            record["problems"].append(text)
        self.log("!! " + text)

    # -- connections ------------------------------------------------------------------
    def _check_request(self, connection, request):
        key = request.headers.get("appkey")
        if self.check_app_key and key != self.app_key:
            self.log("refused handshake: appkey %r is not ours" % key)
            return Response(401, "Unauthorized", Headers(), b"unknown appkey\n")
        return None

    async def _handler(self, ws):
        c = Conn(ws, len(self.connections) + 1)
        self.connections.append(c)
        h = c.headers
        self.log("#%d connected from %s:%d  deviceids=%s ip=%s mac=%s platform=%s "
                 "SDKVersion=%s firmwareVersion=%s" % (
                     c.n, *ws.remote_address[:2], h.get("deviceids"), h.get("ip"),
                     h.get("mac"), h.get("platform"), h.get("sdkversion"),
                     h.get("firmwareversion")))
        self._changed.set()
        # Read from the start, so anything the device sends before the timestamp is seen.
        stamp = asyncio.create_task(self._timestamp(c))
        try:
            async for raw in ws:
                self._on_message(c, raw)
        except Exception as e:  # noqa: BLE001 - log any end of the connection
            self.log("#%d ended: %s" % (c.n, type(e).__name__))
        finally:
            stamp.cancel()
            c.closed = time.monotonic()
            self.log("#%d closed (%s %s) after %.1f s" % (
                c.n, ws.close_code, ws.close_reason or "", c.closed - c.opened))
            self._changed.set()

    async def _timestamp(self, c):
        if self.timestamp_delay:
            await asyncio.sleep(self.timestamp_delay)
        if self.send_timestamp:
            await c.ws.send('{"timestamp":%d}' % int(self.clock()))
            c.timestamp_sent = time.monotonic()
            self._changed.set()

    # -- receiving --------------------------------------------------------------------
    def _on_message(self, c, raw):
        rec = {"t": time.monotonic(), "conn": c.n, "raw": raw, "payload": None,
               "problems": []}
        self.messages.append(rec)
        self._changed.set()
        if isinstance(raw, bytes):
            return self._problem("#%d sent a binary frame (%d bytes)" % (c.n, len(raw)), rec)
        if c.timestamp_sent is None:
            self._problem("#%d sent a message before the timestamp frame" % c.n, rec)
        try:
            p = oracle.verify(self.app_secret, raw)
        except oracle.Refused as e:
            return self._problem("#%d bad message (%s): %s" % (c.n, e, raw[:160]), rec)
        rec["payload"] = p
        text = payload_text(raw)
        if not oracle.is_canonical(text):
            self._problem("#%d payload is not canonical JSON: %s" % (c.n, text[:160]), rec)
        if list(json.loads(raw)) != ["header", "payload", "signature"]:
            self._problem("#%d envelope keys are not header, payload, signature" % c.n, rec)
        age = int(self.clock()) - p["createdAt"]
        if age > MAX_AGE_S:
            self._problem("#%d %s createdAt is %d s old" % (c.n, p["action"], age), rec)
        elif age < -MAX_AGE_S:
            self._problem("#%d %s createdAt is %d s ahead" % (c.n, p["action"], -age), rec)
        kind = p["type"]
        if kind == "response":
            self._on_response(c, p, rec)
        elif kind == "event":
            self.events.append(p)
            self.log("#%d <- event %s %s %s cause=%s%s" % (
                c.n, p["action"], p.get("deviceId", "(module)"), dumps(p.get("value")),
                p.get("cause", {}).get("type"), _inst(p)))
        else:
            self._problem("#%d device sent a %s" % (c.n, kind), rec)

    def _on_response(self, c, p, rec):
        token = p.get("replyToken")
        n = self.answers.get(token, 0) + 1
        self.answers[token] = n
        self.log("#%d <- response %s %s success=%s %r %s%s" % (
            c.n, p["action"], p.get("deviceId", "(module)"), str(p["success"]).lower(),
            p["message"], dumps(p.get("value")), _inst(p)))
        if n > 1:
            return self._problem("#%d second response for replyToken %s" % (c.n, token), rec)
        fut = self._pending.pop(token, None)
        if fut is None:
            return self._problem("#%d response to no request (replyToken %s)" % (c.n, token),
                                 rec)
        if not fut.done():
            fut.set_result(p)

    # -- sending ----------------------------------------------------------------------
    def request_text(self, device_id, action, value, *, instance_id=None, scope=None,
                     created_at=None, reply_token=None, client_id="portal", tamper=None):
        """A signed request (str). tamper: a value put into the payload after signing."""
        p = {"action": action, "clientId": client_id,
             "createdAt": int(self.clock()) if created_at is None else created_at,
             "deviceAttributes": [], "replyToken": reply_token or str(uuid.uuid4()),
             "type": "request", "value": value}
        if scope == "module":
            p["scope"] = "module"
        else:
            p["deviceId"] = device_id
        if instance_id is not None:
            p["instanceId"] = instance_id
        p = dict(sorted(p.items()))  # the key order of the server's sample messages
        text = oracle.sign(self.app_secret, p)
        if tamper is not None:
            hmac = text[text.rfind(',"signature"'):]
            text = oracle.sign(self.app_secret, dict(p, value=tamper))
            text = text[: text.rfind(',"signature"')] + hmac
        return text, p["replyToken"]

    async def send_text(self, text, conn=None):
        c = conn or self.current
        if c is None:
            raise ConnectionError("no device connected")
        await c.ws.send(text)
        self._changed.set()

    async def send_request(self, device_id, action, value=None, *, timeout=8, **kw):
        """Send a signed request; returns the device's response payload (dict).
        Raises TimeoutError when no response comes within timeout (s)."""
        text, token = self.request_text(device_id, action, {} if value is None else value,
                                        **kw)
        self.sent.append(text)
        p = json.loads(text)["payload"]
        self.log("-> request %s %s %s%s%s" % (action, device_id or "(module)", dumps(p["value"]),
                                              _inst(p), "  [tampered]" if kw.get("tamper")
                                              is not None else ""))
        return await self.send_and_wait(text, token, timeout)

    async def send_and_wait(self, text, token, timeout=8):
        """Send text (a request as request_text() makes it, or altered) and return the
        device's response payload (dict) to replyToken token. TimeoutError when none comes
        within timeout (s)."""
        fut = asyncio.get_running_loop().create_future()
        self._pending[token] = fut
        try:
            await self.send_text(text)
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(token, None)


def _inst(p):
    return " instance=%s" % p["instanceId"] if "instanceId" in p else ""


# -- control port and CLI --------------------------------------------------------------
async def control(server, line):
    """One control command -> JSON-able answer."""
    words = line.split()
    if not words:
        return {"error": "empty command"}
    cmd, args = words[0], words[1:]
    if cmd == "help":
        return {"help": HELP}
    if cmd == "status":
        c = server.current
        return {"url": server.url, "connected": c is not None and c.timestamp_sent is not None,
                "connections": len(server.connections), "headers": c.headers if c else None,
                "messages": len(server.messages), "events": len(server.events),
                "problems": server.problems[-20:]}
    if cmd in ("request", "module"):
        opts = {}
        while args and "=" in args[-1] and args[-1].split("=", 1)[0] in ("instance", "timeout"):
            k, v = args.pop().split("=", 1)
            opts[k] = v
        if cmd == "request":
            if len(args) < 2:
                return {"error": "usage: request DEVICE ACTION [VALUE]"}
            dev, action, rest = args[0], args[1], args[2:]
        else:
            if not args:
                return {"error": "usage: module ACTION [VALUE]"}
            dev, action, rest = None, args[0], args[1:]
        try:
            value = parse_value(action, rest)
            return await server.send_request(
                dev, action, value, instance_id=opts.get("instance"),
                scope="module" if cmd == "module" else None,
                timeout=float(opts.get("timeout", 8)))
        except asyncio.TimeoutError:
            return {"error": "no response within %s s" % opts.get("timeout", 8)}
        except (ValueError, ConnectionError) as e:
            return {"error": str(e)}
    if cmd == "events":
        n = int(args[0]) if args else 10
        return {"events": server.events[-n:]}
    if cmd in ("kill", "restart", "freeze", "thaw"):
        r = getattr(server, cmd)()
        if asyncio.iscoroutine(r):
            await r
        return {"ok": True}
    return {"error": "unknown command %r (try help)" % cmd}


async def serve_control(server, host, port):
    async def client(reader, writer):
        try:
            while line := await reader.readline():
                line = line.decode(errors="replace").strip()
                if line == "quit":
                    break
                answer = await control(server, line)
                writer.write((json.dumps(answer) + "\n").encode())
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    return await asyncio.start_server(client, host, port)


def load_keys(args):
    """(app_key, app_secret): the flags, else the config's sinric section (--config, else
    config.json, else config.example.json; it says which)."""
    if args.app_key and args.app_secret:
        return args.app_key, args.app_secret
    path = Path(args.config) if args.config else ROOT / "config.json"
    if not args.config and not path.exists():
        path = ROOT / "config.example.json"
    try:
        cfg = json.loads(path.read_text())["sinric"]
        key, secret = args.app_key or cfg["app_key"], args.app_secret or cfg["app_secret"]
    except OSError as e:
        fail("cannot read %s: %s (give CONFIG=path, or --app-key and --app-secret)"
             % (path, e.strerror))
    except ValueError as e:
        fail("%s is not valid JSON: %s (`make check-config CONFIG=%s` says more)"
             % (path, e, path))
    except (KeyError, TypeError):
        fail("%s has no sinric.app_key and sinric.app_secret: add them, or give --app-key "
             "and --app-secret" % path)
    print("sinric-server: keys from %s" % path, flush=True)
    return key, secret


async def main_serve(args):
    key, secret = load_keys(args)
    server = SinricServer(key, secret, host=args.host, port=args.port,
                          ping_interval=args.ping_interval,
                          log=lambda s: print(s, flush=True))
    await server.start()
    ctl = await serve_control(server, args.host, args.control_port)
    cport = ctl.sockets[0].getsockname()[1]
    print("sinric-server: device URL %s  control %s:%d (nc %s %d, then 'help')"
          % (server.url, args.host, cport, args.host, cport), flush=True)
    if args.port_file:
        Path(args.port_file).write_text("%d %d\n" % (server.port, cport))
    try:
        await asyncio.Event().wait()
    finally:
        ctl.close()
        await server.stop()


def main_ctl(args, line):
    host, _, port = args.control.rpartition(":")
    host = host or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=60) as s:
            s.sendall((line + "\n").encode())
            answer = s.makefile().readline()
    except ValueError:
        fail("--control takes [HOST:]PORT, not %r" % args.control)
    except ConnectionRefusedError:
        fail("nothing listens on the control port %s:%s: start `make sinric-server` first "
             "(its control port is SINRIC_CONTROL_PORT, 8766 by default)" % (host, port))
    except OSError as e:
        fail("cannot reach the control port %s:%s: %s" % (host, port, e.strerror or e))
    if not answer:
        print("no answer from the control port", file=sys.stderr)
        return 2
    obj = json.loads(answer)
    print(obj["help"] if "help" in obj else json.dumps(obj, indent=2, ensure_ascii=False))
    return 1 if "error" in obj or obj.get("success") is False else 0


def _port_of(e, args):
    """Which of the two ports could not be bound (asyncio names it in the message)."""
    for p in (args.port, args.control_port):
        if p and "%d)" % p in str(e):
            return p
    return "%s or %s" % (args.port, args.control_port)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=HELP)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="run the double")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="device port (0: any free port)")
    s.add_argument("--control-port", type=int, default=0, help="control port (0: any)")
    s.add_argument("--config", help="config.json whose sinric.app_key/app_secret to use "
                                    "(default: config.json, else config.example.json)")
    s.add_argument("--app-key")
    s.add_argument("--app-secret")
    s.add_argument("--ping-interval", type=float, default=None,
                   help="server pings every S seconds (default: never)")
    s.add_argument("--port-file", help="write 'DEVICE_PORT CONTROL_PORT' here once listening")
    for name, hlp in (("send", "send a request to a device and print the response"),
                      ("ctl", "send one control command (status, events, kill, ...)")):
        c = sub.add_parser(name, help=hlp)
        c.add_argument("--control", required=True, help="[HOST:]PORT of the control port")
        c.add_argument("words", nargs="+")
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(main_serve(args))
        except OSError as e:
            if not is_in_use(e):
                raise
            fail(in_use(args.host, _port_of(e, args), "`make sinric-server`",
                        "pick other ports: make sinric-server SINRIC_PORT=8775 "
                        "SINRIC_CONTROL_PORT=8776"))
        return 0
    line = " ".join(args.words)
    return main_ctl(args, "request " + line if args.cmd == "send" else line)


if __name__ == "__main__":
    sys.exit(main())
