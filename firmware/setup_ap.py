# Setup without editing files: the board's own WPA2 access point with a captive page that sets
# Wi-Fi, the Sinric Pro keys and the Yango token. It runs instead of the app (nothing else is
# loaded, so it fits an ESP8266's heap) when
#   - config.json is missing or has no usable `wifi` section,
#   - Wi-Fi failed for `wifi.setup_after_s` (the app asks for it with request() and restarts),
#   - or the `board.setup_button` GPIO is held (low) at boot.
# The page writes config.json through the same validator as every other path, atomically
# (temp file + rename), shows the validator's exact message for a bad value, and the board
# then restarts into station mode. Secrets are never written into the page: a secret field
# left empty keeps the stored value.
# The AP password is `board.setup_password`, else one generated at first boot, kept in
# setup.key and printed on the serial console once. Stock ports: the AP interface and its
# `config(ssid=, key=, security=)` keywords follow ports/esp32/network_wlan.c and
# ports/esp8266/network_wlan.c (SEC_WPA2 is 3 on both).
import gc
import json
import os

from net.http_server import Response, escape, serve

from firmware.pages import PAGE_TAIL, page, page_head

AP_IP = "192.168.4.1"  # the ESP ports' soft-AP address (their DHCP server hands out .2+)
KEY_PATH = "setup.key"
CONFIG_PATH = "config.json"
RESTART_MS = 1500  # the "saved" page reaches the phone before the AP goes away
RETRY_STATION_S = 600  # with stored Wi-Fi settings, try station mode again after this long
_SEC_WPA2 = 3

# (section, field, label, secret): what the page sets
FIELDS = (
    ("wifi", "ssid", "Wi-Fi network", False),
    ("wifi", "password", "Wi-Fi password", True),
    ("sinric", "app_key", "Sinric Pro app key", False),
    ("sinric", "app_secret", "Sinric Pro app secret", True),
    ("yango", "skill_id", "Yango skill id", False),
    ("yango", "user_id", "Yango user id", False),
    ("yango", "token", "Yango OAuth token", True),
)


def section(raw, name):
    """raw[name] when it is an object, else {} (a broken config may hold anything)."""
    s = raw.get(name)
    return s if isinstance(s, dict) else {}


def ap_password(raw, log):
    """The AP password: board.setup_password, else the one in setup.key, else a new random
    one, stored and printed once (the serial console is the only place it is shown)."""
    pw = section(raw, "board").get("setup_password")
    if isinstance(pw, str) and 8 <= len(pw) <= 63:
        return pw
    try:
        with open(KEY_PATH) as f:
            pw = f.read().strip()
        if len(pw) >= 8:
            return pw
    except OSError:
        pass
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0)
    pw = "".join(alphabet[b % len(alphabet)] for b in os.urandom(12))
    with open(KEY_PATH, "w") as f:
        f.write(pw)
    log("setup: the access point's password (shown once, kept in %s): %s" % (KEY_PATH, pw))
    return pw


def read_raw(path=CONFIG_PATH):
    """The stored config as parsed JSON (a dict), or {} when missing or broken."""
    try:
        with open(path) as f:
            raw = json.loads(f.read())
        return raw if isinstance(raw, dict) else {}
    except (OSError, ValueError, MemoryError):
        return {}


def merge(raw, form):
    """A new config dict: raw with the page's form values (str -> str) applied. A secret left
    empty keeps its stored value; a cleared plain field clears the value; a cloud section
    left with no fields is removed (that cloud is off)."""
    cfg = json.loads(json.dumps(raw))  # a deep copy
    for sec, name, _, secret in FIELDS:
        v = form.get(sec + "." + name, "")
        s = cfg.get(sec)
        if not isinstance(s, dict):
            s = cfg[sec] = {}
        if secret:
            if v:
                s[name] = v
        elif v.strip():
            s[name] = v.strip()
        elif name in s:
            del s[name]
    cfg["wifi"].setdefault("password", "")  # none given: an open network
    for sec in ("sinric", "yango"):
        if not cfg[sec]:
            del cfg[sec]
    cfg.setdefault("devices", [])
    return cfg


def save(raw, form, path=CONFIG_PATH):
    """Validate merge(raw, form) and write it atomically. Returns None, or the validator's
    message (str) naming the field when the config is refused (nothing is written)."""
    import sys

    from firmware import config

    cfg = merge(raw, form)
    try:
        config.validate(json.loads(json.dumps(cfg)))  # validate fills defaults: on a copy
        err = None
    except config.ConfigError as e:
        err = str(e)
    finally:
        # used once: give the validator's RAM back for the page (as firmware/app.py does)
        for name in ("config", "config_types"):
            sys.modules.pop("firmware." + name, None)
        config = None
        gc.collect()
    if err:
        return err
    text = json.dumps(cfg)
    cfg = None
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)
    return None


class SetupPortal:
    """The AP, the DNS answer that makes phones open the page, and the page. `network` is
    the port's module (injected). `on_saved()` runs once the page has written a valid
    config; raw is the stored config as parsed JSON ({} when there is none); port and
    dns_port: where the page and the DNS answer listen (80 and 53 on a board)."""

    def __init__(self, network, raw, reason, log=print, on_saved=None, port=80, dns_port=53):
        self._net = network
        self._port = port
        self._dns_port = dns_port
        self._raw = raw
        self.reason = reason
        self._log = log
        self._on_saved = on_saved
        self.saved = False
        self.ssid = None
        self._server = self._dns_task = self._ap = None

    def start_ap(self):
        """The WPA2 AP named <hostname or 'board'>-setup-<last 2 bytes of the MAC>."""
        net = self._net
        ap = self._ap = net.WLAN(net.AP_IF)
        mac = ap.config("mac")
        name = "%s-setup-%02x%02x" % (section(self._raw, "wifi").get("hostname") or
                                      "board", mac[-2], mac[-1])
        pw = ap_password(self._raw, self._log)
        sec = getattr(net.WLAN, "SEC_WPA2", getattr(net, "AUTH_WPA2_PSK", _SEC_WPA2))
        ap.active(True)
        ap.config(ssid=name, key=pw, security=sec)
        self.ssid = name
        self._log("setup: access point %s (WPA2) because %s; open http://%s/"
                  % (name, self.reason, AP_IP))

    async def start(self):
        """AP, page and DNS up; returns. OSError when a port is taken."""
        import asyncio

        self.start_ap()
        self._server = await serve(self.handle, self._port, log=self._log)
        self._dns_task = asyncio.create_task(self._dns(self._dns_socket()))
        gc.collect()
        self._log("setup: page ready, %d bytes free" % gc.mem_free())

    def stop(self, why):
        """Page, DNS and AP down (Wi-Fi came back while the app ran beside them)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._dns_task is not None:
            self._dns_task.cancel()
            self._dns_task = None
        if self._ap is not None:
            self._ap.active(False)
        self._log("setup: access point off (%s)" % why)

    async def run(self):
        """The setup boot: serve until settings are saved (or, with stored Wi-Fi settings,
        RETRY_STATION_S passed); returns when the board should restart."""
        import asyncio

        await self.start()
        waited = 0
        while not self.saved:
            await asyncio.sleep(1)
            waited += 1
            if waited >= RETRY_STATION_S and section(self._raw, "wifi").get("ssid"):
                self._log("setup: nobody saved settings in %d s; trying station mode again"
                          % RETRY_STATION_S)
                break
        await asyncio.sleep_ms(RESTART_MS)

    # -- the page ---------------------------------------------------------------------------
    async def handle(self, req):
        """Request -> Response: GET / the form, POST /save, anything else redirects to the
        form (what phones probe to detect a captive portal)."""
        if req.path == "/save" and req.method == "POST":
            err = save(self._raw, req.form())
            if err:
                self._log("setup: refused: %s" % err)
                return Response(400, self.form_page(req.form(), err))
            self._log("setup: config saved; restarting into station mode")
            self.saved = True
            if self._on_saved is not None:
                self._on_saved()
            return Response(200, page("Saved", "<p>Settings saved. The board restarts "
                                      "and joins <b>%s</b>.</p>"
                                      % escape(req.form().get("wifi.ssid", ""))))
        if req.path == "/" and req.method == "GET":
            return Response(200, self.form_page())
        return Response(302, "", extra=[("Location", "http://%s/" % AP_IP)])

    def form_page(self, form=None, error=None):
        """The setup form as str chunks; form: values to show again after a refusal (never
        secrets); error: the validator's message."""
        out = page_head("Board setup")
        if error:
            out.append("<p class=bad role=alert>%s</p>" % escape(error))
        out.append("<form method=post action=/save>")
        for sec, name, label, secret in FIELDS:
            key = sec + "." + name
            stored = section(self._raw, sec).get(name)
            if secret:
                out.append("<label>%s<br><input type=password name=%s autocomplete=off "
                           "placeholder='%s'></label>"
                           % (label, key, "(unchanged)" if stored else ""))
            else:
                v = form.get(key, "") if form is not None else (stored or "")
                out.append("<label>%s<br><input name=%s value='%s'></label>"
                           % (label, key, escape(v)))
        out.append("<p><button>Save and restart</button></p></form><p><small>Leave a "
                   "password field empty to keep the stored one. Clear a cloud's fields to "
                   "turn it off.</small></p>" + PAGE_TAIL)
        return out

    # -- DNS: every name is the AP ----------------------------------------------------------
    def _dns_socket(self):
        import socket

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(socket.getaddrinfo("0.0.0.0", self._dns_port)[0][-1])
        s.setblocking(False)
        return s

    async def _dns(self, s):
        """Answer every DNS query on socket s with AP_IP (RFC 1035 §4.1), so a phone that
        joins the AP opens the page. Polls the non-blocking UDP socket: asyncio has no UDP
        streams."""
        import asyncio

        ip = bytes(int(x) for x in AP_IP.split("."))
        try:
            while True:
                try:
                    q, addr = s.recvfrom(512)
                except OSError:
                    await asyncio.sleep_ms(50)
                    continue
                a = dns_answer(q, ip)
                if a:
                    s.sendto(a, addr)
        finally:
            s.close()


def dns_answer(query, ip):
    """The reply (bytes) to a DNS query (bytes) that answers its one question with the IPv4
    address ip (4 bytes); None for anything that is not a one-question standard query."""
    if len(query) < 17 or query[2] & 0xF8 or query[4:6] != b"\x00\x01":
        return None
    end = 12
    while end < len(query) and query[end]:
        end += query[end] + 1
    end += 5  # the zero label, QTYPE, QCLASS
    if end > len(query):
        return None
    return (query[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00" + query[12:end] +
            b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + ip)


async def beside_app(app, offline_s):
    """Start the setup access point beside the running firmware.app.App `app` (devices and
    buttons keep working, Wi-Fi keeps retrying); a saved config restarts the board. Returns
    the SetupPortal (stop() it when Wi-Fi is back), or None when it could not start."""
    import asyncio

    import network

    def saved():
        async def later():
            await asyncio.sleep_ms(RESTART_MS)
            app.restart("new settings from the setup page")

        asyncio.create_task(later())

    p = SetupPortal(network, read_raw(CONFIG_PATH), "Wi-Fi failed for %d s" % offline_s,
                    app.log, saved, app.ports[0], app.ports[1])
    try:
        await p.start()
        return p
    except OSError as e:
        app.log("setup: access point not started: %r" % (e,))
        return None


def setup_boot(counter, n, last, reason, log, ports):
    """The setup boot (firmware.app.main): only the setup access point runs, then a
    deliberate restart; an exception out of it is the caller's crash to count (safemode's
    counter: n quick restarts so far, last: the last crash). ports: (HTTP, DNS)."""
    import asyncio

    import machine
    import network

    counter.write(n + 1, last)
    portal = SetupPortal(network, read_raw(CONFIG_PATH), reason, log, None, ports[0], ports[1])
    asyncio.run(portal.run())
    counter.write(n, last)  # a restart asked for, not a crash
    log("app: restart (setup done)")
    machine.reset()
