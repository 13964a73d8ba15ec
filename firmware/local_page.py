# The board's own page and JSON API in station mode, behind HTTP Basic auth (the password is
# `web.password` in config.json): each device's state and a control to change it, free heap,
# uptime, Wi-Fi signal, both clouds' connection state and the last errors. It needs no cloud:
# a control here acts like a button press (the change is reported to Sinric Pro as a
# PHYSICAL_INTERACTION event and to Yango as a state change).
#
#   GET  /              the page (HTML, no script)
#   POST /control       the page's forms: device, action, key, value -> 303 back to /
#   GET  /api/status    {"devices": [...], "heap": {...}, "uptime_s", "rssi", "clouds", "errors"}
#   POST /api/device    {"device": name, "action": "setPowerState", "value": {"state": "On"}}
#                       -> {"success": bool, "value": {...}} or {"success": false, "message"}
# Secrets never reach a page: the status carries no config values but device names and types.
import gc
import json

from net.http_server import Response, basic_auth_ok, escape, serve

from firmware.pages import PAGE_TAIL, page_head

REALM = 'Basic realm="board", charset="UTF-8"'
# (action, key, kind) of the controls the page offers, in this order, for a device that has
# the action: kind "onoff" is two buttons, a tuple is one button per value, "num" a field.
CONTROLS = (
    ("setPowerState", "state", ("On", "Off")),
    ("setPowerLevel", "powerLevel", "num"),
    ("setBrightness", "brightness", "num"),
    ("setRangeValue", "rangeValue", "num"),
    ("targetTemperature", "temperature", "num"),
    ("setLockState", "state", ("lock", "unlock")),
    ("setMode", "mode", ("Open", "Close")),
)
class LocalPage:
    """The station-mode page and API for the app context `ctx` (see firmware/app.py).
    `password` is required (config web.password); errors: OSError from run() when the port
    is taken (the app logs it as a crash of this service)."""

    def __init__(self, ctx, password, port):
        self._ctx = ctx
        self._password = password
        self._port = port
        self.server = None

    async def run(self):
        import asyncio

        self.server = await serve(self.handle, self._port, log=self._ctx.log)
        self._ctx.log("web: local page on port %d" % self._port)
        await asyncio.Event().wait()

    # -- routing --------------------------------------------------------------------------
    async def handle(self, req):
        """Request -> Response (net.http_server)."""
        if not basic_auth_ok(req.headers.get("authorization"), self._password):
            return Response(401, "password required\n", "text/plain",
                            [("WWW-Authenticate", REALM)])
        if req.path == "/" and req.method == "GET":
            return Response(200, self.html(req.query.get("error")))
        if req.path == "/api/status" and req.method == "GET":
            return Response(200, json.dumps(self.status()), "application/json")
        if req.path == "/api/device" and req.method == "POST":
            try:
                d = json.loads(req.body)
                name, action, value = d["device"], d["action"], d["value"]
            except (ValueError, KeyError, TypeError):
                return _json(400, {"success": False, "message":
                                   'body must be {"device", "action", "value"}'})
            ok, res = self.control(name, action, value)
            return _json(200 if ok else 400, {"success": True, "value": res} if ok else
                         {"success": False, "message": res})
        if req.path == "/control" and req.method == "POST":
            f = req.form()
            v = f.get("value", "")
            if f.get("kind") == "num":
                try:
                    v = float(v) if "." in v else int(v)
                except ValueError:
                    v = None
            ok, res = self.control(f.get("device"), f.get("action"), {f.get("key"): v})
            where = "/" if ok else "/?error=" + _quote(res)
            return Response(303, "", extra=[("Location", where)])
        if req.path in ("/", "/api/status", "/api/device", "/control"):
            return Response(405, "method not allowed\n", "text/plain")
        return Response(404, "not found\n", "text/plain")

    # -- what the page and the API share ------------------------------------------------------
    def _devices(self):
        devs = self._ctx.services.get("devices")
        return devs.all if devs is not None else []

    def control(self, name, action, value):
        """Run a Sinric-style action on the named device, as a local (physical) change.
        Returns (True, response value dict) or (False, message)."""
        for d in self._devices():
            if d.name == name:
                break
        else:
            return False, "no device named %r" % (name,)
        try:
            res = d.handle(action, value)
        except (ValueError, TypeError, KeyError) as e:
            return False, str(e)
        if res is None:
            return False, "%s cannot %s" % (d.name, action)
        self._ctx.log("web: %s %s %s" % (d.name, action, json.dumps(value)))
        d.out.sinric(d, action, res, "PHYSICAL_INTERACTION")
        return True, res

    def status(self):
        """The dict behind /api/status."""
        ctx = self._ctx
        gc.collect()
        devs = []
        for d in self._devices():
            st = {}
            for _, inst, v in d.yango_state():
                st[inst] = v
            devs.append({"name": d.name, "type": d.type, "state": st,
                         "actions": [c[0] for c in CONTROLS if hasattr(d, "do_" + c[0])]})
        clouds = {}
        for name in ("sinric", "yango"):
            s = ctx.services.get(name)
            if s is not None:
                clouds[name] = {"connected": _cloud_up(s)}
        w = ctx.wifi
        heap = {"free": gc.mem_free(), "used": gc.mem_alloc()} if hasattr(gc, "mem_free") \
            else {"free": None, "used": None}  # CPython (host tests) has no heap figures
        return {"devices": devs, "heap": heap,
                "uptime_s": ctx.uptime_s(),
                "rssi": w.rssi() if w is not None else None, "ip": w.ip() if w else None,
                "clouds": clouds, "errors": list(getattr(ctx, "errors", ()))}

    def html(self, error=None):
        """The page as a list of str chunks (written one by one: no page-sized string on the
        heap); error: the message of a control that was refused, shown on top."""
        s = self.status()
        out = page_head("Board")
        if error:
            out.append("<p class=bad role=alert>%s</p>" % escape(error))
        out.append("<table><tr><th>Device</th><th>State</th><th>Control</th></tr>")
        for d in s["devices"]:
            out.append("<tr><td>%s<br><small>%s</small></td><td>"
                       % (escape(d["name"]), escape(d["type"])))
            st = d["state"]
            out.append(", ".join("%s: %s" % (escape(k), escape(st[k])) for k in st) or "-")
            out.append("</td><td>")
            _controls(d, out)
            out.append("</td></tr>")
        cl = s["clouds"]
        clouds = ", ".join("%s: %s" % (n, "connected" if cl[n]["connected"] else "down")
                           for n in ("sinric", "yango") if n in cl) or "none configured"
        out.append("</table><h2>Status</h2><p>Free heap: %s bytes &middot; Uptime: %d s "
                   "&middot; Wi-Fi: %s dBm &middot; IP: %s</p><p>Clouds: %s</p>"
                   "<h2>Last errors</h2><ul class=bad>"
                   % (s["heap"]["free"], s["uptime_s"], s["rssi"], escape(s["ip"]),
                      escape(clouds)))
        for e in s["errors"] or ("none",):
            out.append("<li>%s</li>" % escape(e))
        out.append("</ul><p><a href=/>Refresh</a></p>" + PAGE_TAIL)
        return out


def _controls(d, out):
    n = len(out)
    for action, key, kind in CONTROLS:
        if action not in d["actions"]:
            continue
        hidden = ("<form method=post action=/control><input type=hidden name=device "
                  "value='%s'><input type=hidden name=action value=%s><input type=hidden "
                  "name=key value=%s>" % (escape(d["name"]), action, key))
        if kind == "num":
            out.append(hidden)
            out.append("<input type=hidden name=kind value=num><input type=number step=any "
                       "name=value aria-label=%s><button>Set %s</button></form> " % (key, key))
        else:
            for v in kind:
                out.append(hidden)
                out.append("<button name=value value=%s>%s</button></form> " % (v, v))
    if len(out) == n:
        out.append("-")


def _cloud_up(s):
    c = getattr(s, "connected", None)
    if c is None:  # the Yango notifier: up unless it stopped on an error no retry can fix
        return getattr(s, "stopped", None) is None
    return bool(c)


def _json(status, d):
    return Response(status, json.dumps(d), "application/json")


def _quote(s):
    out = []
    for b in str(s)[:120].encode():
        out.append(chr(b) if 48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122
                   else "%%%02X" % b)
    return "".join(out)
