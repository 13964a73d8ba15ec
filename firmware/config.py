# config.json loading and validation (pure logic: no machine/network).
# load() returns the config with the defaults filled in (docs/configuration.md), or raises
# ConfigError whose text names the field: "devices[2].relay: must be a GPIO number 0-48".
# Keys starting with "_" are comments and ignored; any other unknown key is an error (a typo
# must not silently fall back to a default that drives a relay the wrong way).

from firmware.config_fields import (  # noqa: F401 - the kinds are public here too
    BOOL,
    HEX24,
    INT,
    MAX_GPIO,
    NUM,
    ONE_OF,
    PIN,
    REQ,
    SECTIONS,
    STR,
    ConfigError,
    check,
    fields,
)

try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

PATH = "config.json"
MAX_BYTES = const(16384)
MAX_DEVICES = const(32)

def validate(cfg):
    """Check a parsed config and fill in defaults (in place); returns it."""
    if not isinstance(cfg, dict):
        raise ConfigError("config: must be a JSON object")
    b = cfg.get("board")
    wdt_given = isinstance(b, dict) and "watchdog_s" in b
    for name, specs, required in SECTIONS:
        sec = cfg.get(name)
        if sec is None:
            if name in cfg:
                raise ConfigError(name + ": must be an object")
            if required:
                raise ConfigError(name + ": required")
            if name != "board":
                continue
            sec = cfg["board"] = {}
        if not isinstance(sec, dict):
            raise ConfigError(name + ": must be an object")
        fields(sec, specs, name + ".")
    for k in cfg:
        if k != "devices" and not k.startswith("_"):
            for s in SECTIONS:
                if s[0] == k:
                    break
            else:
                raise ConfigError(k + ": unknown section")
    devs = cfg.get("devices")
    if devs is None:
        raise ConfigError("devices: required")
    # an empty list is a board just set up from its access point: it connects, nothing else
    if not isinstance(devs, list):
        raise ConfigError("devices: must be a list")
    if len(devs) > MAX_DEVICES:
        raise ConfigError("devices: at most %d devices" % MAX_DEVICES)
    pins = {}
    led = cfg["board"].get("status_led")
    if led is not None:
        pins[led] = "board.status_led"
    from firmware.config_types import device

    seen = {}
    for i, d in enumerate(devs):
        device(d, i, pins, seen)
    chip_fit(cfg, _chip(cfg, wdt_given))
    return cfg


# Why TLS is refused on an ESP8266 (measured on the ESP8266-profile interpreter, make mem):
# the firmware leaves about 3 KB of the 38 KB heap with Sinric over ws://, and one axTLS
# connection needs about 18 KB more; axTLS running out of memory crashes the board.
TLS_8266_WHY = ("TLS does not fit an ESP8266's 38 KB heap beside the firmware (axTLS needs "
                "about 18 KB per connection)")
TLS_8266_INSTEAD = ("use Sinric over \"ws://ws.sinric.pro\" (plain, port 80); Yango is HTTPS "
                    "only and needs an ESP32")


def chip_fit(cfg, chip):
    """ConfigError naming the field when chip (sys.platform: "esp8266", "esp32", ...) cannot
    run this validated config's connections; the limits of tools/config_check.py too."""
    if chip != "esp8266":
        return
    for name in ("sinric", "yango"):
        sec = cfg.get(name)
        if sec and sec["url"][:6] in ("wss://", "https:"):
            raise ConfigError("%s.url: %s: %s" % (name, TLS_8266_WHY, TLS_8266_INSTEAD))


def _chip(cfg, wdt_given):
    """The chip's own limits (firmware/chips.py): the board's chip is sys.platform, and a
    board.chip that names another is an error. A watchdog_s left out takes a chip's fixed
    timeout. An input that needs a pull resistor its GPIO lacks is a warning. Returns the
    chip, or None (the unix port with no board.chip: no chip checks)."""
    from firmware import chips

    b = cfg["board"]
    want = b.get("chip")
    chip = chips.current(want)
    if want is not None and want != chip:
        raise ConfigError("board.chip: this config is for the %s, but the board is an %s"
                          % (want, chip))
    if chip is None:
        return None
    fixed = chips.fixed_wdt_ms(chip)
    if fixed and not wdt_given:
        b["watchdog_s"] = fixed // 1000
    for field, msg in chips.problems(cfg, chip):
        raise ConfigError("%s: %s" % (field, msg))
    for field, msg in chips.pull_warnings(cfg, chip):
        print("config: warning: %s: %s" % (field, msg))
    return chip


def parse(text, name=PATH):
    if isinstance(text, str):
        text = text.encode()
    if b"\\ud" not in text and b"\\uD" not in text:
        import json

        try:
            return json.loads(text)
        except (ValueError, TypeError):
            raise ConfigError(name + ": not valid JSON") from None
    # Host tools may write non-ASCII names as "\ud83d\ude00" pairs: MicroPython's json would
    # keep them as invalid UTF-8 (lib/json_input.py), so that parser reads them.
    import sys

    import json_input

    try:
        return json_input.loads(text, 16)
    except ValueError as e:
        raise ConfigError("%s: not valid JSON%s" % (name, "" if type(e) is ValueError
                                                     else ": %s" % e)) from None
    finally:
        json_input = None
        sys.modules.pop("json_input", None)  # used once at boot: give the RAM back


def read(path=PATH):
    """The raw text of the config file; ConfigError when missing, unreadable or too big."""
    import os

    try:
        size = os.stat(path)[6]
    except OSError:
        raise ConfigError(path + ": not found") from None
    if size > MAX_BYTES:
        raise ConfigError("%s: too large (%d bytes, at most %d)" % (path, size, MAX_BYTES))
    try:
        with open(path) as f:
            return f.read()
    except (OSError, UnicodeError):
        raise ConfigError(path + ": unreadable") from None


def load(path=PATH):
    # the checking code first, the config after it: once the code is unloaded (app.py) its
    # RAM is one block below the config, not holes around it (a small heap needs the block)
    from firmware import chips, config_types  # noqa: F401

    text = read(path)
    raw = parse(text, path)
    del text
    try:
        return validate(raw)
    except ConfigError as e:
        e.raw = raw
        raise


def safe_led(raw):
    """The status LED pin of an invalid config, if it is safe to blink: a GPIO number that no
    device field mentions (a bad config may map the LED onto a relay)."""
    try:
        pin = raw["board"]["status_led"]
        if check(PIN, pin, None):
            return None
        for d in raw.get("devices") or ():
            for v in d.values():
                if v == pin:
                    return None
        return pin
    except Exception:  # noqa: BLE001 - anything odd in a broken config means no LED
        return None
