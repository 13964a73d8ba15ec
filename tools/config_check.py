"""Validate a config.json before it goes to a board.

Three layers, every problem reported with its JSON path and a hint:
1. the JSON Schema in config.schema.json (the single source of the field contract);
2. what a schema cannot say: unique names and IDs, one GPIO per job;
3. secrets left as the example's placeholders ('change-me', 'replace-with-…', zero UUIDs).
An optional chip ('esp32', 'esp8266', …) adds the pin facts of that chip (flash pins,
input-only pins, pins that do not exist).
"""

import difflib
import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator

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
    validator = Draft202012Validator(schema)
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
                if dtype not in _defs(schema):
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
                json.dumps(e.instance), e.validator_value), desc))
        else:
            out.append(Problem(_path(parts), e.message, desc))
    return out


def _pin_fields(schema, dtype):
    """{field: 'in' | 'out'} for the GPIO fields of a device type."""
    props = _defs(schema).get(dtype, {}).get("properties", {})
    kinds = {"#/$defs/output_gpio": "out", "#/$defs/input_gpio": "in"}
    return {k: kinds[v["$ref"]] for k, v in props.items() if v.get("$ref") in kinds}


def _rule_problems(schema, config, chip=None):
    out = []
    if chip is None and isinstance(config, dict) and isinstance(config.get("board"), dict):
        chip = config["board"].get("chip")  # the board refuses what its chip cannot do
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


def _chip_problems(config, chip):
    """What the chip cannot run, as the board says it (firmware/chips.py): PWM pins, channels
    and frequencies, the watchdog, the pins' roles; and a board.chip naming another chip."""
    board = config.get("board") if isinstance(config, dict) else None
    want = board.get("chip") if isinstance(board, dict) else None
    out = []
    if chip and want in chips.CHIPS and want != chip:
        out.append(Problem("$.board.chip", "this config is for the %s, not the %s" % (want, chip),
                           "use a config written for this board"))
    chip = chip or (want if want in chips.CHIPS else None)
    if chip not in chips.CHIPS or not isinstance(config.get("devices"), list):
        return out
    try:
        for field, msg in chips.problems(config, chip):
            out.append(Problem("$." + field, msg, "the %s's limits (README, Supported boards)"
                               % chip))
    except (TypeError, ValueError, AttributeError, KeyError):
        pass  # malformed fields: the schema has already said what is wrong
    return out


def check(config, chip=None, schema=None):
    """Every problem in a parsed config; [] when it may be pushed. chip: the board's chip
    (else the config's board.chip)."""
    schema = schema or load_schema()
    problems = _schema_problems(schema, config) + _rule_problems(schema, config, chip)
    seen = {p.path for p in problems}  # a pin already named by the rules above
    problems += [p for p in _chip_problems(config, chip) if p.path not in seen]
    problems += _placeholder_problems(config)
    unique, seen = [], set()
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            unique.append(p)
    return unique


def load(path, chip=None):
    """Read, parse and check a config file; returns (text bytes, config) or raises ConfigError.

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
        raise ConfigError(str(path), [Problem(
            "$", "not valid JSON: %s at line %d column %d" % (e.msg, e.lineno, e.colno),
            "JSON needs double quotes and no trailing commas")]) from e
    problems = check(config, chip)
    if problems:
        raise ConfigError(str(path), problems)
    return data, config
