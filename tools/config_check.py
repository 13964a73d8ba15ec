"""Validate a config.json before it goes to a board.

Three layers, every problem reported with its JSON path and a hint:
1. the JSON Schema in config.schema.json (the single source of the field contract);
2. what a schema cannot say: unique names and IDs, one GPIO per job;
3. secrets left as the example's placeholders ('change-me', 'replace-with-…', zero UUIDs).
An optional chip ('esp32', 'esp8266', …; else the config's board.chip) adds the pin facts of
that chip (flash pins, input-only pins, pins that do not exist).
4. whitespace around secrets and ids (a pasted app_secret with a newline signs every message
   wrong), named by field.
Warnings (warnings()) are for what works but bites later: strapping and other risky pins per
chip, with why, and pins that cannot be checked because the chip is not known.
"""

import difflib
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator, validators

from firmware import chips

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "config.schema.json"
EXAMPLE_PATH = ROOT / "config.example.json"

# The example's secret fields: their values there are placeholders, never real credentials.
SECRET_FIELDS = (
    ("wifi", "password"),
    ("sinric", "app_key"),
    ("sinric", "app_secret"),
    ("yango", "skill_id"),
    ("yango", "token"),
)
WHERE = {
    ("wifi", "password"): "your Wi-Fi network's password",
    ("sinric", "app_key"): "the APP KEY from the Sinric Pro portal, Credentials page",
    ("sinric", "app_secret"): "the APP SECRET from the Sinric Pro portal, Credentials page",
    ("yango", "skill_id"): "your skill's ID from the Yango developer console",
    ("yango", "token"): "the skill owner's OAuth token",
}
PLACEHOLDER = re.compile(
    r"change[-_ ]?me|replace[-_ ]?with|your[-_ ](app|secret|token|password|key)"
    r"|^<.*>$|^\.\.\.$|^x+$|placeholder|^[0-]+$",
    re.IGNORECASE,
)

# Pin facts per chip: GPIOs that exist, that belong to the SPI flash, that only read. The
# boards the firmware supports take theirs from the board's own table (firmware/chips.py).
CHIP_PINS = {
    name: {"exists": set(c[chips._PINS]), "flash": set(c[chips._FLASH]),
           "input_only": set(c[chips._INPUT_ONLY])} for name, c in chips.CHIPS.items()}
CHIP_PINS.update({
    "esp32s2": {"exists": set(range(0, 47)) - {22, 23, 24, 25},
                "flash": set(range(26, 33)), "input_only": {46}},
    "esp32s3": {"exists": set(range(0, 49)) - {22, 23, 24, 25},
                "flash": set(range(26, 33)), "input_only": set()},
    "esp32c3": {"exists": set(range(0, 22)), "flash": set(range(12, 18)), "input_only": set()},
})


class Problem:
    def __init__(self, path, message, hint=""):
        self.path, self.message, self.hint = path, message, hint

    def __str__(self):
        return "%s: %s%s" % (self.path, self.message, " (%s)" % self.hint if self.hint else "")

    def __repr__(self):
        return "Problem(%r)" % str(self)


class ConfigError(Exception):
    """A config that must not reach a board; str() lists every problem, one a line."""

    def __init__(self, source, problems):
        self.problems = problems
        lines = ["%s is not a valid config (%d problem%s):" % (
            source, len(problems), "" if len(problems) == 1 else "s")]
        lines += ["  " + str(p) for p in problems]
        super().__init__("\n".join(lines))


# JSON Schema counts 300.0 as an integer; the board's int fields refuse a float, so here too.
Validator = validators.extend(Draft202012Validator, type_checker=(
    Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, v: isinstance(v, int) and not isinstance(v, bool))))


def load_schema():
    return json.loads(SCHEMA_PATH.read_text())


def _defs(schema):
    return schema["$defs"]


def _type_fields(schema, dtype):
    """Every field a device of this type may have (common ones first)."""
    common = list(_defs(schema)["device"]["properties"])
    return common + list(_defs(schema).get(dtype, {}).get("properties", {}))


def _path(parts):
    out = "$"
    for p in parts:
        out += "[%d]" % p if isinstance(p, int) else "." + p
    return out


def _close(word, choices):
    m = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return "did you mean '%s'?" % m[0] if m else ""


def _schema_problems(schema, config):
    validator = Validator(schema)
    out = []
    for e in validator.iter_errors(config):
        parts = list(e.absolute_path)
        desc = e.schema.get("description", "") if isinstance(e.schema, dict) else ""
        if e.validator in ("unevaluatedProperties", "additionalProperties"):
            if not isinstance(e.instance, dict):
                continue
            if e.validator == "additionalProperties":
                allowed = list(e.schema.get("properties", {}))
            else:
                dtype = e.instance.get("type")
                if not isinstance(dtype, str) or dtype not in _defs(schema):
                    continue  # the bad type is reported on its own; its fields mean nothing yet
                allowed = _type_fields(schema, dtype)
            for key in sorted(k for k in e.instance if k not in allowed):
                what = "a %s" % e.instance["type"] if e.validator == "unevaluatedProperties" \
                    else "this object"
                hint = _close(key, allowed) or "%s takes: %s" % (what, ", ".join(allowed))
                out.append(Problem(_path(parts + [key]), "unknown field '%s'" % key, hint))
        elif e.validator == "required":
            missing = e.message.split("'")[1] if "'" in e.message else e.message
            field = e.schema.get("properties", {}).get(missing, {})
            hint = field.get("description", "")
            if not hint and "$ref" in field:
                hint = _defs(schema)[field["$ref"].rsplit("/", 1)[1]].get("description", "")
            if parts and parts[0] == "devices" and isinstance(e.instance, dict):
                hint = "a %s needs it: %s" % (e.instance.get("type", "device"), hint)
            out.append(Problem(_path(parts + [missing]), "missing", hint))
        elif e.validator == "dependentRequired":
            missing = e.message.split("'")[1] if "'" in e.message else e.message
            out.append(Problem(_path(parts + [missing]), "missing", desc))
        elif e.validator == "pattern":
            out.append(Problem(_path(parts), "%s has the wrong form" % json.dumps(e.instance),
                               desc))
        elif e.validator == "enum":
            hint = _close(e.instance, e.validator_value) or desc
            out.append(Problem(_path(parts), "%s is not one of %s" % (
                json.dumps(e.instance), ", ".join(map(json.dumps, e.validator_value))), hint))
        elif e.validator in ("anyOf", "oneOf"):
            shown = e.instance if not isinstance(e.instance, (dict, list)) else None
            msg = "%s is not allowed here" % json.dumps(shown) if shown is not None else desc
            out.append(Problem(_path(parts), msg, desc if shown is not None else ""))
        elif e.validator == "type":
            out.append(Problem(_path(parts), "%s is not of type %s" % (
                json.dumps(e.instance), e.validator_value),
                               "; ".join(h for h in (_quoted_hint(e), desc) if h)))
        else:
            out.append(Problem(_path(parts), e.message, desc))
    return out


def _pin_fields(schema, dtype):
    """{field: 'in' | 'out'} for the GPIO fields of a device type."""
    props = _defs(schema).get(dtype, {}).get("properties", {}) if isinstance(dtype, str) else {}
    kinds = {"#/$defs/output_gpio": "out", "#/$defs/input_gpio": "in"}
    return {k: kinds[v["$ref"]] for k, v in props.items() if v.get("$ref") in kinds}


def _rule_problems(schema, config, chip=None):
    out = []
    if chip is None and isinstance(config, dict) and isinstance(config.get("board"), dict):
        chip = config["board"].get("chip")  # the board refuses what its chip cannot do
        chip = chip if isinstance(chip, str) else None  # a list there is the schema's to say
    devices = config.get("devices") if isinstance(config, dict) else None
    if not isinstance(devices, list):
        return out
    seen = {"name": {}, "sinric_id": {}, "yango_id": {}}
    pins = {}  # gpio -> first path that uses it
    uses = []  # (path, gpio, direction)
    board = config.get("board")
    if isinstance(board, dict) and isinstance(board.get("status_led"), int):
        uses.append(("$.board.status_led", board["status_led"], "out"))
    for i, dev in enumerate(devices):
        if not isinstance(dev, dict):
            continue
        for key in seen:
            value = dev.get(key)
            if not isinstance(value, str):
                continue
            norm = value.strip().lower() if key == "name" else value
            if norm in seen[key]:
                out.append(Problem("$.devices[%d].%s" % (i, key),
                                   "%s %s is already used by %s" % (
                                       key, json.dumps(value), seen[key][norm]),
                                   "every device needs its own %s" % key))
            else:
                seen[key][norm] = "$.devices[%d]" % i
        for field, direction in _pin_fields(schema, dev.get("type")).items():
            if isinstance(dev.get(field), int) and not isinstance(dev.get(field), bool):
                uses.append(("$.devices[%d].%s" % (i, field), dev[field], direction))
    if chip == "esp8266":  # the board's own rule: firmware/config.py chip_fit
        from firmware.config import TLS_8266_INSTEAD, TLS_8266_WHY

        for name, default in (("sinric", "wss://"), ("yango", "https://")):
            sec = config.get(name)
            url = sec.get("url", default) if isinstance(sec, dict) else ""
            if isinstance(url, str) and url.startswith(("wss://", "https://")):
                out.append(Problem("$.%s.url" % name, TLS_8266_WHY, TLS_8266_INSTEAD))
    for path, gpio, direction in uses:
        if gpio in pins:
            out.append(Problem(path, "GPIO %d is already used by %s" % (gpio, pins[gpio]),
                               "give each relay, button, LED and sensor its own GPIO"))
        else:
            pins[gpio] = path
        facts = CHIP_PINS.get(chip)
        if not facts or not 0 <= gpio <= 48:
            continue  # out of range is the schema's message
        if gpio not in facts["exists"]:
            out.append(Problem(path, "GPIO %d does not exist on the %s" % (gpio, chip),
                               "usable GPIOs: %s" % _ranges(
                                   facts["exists"] - facts["flash"])))
        elif gpio in facts["flash"]:
            out.append(Problem(path, "GPIO %d belongs to the %s's SPI flash" % (gpio, chip),
                               "using it crashes the board; pick another GPIO"))
        elif direction == "out" and gpio in facts["input_only"]:
            out.append(Problem(path, "GPIO %d is input-only on the %s" % (gpio, chip),
                               "it cannot drive a relay, LED, PWM or DHT line"))
    return out


def _ranges(numbers):
    numbers, out, start = sorted(numbers), [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(start) if start == n else "%d-%d" % (start, n))
            start = None
    return ", ".join(out)


def _example_secrets():
    try:
        example = json.loads(EXAMPLE_PATH.read_text())
    except (OSError, ValueError):
        return {}
    return {(s, k): example[s][k] for s, k in SECRET_FIELDS
            if isinstance(example.get(s), dict) and k in example[s]}


def _placeholder_problems(config):
    out = []
    if not isinstance(config, dict):
        return out
    examples = _example_secrets()
    for section, key in SECRET_FIELDS:
        block = config.get(section)
        value = block.get(key) if isinstance(block, dict) else None
        if not isinstance(value, str) or not value:
            continue
        if value == examples.get((section, key)) or PLACEHOLDER.search(value):
            out.append(Problem("$.%s.%s" % (section, key),
                               "%s is a placeholder, not a real secret" % json.dumps(value),
                               "put in " + WHERE[(section, key)]))
    return out


# -- formats a pattern cannot finish: the values that end up in a URL, a header or a socket
# address (the schema's patterns check the characters; these the numbers and lengths)
ADDRESS_FIELDS = (("sinric", "url"), ("yango", "url"), ("board", "ntp_server"))


def _host_port_problem(text):
    """Why 'host[:port]' cannot be used (None when it can): a port outside 1-65535, a name
    longer than 253 characters (RFC 1035), an all-digit name that is not an IPv4 address."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return "port %s is not 1-65535" % port
    if len(host) > 253:
        return "host name longer than 253 characters"
    labels = host.split(".")
    if all(x.isdigit() for x in labels) and (len(labels) != 4 or
                                             any(int(x) > 255 for x in labels)):
        return "%s is not an IPv4 address" % host
    return None


def _section_values(config, fields):
    """(path, key, value) of each (section, key) of fields whose section is an object in
    config (a dict, else nothing); value is None where the key is missing."""
    if not isinstance(config, dict):
        return
    for section, key in fields:
        block = config.get(section)
        if isinstance(block, dict):
            yield "$.%s.%s" % (section, key), key, block.get(key)


def _format_problems(config):
    out = []
    for path, _key, value in _section_values(config, ADDRESS_FIELDS):
        if not isinstance(value, str) or not value:
            continue
        hostport = value.split("://", 1)[1].split("/", 1)[0] if "://" in value else value
        why = _host_port_problem(hostport)
        if why:
            out.append(Problem(path, why,
                               "the board refuses it and the service would never connect"))
    return out


# -- whitespace around secrets and ids --------------------------------------------------------
# Fields whose value is compared or signed byte for byte: a space or newline pasted with them
# never matches (Sinric refuses every request as "signature is invalid"; Yango answers 401).
EXACT_FIELDS = (("sinric", "app_key"), ("sinric", "app_secret"), ("sinric", "url"),
                ("yango", "skill_id"), ("yango", "token"), ("yango", "user_id"),
                ("yango", "url"), ("wifi", "ssid"), ("wifi", "password"))
EXACT_DEVICE_FIELDS = ("sinric_id", "yango_id")
_WHY = {"app_secret": "it signs every message: Sinric would refuse every request as "
                      "'signature is invalid'",
        "app_key": "Sinric would refuse the connection (401)",
        "token": "Yango would refuse every report (401)",
        "password": "the board would not join the network (wrong password)",
        "ssid": "the board would not find the network"}


def _blank_kind(text):
    for ch, name in (("\n", "a newline"), ("\r", "a carriage return"), ("\t", "a tab")):
        if ch in text:
            return name
    return "a space"


def _whitespace_problem(path, field, value):
    if not isinstance(value, str) or value == value.strip():
        return None
    where = []
    if value != value.lstrip():
        where.append("starts with %s" % _blank_kind(value[:len(value) - len(value.lstrip())]))
    if value != value.rstrip():
        where.append("ends with %s" % _blank_kind(value[len(value.rstrip()):]))
    why = _WHY.get(field, "it is compared character for character")
    return Problem(path, "%s (pasted with it?)" % " and ".join(where),
                   "remove it: %s" % why)


def whitespace_problems(config):
    """Secrets, ids and URLs with leading or trailing whitespace, each named by field."""
    out = []
    if not isinstance(config, dict):
        return out
    for path, key, value in _section_values(config, EXACT_FIELDS):
        p = _whitespace_problem(path, key, value)
        if p:
            out.append(p)
    devices = config.get("devices")
    for i, dev in enumerate(devices if isinstance(devices, list) else []):
        if isinstance(dev, dict):
            for key in EXACT_DEVICE_FIELDS:
                p = _whitespace_problem("$.devices[%d].%s" % (i, key), key, dev.get(key))
                if p:
                    out.append(p)
    return out


# -- risky pins per chip (warnings) -------------------------------------------------------------
# GPIO -> why, per chip: they work, but a wrong level at reset stops the boot, or they carry the
# REPL/USB. From the chips' datasheets (strapping pins) and the ports: ports/esp8266/
# machine_pin.c (GPIO16: no IRQ, "Pin(16) doesn't support pull"), ports/esp32/machine_pin.c.
# To be replaced by the per-chip pin tables of the board profiles once they land.
_BOOT0 = "strapping pin: held low at reset (a button pressed, a relay module pulling it " \
         "down) the chip starts in download mode instead of the firmware"
_UART = "UART0 %s: the REPL and this log; a device here takes them away"
RISKY_PINS = {
    "esp32": {
        0: _BOOT0,
        2: "strapping pin: must be low or floating at reset for flashing; fine for an LED",
        5: "strapping pin (SDIO timing): outputs a PWM signal during boot, a relay may click",
        12: "strapping pin (MTDI, flash voltage): high at reset selects 1.8 V flash and the "
            "board does not boot; relay modules often pull it high",
        15: "strapping pin (MTDO): outputs a PWM signal during boot, a relay may click; low at "
            "reset silences the boot log",
        1: _UART % "TX", 3: _UART % "RX",
    },
    "esp8266": {
        0: _BOOT0,
        2: "strapping pin: must be high at reset or the board does not boot (on-board LED "
           "on many boards)",
        15: "strapping pin: must be low at reset or the board does not boot",
        16: "no interrupt and no pull-up or pull-down (ports/esp8266/machine_pin.c): an input "
            "here is polled and needs an external resistor; wakes the chip from deep sleep",
        1: _UART % "TX", 3: _UART % "RX",
    },
    "esp32c3": {
        2: "strapping pin: must be high at reset to boot from flash",
        8: "strapping pin: must be high at reset for flashing (on-board LED on some boards)",
        9: _BOOT0 + " (the BOOT button)",
        18: "USB D-: the USB REPL and this log go away", 19: "USB D+: the USB REPL and this "
                                                             "log go away",
        20: _UART % "RX", 21: _UART % "TX",
    },
    "esp32s2": {
        0: _BOOT0, 45: "strapping pin (flash voltage)", 46: "strapping pin (boot mode)",
        19: "USB D-: the USB REPL goes away", 20: "USB D+: the USB REPL goes away",
    },
    "esp32s3": {
        0: _BOOT0, 3: "strapping pin (JTAG source)", 45: "strapping pin (flash voltage)",
        46: "strapping pin (boot mode)",
        19: "USB D-: the USB REPL goes away", 20: "USB D+: the USB REPL goes away",
        35: "used by octal PSRAM/flash on -R8/-N8R8 modules",
        36: "used by octal PSRAM/flash on -R8/-N8R8 modules",
        37: "used by octal PSRAM/flash on -R8/-N8R8 modules",
    },
}
NO_PULL = {"esp32": set(range(34, 40)), "esp8266": {16}}  # inputs without internal pull


def config_chip(config):
    """The chip the config names in board.chip (lower case, no dashes), or None."""
    board = config.get("board") if isinstance(config, dict) else None
    chip = board.get("chip") if isinstance(board, dict) else None
    if isinstance(chip, str) and chip:
        return chip.lower().replace("-", "").replace("_", "")
    return None


def _pin_uses(schema, config):
    """[(path, gpio, 'in' | 'out')] of every GPIO the config uses."""
    uses = []
    if not isinstance(config, dict):
        return uses
    board = config.get("board")
    if isinstance(board, dict) and isinstance(board.get("status_led"), int):
        uses.append(("$.board.status_led", board["status_led"], "out"))
    devices = config.get("devices")
    for i, dev in enumerate(devices if isinstance(devices, list) else []):
        if not isinstance(dev, dict):
            continue
        for field, direction in _pin_fields(schema, dev.get("type")).items():
            if isinstance(dev.get(field), int) and not isinstance(dev.get(field), bool):
                uses.append(("$.devices[%d].%s" % (i, field), dev[field], direction))
    return uses


def pin_warnings(schema, config, chip):
    """Problems (as warnings) for risky pins of `chip`; when the chip is unknown, one warning
    asking for it if the config uses any pin."""
    uses = _pin_uses(schema, config)
    if not chip:
        if uses:
            return [Problem("$.board.chip", "the chip is not known, so the pins were not "
                                            "checked against it",
                            "pass CHIP=esp32 (esp8266, esp32s2, esp32s3, esp32c3)")]
        return []
    risky = RISKY_PINS.get(chip, {})
    out = []
    for path, gpio, direction in uses:
        if gpio in risky:
            out.append(Problem(path, "GPIO %d on the %s" % (gpio, chip), risky[gpio]))
        elif direction == "in" and gpio in NO_PULL.get(chip, ()):
            out.append(Problem(path, "GPIO %d on the %s has no internal pull-up or pull-down"
                               % (gpio, chip), "a button or contact needs an external "
                                               "resistor"))
    return out


def warnings(config, chip=None, schema=None):
    """What may be pushed but bites later, as Problems (str(): 'path: message (why)')."""
    schema = schema or load_schema()
    return pin_warnings(schema, config, chip or config_chip(config))


def _quoted_hint(e):
    """For a type error on a quoted boolean or number: how to write it."""
    want = e.validator_value if isinstance(e.validator_value, list) else [e.validator_value]
    v = e.instance
    if not isinstance(v, str):
        return ""
    t = v.strip().lower()
    if "boolean" in want and t in ("true", "false"):
        return "write %s without quotes" % t
    if "integer" in want or "number" in want:
        try:
            float(t)
        except ValueError:
            return ""
        return "write %s without quotes" % v.strip()
    return ""




def _chip_problems(config, chip):
    """What the chip cannot run, as the board says it (firmware/chips.py): PWM pins, channels
    and frequencies, the watchdog, the pins' roles; and a board.chip naming another chip."""
    board = config.get("board") if isinstance(config, dict) else None
    want = board.get("chip") if isinstance(board, dict) else None
    want = want if isinstance(want, str) else None  # any other type is the schema's to say
    out = []
    if chip and want in chips.CHIPS and want != chip:
        out.append(Problem("$.board.chip", "this config is for the %s, not the %s" % (want, chip),
                           "use a config written for this board"))
    chip = chip or (want if want in chips.CHIPS else None)
    if chip not in chips.CHIPS or not isinstance(config, dict) or \
            not isinstance(config.get("devices"), list):
        return out
    try:
        for field, msg in chips.problems(config, chip):
            out.append(Problem("$." + field, msg, "the %s's limits (README, Supported boards)"
                               % chip))
    except (TypeError, ValueError, AttributeError, KeyError):
        pass  # malformed fields: the schema has already said what is wrong
    return out


YIELD, REPLACE = "yield", "replace"  # how check()'s problem sources meet at a path


def check(config, chip=None, schema=None):
    """Every problem in a parsed config; [] when it may be pushed. chip: the board's chip
    (else the config's board.chip)."""
    schema = schema or load_schema()
    chip = chip or config_chip(config)
    # Each source in turn, with how it meets the problems found before it at the same path:
    # YIELD drops its own there, REPLACE drops the earlier ones, None keeps both.
    sources = (
        (whitespace_problems(config), None),
        (_schema_problems(schema, config), YIELD),  # a pattern error says less than "a space"
        (_rule_problems(schema, config, chip), None),
        (_chip_problems(config, chip), YIELD),  # a pin the rules above already named
        (_placeholder_problems(config), REPLACE),  # says more than "the wrong form"
        (_format_problems(config), None),
    )
    problems = []
    for found, meet in sources:
        if meet is YIELD:
            earlier = {p.path for p in problems}
            found = [p for p in found if p.path not in earlier]
        elif meet is REPLACE:
            mine = {p.path for p in found}
            problems = [p for p in problems if p.path not in mine]
        problems += found
    unique = {}
    for p in problems:
        unique.setdefault(str(p), p)  # the first of equal lines, in order
    return list(unique.values())


def load(path, chip=None, warn=None):
    """Read, parse and check a config file; returns (text bytes, config) or raises ConfigError.
    warn(str) gets each warning (risky pins, an unknown chip) of a config that passed.

    The bytes returned are exactly the file's, so what is verified is what gets written.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(str(path), [Problem("$", "cannot read the file: %s" % e.strerror,
                                              "copy config.example.json and edit it")]) from e
    try:
        config = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(str(path), [Problem("$", "not UTF-8 text (byte %d)" % e.start,
                                              "save the file as UTF-8")]) from e
    except json.JSONDecodeError as e:
        raise ConfigError(str(path), [json_problem(e)]) from e
    problems = check(config, chip)
    if problems:
        raise ConfigError(str(path), problems)
    if warn:
        for w in warnings(config, chip):
            warn(str(w))
    return data, config


# json's message -> what it means in a hand-edited config
_JSON_HINTS = (
    ("Invalid control character", "a line break or tab inside a string",
     "a JSON string stays on one line: close the quote, or write \\n for a line break"),
    ("Unterminated string", "a string that is never closed", "add the closing double quote"),
    ("Expecting property name", "a field name is missing or not in double quotes",
     "a comma before '}' (trailing comma) or 'single quotes' do this"),
    ("Expecting ',' delimiter", "a comma is missing", "items and fields are separated by "
                                                      "commas; or a string is not closed"),
    ("Expecting ':' delimiter", "a ':' is missing after a field name", ""),
    ("Expecting value", "a value is missing or is not JSON",
     "strings need double quotes; true, false and null are lower case; no trailing comma"),
    ("Extra data", "something follows the end of the config", "the file must hold one {...}"),
)


def json_problem(e):
    """A Problem for a json.JSONDecodeError: what is wrong, at line and column, with a hint
    and the line itself."""
    what = e.msg[:-3] if e.msg.endswith(" at") else e.msg
    hint = "JSON needs double quotes and no trailing commas"
    for prefix, meaning, h in _JSON_HINTS:
        if e.msg.startswith(prefix):
            what, hint = meaning, h or hint
            break
    lines = e.doc.splitlines()[:e.lineno]
    while lines and not lines[-1].strip():  # past the end: the last line with text
        lines.pop()
    shown = lines[-1].strip() if lines else ""
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return Problem("line %d column %d" % (e.lineno, e.colno), "not valid JSON: %s" % what,
                   "%s; the line: %s" % (hint, shown) if shown else hint)
