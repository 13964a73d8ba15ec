# The config fields of each device type (docs/configuration.md), and their validation.
# Split from config.py to keep each file small enough to compile in a small heap.
# A user type is one entry in TYPES: (name, kind, default or REQ or None, *args) per field,
# kinds from firmware.config_fields (PIN, BOOL, INT lo hi, NUM lo hi, STR max_len, ONE_OF options).
from firmware.config_fields import (
    BOOL,
    HEX24,
    ID,
    INT,
    NUM,
    ONE_OF,
    PIN,
    REQ,
    STR,
    ConfigError,
    fields,
)

COMMON = (
    ("name", STR, REQ, 64),
    ("type", STR, REQ, 32),
    ("sinric_id", HEX24, None),
    ("yango_id", ID, None, 64),
    ("room", STR, None, 64),
)
POWER_ON = ("power_on", ONE_OF, "off", ("off", "on", "restore"))
DEBOUNCE = ("debounce_ms", INT, 50, 0, 5000)
FREQ = ("freq", INT, 1000, 1, 40000)
DHT_TYPE = ("dht_type", ONE_OF, "dht22", ("dht22", "dht11"))
INTERVAL = ("interval_s", INT, 60, 2, 86400)


def _b(name, default):
    return (name, BOOL, default)


def _pin(name, default=REQ):
    return (name, PIN, default)


# type -> field specs beyond COMMON; config.schema.json says the same (a test holds them
# together). power_on only where an output may sensibly switch on at boot: never for a
# garage (a power-on pulse would move the door), blinds (a motor) or a lock (it would open).
# debounce_ms where there is an input. A user type adds an entry here
# (docs/device-types.md, "Adding your own type").
TYPES = {
    "switch": (_pin("relay"), _pin("button", None), _b("relay_active_low", False),
               _b("button_active_low", True), POWER_ON, DEBOUNCE),
    "dimmer": (_pin("pwm"), _pin("button", None), FREQ, _b("button_active_low", True),
               POWER_ON, DEBOUNCE),
    "light": (_pin("red", None), _pin("green", None), _pin("blue", None), _pin("warm", None),
              _pin("cold", None), _pin("button", None), FREQ, _b("button_active_low", True),
              POWER_ON, DEBOUNCE),
    "blinds": (_pin("up"), _pin("down"), ("travel_ms", INT, REQ, 500, 600000),
               _b("relay_active_low", False)),
    "lock": (_pin("relay"), _pin("contact", None), _b("relay_active_low", False),
             _b("contact_active_low", True), DEBOUNCE),
    "garage": (_pin("relay"), _pin("contact", None), ("pulse_ms", INT, 500, 50, 10000),
               _b("relay_active_low", False), _b("contact_active_low", True), DEBOUNCE),
    "thermostat": (_pin("relay"), _pin("dht"), DHT_TYPE, ("target", NUM, 21, 0, 50),
                   ("hysteresis", NUM, 0.5, 0.1, 10), INTERVAL, _b("relay_active_low", False),
                   POWER_ON),
    "motion": (_pin("pin"), _b("active_low", False), DEBOUNCE),
    "contact": (_pin("pin"), _b("active_low", True), DEBOUNCE),
    "temperature": (_pin("dht"), DHT_TYPE, INTERVAL),
    "doorbell": (_pin("button"), _b("button_active_low", True), DEBOUNCE),
}
# Groups of pins that go together: (fields, one of them present -> all needed).
GROUPS = {"light": (("red", "green", "blue"), ("warm", "cold"))}

def device(d, i, pins, seen):
    """Check devices[i] (in place, defaults filled); pins/seen collect GPIOs and ids."""
    where = "devices[%d]." % i
    if not isinstance(d, dict):
        raise ConfigError("devices[%d]: must be an object" % i)
    if "type" not in d:
        raise ConfigError(where + "type: required")
    t = d["type"]
    if not isinstance(t, str):
        raise ConfigError(where + "type: must be a string")
    if t not in TYPES:
        raise ConfigError('%stype: unknown type "%s" (known: %s)'
                          % (where, t, ", ".join(sorted(TYPES))))
    fields(d, COMMON + TYPES[t], where, " for type " + t)
    if "sinric_id" not in d and "yango_id" not in d:
        raise ConfigError(where + "sinric_id: required (or yango_id)")
    for key in ("name", "sinric_id", "yango_id"):
        v = d.get(key)
        if v is not None:
            other = seen.get((key, v))
            if other is not None:
                raise ConfigError("%s%s: duplicate of devices[%d]" % (where, key, other))
            seen[(key, v)] = i
    for group in GROUPS.get(t, ()):
        have = [f for f in group if f in d]
        if have and len(have) != len(group):
            missing = [f for f in group if f not in d][0]
            raise ConfigError("%s%s: required with %s" % (where, missing, "+".join(group)))
    if t in GROUPS and not any(f in d for g in GROUPS[t] for f in g):
        g = GROUPS[t]
        raise ConfigError("%s%s: required (a %s needs %s)" % (
            where, g[0][0], t, " and/or ".join("+".join(x) for x in g)))
    for spec in TYPES[t]:
        if spec[1] == PIN and spec[0] in d:
            claim(pins, d[spec[0]], where + spec[0])


def claim(pins, gpio, field):
    """Note that field uses gpio; ConfigError when something else already does."""
    other = pins.get(gpio)
    if other is not None:
        raise ConfigError("%s: GPIO %d already used by %s" % (field, gpio, other))
    pins[gpio] = field
