"""Yango callback double: the notification service of docs/yango.md §2, for tests and the demo.

Serves POST /api/v1/skills/{skill_id}/callback/state and /callback/discovery on 127.0.0.1,
checks them as strictly as the real service (OAuth header, JSON shape, integers where the
platform decodes integers, known types/instances/units/event values, ts present), answers
202/400 with a request_id, can be told to fail (5xx, timeout, reset, 401, 403,
UNKNOWN_USER), records every accepted state and prints a readable log.

In-process:   with YangoDouble().serve_in_thread() as y: ... y.port, y.fail("500", 3),
              y.wait_for(lambda: ..., timeout), y.latest, y.states, y.requests
Standalone:   python -m tools.yango_server [--port N] [--config config.json] [--fail 503:3]
Control:      POST /_control/fail {"fault": "503", "times": 3}   POST /_control/clear
              GET /_control/state   GET /_control/requests
"""

import argparse
import asyncio
import json
import re
import threading
import time
import uuid

from tools import yango_oracle as vocab

CAP = "devices.capabilities."
PROP = "devices.properties."
PATH = re.compile(r"^/api/v1/skills/([^/]+)/callback/(state|discovery)$")
FAULTS = ("500", "502", "503", "timeout", "reset", "401", "403", "unknown_user", "400",
          "pass")
MAX_REQUEST = 256 * 1024


class Invalid(Exception):
    """A body the service rejects with 400 (error_code, message)."""

    def __init__(self, message, code="BAD_REQUEST"):
        super().__init__(message)
        self.code = code


class _Num(float):
    """A JSON number written with a fraction or exponent, keeping its text."""

    def __new__(cls, text):
        x = super().__new__(cls, text)
        x.text = text
        return x


def _loads(text):
    # Go's decoder keeps 3500 and 3500.0 apart; so must we (dext0r #577).
    return json.loads(text, parse_float=_Num, parse_constant=lambda c: _bad_constant(c))


def _bad_constant(c):
    raise Invalid("json: invalid character '%s' looking for beginning of value" % c[0])


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return _is_int(v) or isinstance(v, float)


def _want_int(v, where):
    if isinstance(v, _Num):
        raise Invalid("json: unexpected type at %s: number %s" % (where, v.text))
    if not _is_int(v):
        raise Invalid("json: unexpected type at %s: %s" % (where, _jtype(v)))


def _jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number %s" % getattr(v, "text", v)
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


def _instances(t):
    """Known instances of a capability/property type (None if the type is unknown)."""
    return vocab.instances(t)


def check_value(t, inst, v, where):
    """The platform's type rules for one state value (400 on a violation)."""
    if t in (CAP + "on_off", CAP + "toggle"):
        if not isinstance(v, bool):
            raise Invalid("json: unexpected type at %s: %s, want bool" % (where, _jtype(v)))
    elif t == CAP + "color_setting":
        if inst in ("rgb", "temperature_k"):
            _want_int(v, where)
            if inst == "rgb" and not 0 <= v <= 0xFFFFFF:
                raise Invalid("%s: rgb %d out of 0..16777215" % (where, v), "INVALID_VALUE")
            if inst == "temperature_k" and v <= 0:
                raise Invalid("%s: temperature_k %d" % (where, v), "INVALID_VALUE")
        elif inst == "hsv":
            if not isinstance(v, dict) or sorted(v) != ["h", "s", "v"]:
                raise Invalid("json: unexpected type at %s: want {h, s, v}" % where)
            for k in "hsv":
                _want_int(v[k], "%s.%s" % (where, k))
        elif v not in vocab.SCENES:
            raise Invalid("%s: unknown scene %r" % (where, v), "INVALID_VALUE")
    elif t == CAP + "mode":
        if not isinstance(v, str) or v not in vocab.MODE_VALUES:
            raise Invalid("%s: unknown mode %r" % (where, v), "INVALID_VALUE")
    elif t in (CAP + "range", PROP + "float"):
        if not _is_num(v):
            raise Invalid("json: unexpected type at %s: %s, want number" % (where, _jtype(v)))
    elif t == PROP + "event":
        if v not in vocab.EVENT_VALUES.get(inst, ()):
            raise Invalid("%s: %r is not an event of %s" % (where, v, inst), "INVALID_VALUE")


class YangoDouble:
    """The Yango notification service as far as docs/yango.md knows it. Thread-safe to read."""

    hang_s = 60  # how long a "timeout" fault holds the connection

    def __init__(self, skill_id="skill-1", token="token-1", user_id="user-1", devices=None,
                 host="127.0.0.1", port=0, log=print, ssl_context=None):
        self.ssl_context = ssl_context  # an ssl.SSLContext: https://localhost:PORT
        self.skill_id = skill_id
        self.token = token
        self.user_id = user_id
        self.host = host
        self.port = port
        self.log = log or (lambda line: None)
        self.devices = {}  # id -> discovery entry: undeclared states become violations
        for e in devices or ():
            self.devices[e["id"]] = e
        self.requests = []  # every request, in arrival order (dicts)
        self.states = []  # every accepted state: dicts device/type/instance/value/ts/n/t
        self.latest = {}  # (device, instance type short, instance) -> value
        self.violations = []  # accepted by the platform, but not what a device should send
        self._faults = []  # [kind, times left or None for ever]
        self._cond = threading.Condition()
        self._server = None
        self._loop = None
        self._thread = None
        self._stopped = None
        self._tasks = set()

    # --- fault injection ------------------------------------------------------------------

    def fail(self, kind, times=1):
        """Answer the next `times` callbacks (None: all, until clear()) with a fault:
        500/502/503, timeout (hold the connection without answering), reset (close without
        answering), 401, 403, unknown_user, 400; "pass" answers normally, to script
        sequences such as fail("pass", 1); fail("400", 1)."""
        if kind not in FAULTS:
            raise ValueError("unknown fault %r (one of %s)" % (kind, ", ".join(FAULTS)))
        with self._cond:
            self._faults.append([kind, times])

    def clear(self):
        with self._cond:
            self._faults = []

    def _take_fault(self):
        with self._cond:
            while self._faults:
                f = self._faults[0]
                if f[1] is None:
                    return f[0]
                if f[1] > 0:
                    f[1] -= 1
                    if f[1] == 0:
                        self._faults.pop(0)
                    return f[0]
                self._faults.pop(0)
        return None

    # --- waiting (tests) ------------------------------------------------------------------

    def wait_for(self, predicate, timeout=10):
        """Block until predicate(self) is true (re-checked on every request); returns it,
        or raises TimeoutError: a hang guard, not a speed assertion."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                r = predicate(self)
                if r:
                    return r
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("Yango double: condition not met in %s s; %d requests"
                                       % (timeout, len(self.requests)))
                self._cond.wait(min(left, 0.2))

    def accepted(self, kind="state"):
        return [r for r in self.requests if r["status"] == 202 and r["kind"] == kind]

    # --- HTTP -----------------------------------------------------------------------------

    async def _read(self, reader):
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0") or 0)
        if n > MAX_REQUEST:
            raise ValueError("request body too large")
        body = await reader.readexactly(n) if n else b""
        return method, target, headers, body

    async def _handle(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._tasks.discard(task)

    async def _serve(self, reader, writer):
        t = time.monotonic()
        try:
            method, target, headers, body = await asyncio.wait_for(self._read(reader), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError, ConnectionError):
            writer.close()
            return
        try:
            status, ctype, payload, hold = self._dispatch(method, target, headers, body, t)
        except Exception as e:  # noqa: BLE001 - a bug here must show, not kill the server
            self.log("yango-double: internal error: %r" % e)
            status, ctype, payload, hold = 500, "text/plain", b"Internal Server Error", None
        try:
            if hold == "timeout":
                await asyncio.sleep(self.hang_s)
            elif hold != "reset":
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n" % (status, _REASONS.get(status, b"X"),
                                                            ctype.encode(), len(payload)))
                writer.write(payload)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _dispatch(self, method, target, headers, body, t):
        if target.startswith("/_control"):
            return self._control(method, target, body) + (None,)
        rec = {"n": len(self.requests) + 1, "t": t, "wall": time.time(), "method": method,
               "path": target,
               "kind": None, "status": None, "request_id": None, "fault": None, "body": None,
               "error": None, "states": []}
        status, ctype, payload, hold = self._callback(rec, method, target, headers, body)
        rec["status"] = None if hold else status
        with self._cond:
            self.requests.append(rec)
            self._cond.notify_all()
        self._print(rec)
        return status, ctype, payload, hold

    def _callback(self, rec, method, target, headers, body):
        m = PATH.match(target)
        if not m:
            return 404, "text/plain", b"404 page not found", None
        rec["kind"] = m.group(2)
        if method != "POST":
            return 405, "text/plain", b"Method Not Allowed", None
        fault = self._take_fault()
        fault = None if fault == "pass" else fault
        rec["fault"] = fault
        if fault in ("timeout", "reset"):
            return 0, "", b"", fault
        if fault in ("500", "502", "503"):
            if fault == "500":
                return 500, "application/json", _dumps(
                    {"status": "error", "error_code": "INTERNAL_ERROR"}), None
            return int(fault), "text/plain", _REASONS[int(fault)], None
        auth = headers.get("authorization", "")
        if fault == "401" or auth != "OAuth " + self.token:
            rec["error"] = "Authorization %r" % (auth[:14] + "..." if len(auth) > 14 else auth)
            return 401, "text/plain", b"Unauthorized", None
        if fault == "403" or m.group(1) != self.skill_id:
            rec["error"] = "skill %r" % m.group(1)
            return 403, "text/plain", b"", None
        rid = str(uuid.uuid4())
        rec["request_id"] = rid
        try:
            if fault == "unknown_user":
                raise Invalid("unknown user", "UNKNOWN_USER")
            if fault == "400":
                raise Invalid("injected fault", "INVALID_VALUE")
            ctype = headers.get("content-type", "")
            if ctype.split(";")[0].strip().lower() != "application/json":
                raise Invalid("Content-Type must be application/json, got %r" % ctype)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise Invalid("body is not UTF-8") from None
            try:
                doc = _loads(text)
            except json.JSONDecodeError as e:
                raise Invalid("json: %s" % e) from None
            rec["body"] = doc
            if rec["kind"] == "state":
                self._check_state(doc, rec)
            else:
                self._check_top(doc, {"ts", "payload"}, {"user_id"}, rec)
        except Invalid as e:
            rec["error"] = "%s: %s" % (e.code, e)
            return 400, "application/json", _dumps(
                {"request_id": rid, "status": "error", "error_code": e.code,
                 "error_message": str(e)}), None
        with self._cond:
            for s in rec["states"]:
                self.states.append(s)
                self.latest[(s["device"], s["type"].rsplit(".", 1)[1], s["instance"])] = \
                    s["value"]
        return 202, "application/json", _dumps({"request_id": rid, "status": "ok"}), None

    def _violation(self, rec, text):
        rec.setdefault("violations", []).append(text)
        with self._cond:
            self.violations.append("#%d %s" % (rec["n"], text))

    def _check_top(self, doc, top, payload_keys, rec):
        if not isinstance(doc, dict):
            raise Invalid("json: cannot unmarshal %s into the request" % _jtype(doc))
        for k in doc:
            if k not in top:
                self._violation(rec, "unknown field %r" % k)
        if "ts" not in doc or not _is_num(doc["ts"]) or doc["ts"] <= 0:
            raise Invalid("ts: a positive number of Unix seconds is required")
        p = doc.get("payload")
        if not isinstance(p, dict):
            raise Invalid("payload: required object")
        for k in p:
            if k not in payload_keys | {"user_id"}:
                self._violation(rec, "unknown field payload.%s" % k)
        if not isinstance(p.get("user_id"), str) or not p["user_id"]:
            raise Invalid("payload.user_id: required string")
        if self.user_id is not None and p["user_id"] != self.user_id:
            raise Invalid("unknown user", "UNKNOWN_USER")
        return p

    def _check_state(self, doc, rec):
        p = self._check_top(doc, {"ts", "payload"}, {"devices"}, rec)
        devs = p.get("devices")
        if not isinstance(devs, list) or not devs:
            raise Invalid("payload.devices: required non-empty array")
        seen = set()
        for i, d in enumerate(devs):
            where = "payload.devices[%d]" % i
            if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not d["id"]:
                raise Invalid("%s.id: required string" % where)
            for k in d:
                if k == "status":
                    self._violation(rec, "%s.status is not documented for Yango" % where)
                elif k not in ("id", "capabilities", "properties"):
                    self._violation(rec, "unknown field %s.%s" % (where, k))
            n = 0
            for key, prefix in (("capabilities", CAP), ("properties", PROP)):
                items = d.get(key, [])
                if not isinstance(items, list):
                    raise Invalid("json: unexpected type at %s.%s: want array" % (where, key))
                for j, it in enumerate(items):
                    self._check_item(rec, d["id"], it, prefix, "%s.%s[%d]" % (where, key, j),
                                     seen, doc["ts"])
                    n += 1
            if not n:
                raise Invalid("%s: no capabilities or properties" % where)

    def _check_item(self, rec, dev, it, prefix, where, seen, ts):
        if not isinstance(it, dict):
            raise Invalid("json: unexpected type at %s: want object" % where)
        t = it.get("type")
        if not isinstance(t, str) or not t.startswith(prefix) or _instances(t) is None \
                or t == CAP + "video_stream":
            raise Invalid("%s.type: unknown type %r" % (where, t))
        st = it.get("state")
        if not isinstance(st, dict) or "instance" not in st or "value" not in st:
            raise Invalid("%s.state: required {instance, value}" % where)
        inst = st["instance"]
        if inst not in _instances(t):
            raise Invalid("%s.state.instance: unknown instance %r for %s" % (where, inst, t))
        if st["value"] is None:
            raise Invalid("%s.state.value: null" % where)
        check_value(t, inst, st["value"], where + ".state.value")
        key = (dev, t, inst)
        if key in seen:
            self._violation(rec, "%s: %s %s %s twice in one request" % (where, dev, t, inst))
        seen.add(key)
        self._check_declared(rec, dev, t, inst, st["value"], where)
        rec["states"].append({"device": dev, "type": t, "instance": inst,
                              "value": _plain(st["value"]), "ts": ts, "n": rec["n"],
                              "t": rec["t"]})

    def _check_declared(self, rec, dev, t, inst, v, where):
        if not self.devices:
            return
        e = self.devices.get(dev)
        if e is None:
            return self._violation(rec, "%s: device %r was never discovered" % (where, dev))
        for d in e.get("capabilities", []) + e.get("properties", []):
            if (t, inst) not in vocab.declared_pairs(d):
                continue
            p = d.get("parameters") or {}
            r = p.get("temperature_k" if inst == "temperature_k" else "range") or {}
            if _is_num(v) and not r.get("min", v) <= v <= r.get("max", v):
                self._violation(rec, "%s: %r outside the declared %s..%s"
                                % (where, v, r.get("min"), r.get("max")))
            ev = p.get("events") or p.get("modes")
            if ev and v not in [x.get("value") for x in ev]:
                self._violation(rec, "%s: %r was not declared" % (where, v))
            return
        self._violation(rec, "%s: %s %s %s was not declared" % (where, dev, t, inst))

    def _print(self, rec):
        head = "yango-double: #%d %s %s" % (rec["n"], rec["kind"] or rec["path"],
                                             rec["status"] if rec["status"] else "(no answer)")
        if rec["fault"]:
            head += " [fault %s]" % rec["fault"]
        if rec["request_id"]:
            head += " request_id=%s" % rec["request_id"][:8]
        if rec["error"]:
            head += " " + rec["error"]
        for s in rec["states"]:
            head += "\n    %s %s.%s = %s" % (s["device"], s["type"].rsplit(".", 1)[1],
                                             s["instance"], json.dumps(s["value"]))
        for v in rec.get("violations", ()):
            head += "\n    VIOLATION " + v
        self.log(head)

    def _control(self, method, target, body):
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            return 400, "application/json", _dumps({"error": "body is not JSON"})
        if method == "POST" and target == "/_control/fail":
            try:
                self.fail(str(doc.get("fault")), doc.get("times", 1))
            except ValueError as e:
                return 400, "application/json", _dumps({"error": str(e)})
            return 200, "application/json", _dumps({"faults": self._faults})
        if method == "POST" and target == "/_control/clear":
            self.clear()
            return 200, "application/json", _dumps({"faults": []})
        if method == "GET" and target == "/_control/state":
            with self._cond:
                latest = {"%s %s.%s" % k: v for k, v in self.latest.items()}
                out = {"requests": len(self.requests), "accepted": len(self.accepted()),
                       "states": len(self.states), "latest": latest,
                       "violations": list(self.violations), "faults": self._faults}
            return 200, "application/json", _dumps(out)
        if method == "GET" and target == "/_control/requests":
            with self._cond:
                out = [{k: r[k] for k in ("n", "kind", "status", "fault", "request_id",
                                          "error", "body")} for r in self.requests]
            return 200, "application/json", _dumps(out)
        return 404, "text/plain", b"404 page not found"

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self):
        self._server = await asyncio.start_server(self._handle, self.host, self.port,
                                                  ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self):
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):  # e.g. connections held by a timeout fault
                task.cancel()
            await self._server.wait_closed()

    @property
    def url(self):
        if self.ssl_context is not None:  # the name its test certificates carry
            return "https://localhost:%d" % self.port
        return "http://%s:%d" % (self.host, self.port)

    def serve_in_thread(self):
        """Context manager: serve from a background thread (for blocking tests)."""
        return _Thread(self)


class _Thread:
    def __init__(self, double):
        self.d = double

    def __enter__(self):
        ready = threading.Event()
        errors = []

        async def main():
            try:
                await self.d.start()
            except OSError as e:
                errors.append(e)
                ready.set()
                return
            self.d._loop = asyncio.get_running_loop()
            self.d._stopped = asyncio.Event()
            ready.set()
            await self.d._stopped.wait()
            await self.d.stop()

        self.d._thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
        self.d._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self.d

    def __exit__(self, *exc):
        self.d._loop.call_soon_threadsafe(self.d._stopped.set)
        self.d._thread.join(10)


def _plain(v):
    if isinstance(v, _Num):
        return float(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


_REASONS = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 401: b"Unauthorized",
            403: b"Forbidden", 404: b"Not Found", 405: b"Method Not Allowed",
            500: b"Internal Server Error", 502: b"Bad Gateway", 503: b"Service Unavailable"}


def main(argv=None):
    from tools.cli_errors import fail, in_use, is_in_use

    ap = argparse.ArgumentParser(description="Yango callback double (see module doc)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    ap.add_argument("--config", help="config.json: take skill_id/token/user_id from its "
                    "yango section and the devices it declares")
    ap.add_argument("--skill-id", default=None)
    ap.add_argument("--token", default=None)
    ap.add_argument("--user-id", default=None)
    ap.add_argument("--fail", action="append", default=[], metavar="FAULT[:TIMES]",
                    help="inject a fault: %s; TIMES a number or 'all'" % ", ".join(FAULTS))
    args = ap.parse_args(argv)
    creds = {"skill_id": "skill-1", "token": "token-1", "user_id": "user-1"}
    devices = None
    if args.config:
        from tools.yango_devices import entries_from_config, load_config

        try:
            cfg = load_config(args.config)
        except (OSError, ValueError) as e:
            fail("cannot use %s: %s" % (args.config, e))
        for k in creds:
            if cfg.get("yango", {}).get(k):
                creds[k] = cfg["yango"][k]
        devices = entries_from_config(cfg)
    for k in creds:
        v = getattr(args, k)
        if v:
            creds[k] = v
    y = YangoDouble(host=args.host, port=args.port, devices=devices,
                    log=lambda line: print(line, flush=True), **creds)
    for f in args.fail:
        kind, _, times = f.partition(":")
        y.fail(kind, None if times == "all" else int(times or 1))

    async def serve():
        await y.start()
        print("yango-double: listening on %s (skill_id=%s user_id=%s%s%s)"
              % (y.url, y.skill_id, y.user_id,
                 ", %d devices declared" % len(y.devices) if y.devices else "",
                 "; config %s" % args.config if args.config else ""), flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    except OSError as e:
        if not is_in_use(e):
            raise
        fail(in_use(args.host, args.port, "`make yango-server`",
                    "pick another port: make yango-server YANGO_PORT=8788"))


if __name__ == "__main__":
    main()
