# The config contract of the board (docs/configuration.md): the field kinds, the sections'
# fields and the field check, shared by firmware.config (loading) and firmware.config_types
# (the device types), so neither imports the other. Pure logic: no machine/network.
# config.schema.json says the same; tests/host/test_config_contract.py holds them together.
try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731
from firmware import VERSION

MAX_GPIO = const(48)

REQ = object()  # marks a required field

# Field kinds (public: a user type's table uses them; the private ones are for the sections
# below and cost no RAM as names).
STR = const(0)  # non-empty string
BOOL = const(1)
INT = const(2)  # args: lo, hi
NUM = const(3)  # args: lo, hi
PIN = const(4)
ONE_OF = const(5)  # args: tuple of strings
_UUID = const(6)
HEX24 = const(7)
_WS_URL = const(8)
_HTTP_URL = const(9)
_SEMVER = const(10)
_SECRET = const(11)
_HOSTNAME = const(12)
_PASSWORD = const(13)
_WDT = const(14)
_PORT = const(15)
_TOKEN = const(16)
_VISIBLE = const(17)
_NTP = const(18)
_FILE = const(19)  # a file on the board, relative to its root
_WPA_KEY = const(20)  # a WPA2 passphrase we set: 8-63 characters, no spaces around them
ID = const(21)  # args: max_len; non-empty, no whitespace


class ConfigError(ValueError):
    """One line naming the field. .raw is the parsed JSON when it parsed, else None."""

    def __init__(self, msg, raw=None):
        super().__init__(msg)
        self.raw = raw


_HEX = "0123456789abcdef"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return (isinstance(v, int) or isinstance(v, float)) and not isinstance(v, bool)


def _hex(s, n, upper_ok):
    if len(s) != n:
        return False
    if upper_ok:
        s = s.lower()
    for c in s:
        if c not in _HEX:
            return False
    return True


# -- formats of the values that end up in a URL, a header or a socket address ------------
def _url(v, scheme):
    """True for scheme://host[:port][/path] as the board's one URL parser takes it (net.url),
    the path in RFC 3986 path characters (no query or fragment: the firmware appends its own
    path); scheme None: "host[:port]" alone. The host: a DNS name (RFC 1123 labels, at most
    253 characters) or an IPv4 address; the port 1-65535."""
    if scheme:
        from net.url import parse_url

        try:
            v = parse_url(v, scheme)  # (tls, host, port, path); checks the port
        except ValueError:
            return False
        for c in v[3]:
            if not (c.isalpha() or c.isdigit() or c in "-._~!$&'()*+,;=:@%/") or ord(c) > 126:
                return False
        v = v[1]
    else:
        v, _, port = v.partition(":")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            return False
    if not 0 < len(v) <= 253:
        return False
    labels = v.split(".")
    if all(x.isdigit() for x in labels):
        return len(labels) == 4 and all(len(x) <= 3 and int(x) < 256 for x in labels)
    for x in labels:
        if not 0 < len(x) < 64 or x[0] == "-" or x[-1] == "-":
            return False
        for c in x:
            if not (c.isalpha() or c.isdigit() or c == "-") or ord(c) > 126:
                return False
    return True


def check(kind, v, spec):
    """None when v is fine for kind (a field kind above; spec: the field's tuple, for its
    args), else the message."""
    if kind == PIN:
        if _is_int(v) and 0 <= v <= MAX_GPIO:
            return None
        return "must be a GPIO number 0-%d" % MAX_GPIO
    if kind == BOOL:
        return None if isinstance(v, bool) else "must be true or false"
    if kind == INT or kind == NUM:
        lo, hi = spec[3], spec[4]
        ok = _is_int(v) if kind == INT else _is_num(v)
        if ok and lo <= v <= hi:
            return None
        return "must be %s %s-%s" % ("an integer" if kind == INT else "a number", lo, hi)
    if kind == ONE_OF:
        if isinstance(v, str) and v in spec[3]:
            return None
        return "must be one of " + ", ".join('"%s"' % o for o in spec[3])
    if kind == _WDT:
        if _is_int(v) and (v == 0 or 5 <= v <= 3600):
            return None
        return "must be 0 (off) or an integer 5-3600"
    if kind == _PORT:
        return None if _is_int(v) and 0 <= v <= 65535 else "must be a TCP port 0-65535"
    if not isinstance(v, str):
        return "must be a string"
    if kind == _FILE:
        if 0 < len(v) <= 64 and v[0] != "/" and ".." not in v and " " not in v:
            return None
        return "must be a file on the board like ca/ws.sinric.pro.pem (no spaces, no ..)"
    if kind == _WPA_KEY:
        if 8 <= len(v) <= 63 and v == v.strip():
            return None
        return "must be 8-63 characters without spaces around them (WPA2)"
    if kind == STR:
        n = spec[3] if len(spec) > 3 else 64
        if 0 < len(v) <= n:
            return None
        return "must be a non-empty string of at most %d characters" % n
    if kind == ID:
        if 0 < len(v) <= spec[3]:
            for c in v:
                if c.isspace():
                    break
            else:
                return None
        return "must be 1-%d characters without spaces" % spec[3]
    if kind == _PASSWORD:
        if v == "" or 8 <= len(v) <= 64:
            return None
        return "must be empty (open network) or 8-64 characters"
    if kind == _SECRET:
        return None if len(v) >= 32 else "must be at least 32 characters"
    if kind == HEX24:
        return None if _hex(v, 24, False) else "must be 24 lowercase hex digits"
    if kind == _UUID:
        p = v.split("-")
        if len(p) == 5 and [len(x) for x in p] == [8, 4, 4, 4, 12]:
            if _hex("".join(p), 32, True):
                return None
        return "must be a UUID (8-4-4-4-12 hex digits)"
    if kind == _WS_URL:
        if _url(v, "ws"):
            return None
        return "must be a ws:// or wss:// URL with a valid host, port and path"
    if kind == _HTTP_URL:
        if _url(v, "http"):
            return None
        return "must be an http:// or https:// URL with a valid host, port and path"
    if kind == _TOKEN:  # RFC 6750 b64token, sent as "Authorization: OAuth <token>"
        for c in v:
            if not (c.isalpha() or c in "-._~+/=0123456789") or ord(c) > 126:
                return "must be 1-2048 characters of letters, digits and - . _ ~ + / ="
        if 0 < len(v) <= 2048:
            return None
        return "must be 1-2048 characters of letters, digits and - . _ ~ + / ="
    if kind == _VISIBLE:
        for c in v:
            if not 32 < ord(c) < 127:
                return "must be 1-64 printable ASCII characters, no spaces"
        if 0 < len(v) <= 64:
            return None
        return "must be 1-64 printable ASCII characters, no spaces"
    if kind == _NTP:
        if v == "" or _url(v, None):
            return None
        return "must be a host name or IPv4 address with an optional :port, or \"\" (off)"
    if kind == _SEMVER:
        p = v.split(".")
        if len(p) == 3 and all(x.isdigit() for x in p):
            return None
        return "must be MAJOR.MINOR.PATCH like 1.0.0"
    if kind == _HOSTNAME:
        if 0 < len(v) <= 32 and v[0] != "-" and v[-1] != "-":
            if all(c.isalpha() or c.isdigit() or c == "-" for c in v):
                return None
        return "must be 1-32 letters, digits or '-'"
    return "unknown field kind"


def fields(obj, specs, where, extra=""):
    """Check obj's keys against specs (tuples as above); fill defaults in place."""
    for k in obj:  # unknown keys first: a typo explains a "required" that follows
        if not k.startswith("_"):
            for spec in specs:
                if spec[0] == k:
                    break
            else:
                raise ConfigError("%s%s: unknown field%s" % (where, k, extra))
    for spec in specs:
        name, kind, default = spec[0], spec[1], spec[2]
        if name in obj:
            msg = check(kind, obj[name], spec)
            if msg:
                raise ConfigError("%s%s: %s" % (where, name, msg))
        elif default is REQ:
            raise ConfigError("%s%s: required%s" % (where, name, extra))
        elif default is not None:
            obj[name] = default


# (name, kind, default or REQ or None for "optional, no default", *args)
WIFI = (
    ("ssid", STR, REQ, 32),
    ("password", _PASSWORD, REQ),
    ("hostname", _HOSTNAME, None),
    ("timeout_s", INT, 20, 5, 300),
    ("setup_after_s", INT, 600, 0, 86400),
)
SINRIC = (
    ("app_key", _UUID, REQ),
    ("app_secret", _SECRET, REQ),
    ("url", _WS_URL, "wss://ws.sinric.pro"),
    ("firmware_version", _SEMVER, VERSION),
    ("ca", _FILE, None),
    ("tls_verify", BOOL, True),
)
YANGO = (
    ("skill_id", _UUID, REQ),  # goes into the callback URL path
    ("token", _TOKEN, REQ),  # goes into the Authorization header
    ("user_id", _VISIBLE, REQ),
    ("url", _HTTP_URL, "https://dialogs.yango.com"),
    ("discovery_on_boot", BOOL, False),
    ("ca", _FILE, None),
    ("tls_verify", BOOL, True),
)
BOARD = (
    ("chip", ONE_OF, None, ("esp32", "esp8266")),
    ("status_led", PIN, None),
    ("status_led_active_low", BOOL, False),
    ("watchdog_s", _WDT, 30),
    ("state_write_interval_s", INT, 60, 1, 86400),
    ("ntp_server", _NTP, "pool.ntp.org"),  # "" turns SNTP off
    ("setup_button", PIN, None),
    ("setup_password", _WPA_KEY, None),
)
WEB = (
    ("password", _WPA_KEY, REQ),
    ("port", INT, None, 1, 65535),  # None: firmware.app.HTTP_PORT (80)
)
SIM = (("port", _PORT, 0),)
SECTIONS = (("wifi", WIFI, True), ("sinric", SINRIC, False), ("yango", YANGO, False),
            ("board", BOARD, False), ("web", WEB, False), ("sim", SIM, False))
