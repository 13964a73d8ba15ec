# What each supported chip can do, as the product relies on it: the board's config check and
# the host's `make check-config` read it here (firmware/safemode.py keeps the reset causes).
# The simulated board's fakes (tools/sim/fakes/sim_profile.py) follow the MicroPython 1.28
# port sources on their own; tests/host/test_profiles.py holds this table against them.
# Sources (MicroPython 1.28): esp32 machine_pin.h/machine_pin.c (pins, input-only from 34, pulls
# on 34-39 silently absent), machine_pwm.c (2 x 8 LEDC channels, 2 x 4 timers, 1 Hz-40 MHz),
# machine_wdt.c (any timeout > 0), machine_rtc.c (2048 bytes); esp8266 machine_pin.c (pins
# 0-5, 9, 10, 12-16; GPIO16: no pull, no IRQ; no PULL_DOWN), esppwm.c (8 channels on 0, 2, 4,
# 5, 12-15, one frequency 1-1000 Hz), machine_wdt.c (fixed 5000 ms), machine_rtc.c (492
# bytes). GPIO6-11 (ESP32) and 9-10 (ESP8266) exist in the ports but carry the SPI flash on
# the usual modules.
import sys

try:
    from micropython import const
except ImportError:  # CPython: the host's make check-config
    const = lambda x: x  # noqa: E731

ESP32 = "esp32"
ESP8266 = "esp8266"
# field -> what the pin does: o output, p PWM output, d DHT data line (open drain), i input
ROLES = {"relay": "o", "up": "o", "down": "o", "status_led": "o", "pwm": "p", "red": "p",
         "green": "p", "blue": "p", "warm": "p", "cold": "p", "dht": "d", "button": "i",
         "contact": "i", "pin": "i"}
# Each chip's facts are a tuple indexed by these (underscore consts cost the board no RAM):
_PINS = const(0)  # GPIOs that exist
_FLASH = const(1)  # wired to the SPI flash: using them crashes the board
_INPUT_ONLY = const(2)
_NO_PULL = const(3)  # no pull resistors
_NO_IRQ = const(4)
_PWM = const(5)  # PWM-capable GPIOs (None: every output pin)
_PWM_CHANNELS = const(6)
_PWM_FREQ = const(7)  # (lo, hi) Hz
_PWM_FREQS = const(8)  # how many different frequencies can run at once
_WDT_MS = const(9)  # the only watchdog timeout (None: any)
_RTC_MEM = const(10)  # RTC.memory() bytes
_HEAP = const(11)  # free heap at boot with the stock image, bytes
_E32_PINS = tuple(range(0, 24)) + (25, 26, 27) + tuple(range(32, 40))
_E32_IN = tuple(range(34, 40))
CHIPS = {
    ESP32: (_E32_PINS, (6, 7, 8, 9, 10, 11), _E32_IN, _E32_IN, (), None, 16, (1, 40000000), 8,
            None, 2048, 110000),
    ESP8266: ((0, 1, 2, 3, 4, 5, 9, 10, 12, 13, 14, 15, 16), (9, 10), (), (16,), (16,),
              (0, 2, 4, 5, 12, 13, 14, 15), 8, (1, 1000), 1, 5000, 492, 38000),
}


def current(configured=None):
    """The chip this runs on: sys.platform on a board ("esp32", "esp8266"); elsewhere (the
    unix port in tests) the configured one, or None (no chip checks)."""
    p = sys.platform
    return p if p in CHIPS else configured


def fixed_wdt_ms(chip):
    """The only watchdog timeout chip takes (ms), or None when any is fine."""
    c = CHIPS.get(chip)
    return c[_WDT_MS] if c else None


def pin_problem(chip, gpio, role):
    """Why gpio cannot do role ("o", "p", "d", "i") on chip, or None."""
    c = CHIPS[chip]
    if gpio not in c[_PINS]:
        return "GPIO %d does not exist on the %s" % (gpio, chip)
    if gpio in c[_FLASH]:
        return "GPIO %d belongs to the %s's SPI flash" % (gpio, chip)
    if role != "i" and gpio in c[_INPUT_ONLY]:
        return "GPIO %d is input-only on the %s" % (gpio, chip)
    if role == "p" and c[_PWM] is not None and gpio not in c[_PWM]:
        return "GPIO %d has no PWM on the %s (PWM pins: %s)" % (
            gpio, chip, ", ".join(str(p) for p in c[_PWM]))
    return None


def problems(cfg, chip):
    """Yield (field, message) for what chip cannot run in a parsed config (fields already
    checked for type and range). Pins, PWM channels and frequencies, the watchdog."""
    c = CHIPS[chip]
    board = cfg.get("board") or {}
    wdt = board.get("watchdog_s")
    if c[_WDT_MS] and isinstance(wdt, int) and wdt and wdt * 1000 != c[_WDT_MS]:
        yield ("board.watchdog_s", "the %s watchdog has a fixed %d s timeout: use %d or 0"
               % (chip, c[_WDT_MS] // 1000, c[_WDT_MS] // 1000))
    led = board.get("status_led")
    if isinstance(led, int):
        m = pin_problem(chip, led, "o")
        if m:
            yield ("board.status_led", m)
    from firmware.config_types import FREQ

    n_pwm = 0
    freqs = {}  # frequency -> the field that set it first
    for i, d in enumerate(cfg.get("devices") or ()):
        if not isinstance(d, dict):
            continue
        where = "devices[%d]." % i
        pwm_gpio = None
        for k in d:
            role = ROLES.get(k)
            gpio = d[k]
            if role is None or not isinstance(gpio, int):
                continue
            m = pin_problem(chip, gpio, role)
            if m:
                yield (where + k, m)
            if role == "p":
                n_pwm += 1
                pwm_gpio = gpio
                if n_pwm > c[_PWM_CHANNELS]:
                    yield (where + k, "GPIO %d: no PWM channel left (the %s has %d)"
                           % (gpio, chip, c[_PWM_CHANNELS]))
        f = d.get("freq", FREQ[2])  # the host checks before the loader fills defaults
        if pwm_gpio is None or not isinstance(f, int):
            continue
        lo, hi = c[_PWM_FREQ]
        if not lo <= f <= hi:
            yield (where + "freq", "%d Hz on GPIO %d: %s PWM runs at %d-%d Hz"
                   % (f, pwm_gpio, chip, lo, hi))
        elif f not in freqs:
            if len(freqs) >= c[_PWM_FREQS]:
                first = sorted(freqs.items())[0]
                yield (where + "freq", "%d Hz on GPIO %d: %s PWM channels share %s (%sfreq is"
                       " %d Hz)" % (f, pwm_gpio, chip, "one frequency" if c[_PWM_FREQS] == 1
                                    else "%d frequencies" % c[_PWM_FREQS], first[1], first[0]))
            freqs[f] = where


def pull_warnings(cfg, chip):
    """Yield (field, message) for each input that relies on an internal pull resistor its
    GPIO lacks on chip (ESP32 34-39 accept one silently and float; ESP8266 GPIO16 has none
    and no chip pin has a pull-down there): it works only with an external resistor."""
    c = CHIPS[chip]
    for i, d in enumerate(cfg.get("devices") or ()):
        for k in ("button", "contact", "pin"):
            gpio = d.get(k)
            if not isinstance(gpio, int) or (k == "pin" and d.get("type") != "contact"):
                continue
            low = d.get("active_low" if k == "pin" else k + "_active_low", True)
            if gpio in c[_NO_PULL] or (not low and chip == ESP8266):
                yield ("devices[%d].%s" % (i, k), "GPIO %d has no internal pull-%s on the %s: "
                       "fit an external resistor" % (gpio, "up" if low else "down", chip))


def check(cfg, chip):
    """Raise ValueError (one line: field, GPIO, reason) for the first thing chip cannot run."""
    for field, msg in problems(cfg, chip):
        raise ValueError("%s: %s" % (field, msg))
