# Fake `machine` for the simulated board (MicroPython unix port). Pins keep their state in
# PINS so the control port (tools/sim) can drive inputs and read outputs.
import time

PINS = {}  # gpio -> _PinState
IDLE, SOFT_RESET, PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET = 0, 5, 1, 2, 3, 4
_reset_cause = PWRON_RESET
_wdt = None


class _PinState:
    def __init__(self, gpio):
        self.gpio = gpio
        self.mode = None  # "in", "out", "pwm"
        self.pull = None
        self.value = 0
        self.irq = None  # (handler, trigger, pin)
        self.freq = 0
        self.duty_u16 = 0

    def as_dict(self):
        d = {"gpio": self.gpio, "mode": self.mode, "value": self.value}
        if self.mode == "pwm":
            d["freq"] = self.freq
            d["duty_u16"] = self.duty_u16
        return d


def _state(gpio):
    s = PINS.get(gpio)
    if s is None:
        s = PINS[gpio] = _PinState(gpio)
    return s


def drive(gpio, level):
    """Set an input pin's level from outside (the control port); fires its IRQ like a board."""
    s = _state(gpio)
    old, s.value = s.value, 1 if level else 0
    if s.irq is not None and old != s.value:
        handler, trigger, pin = s.irq
        if (s.value and trigger & Pin.IRQ_RISING) or (not s.value and trigger & Pin.IRQ_FALLING):
            handler(pin)


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, gpio, mode=-1, pull=-1, value=None):
        if not isinstance(gpio, int) or gpio < 0 or gpio > 48:
            raise ValueError("invalid pin")
        self._s = _state(gpio)
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        s = self._s
        if mode != -1:
            s.mode = "in" if mode == Pin.IN else "out"
        if pull != -1:
            s.pull = pull
            if s.mode == "in" and pull == Pin.PULL_UP and s.irq is None:
                s.value = 1
        if value is not None:
            s.value = 1 if value else 0

    def value(self, v=None):
        if v is None:
            return self._s.value
        if self._s.mode != "in":
            self._s.value = 1 if v else 0

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_RISING | IRQ_FALLING):
        self._s.irq = None if handler is None else (handler, trigger, self)

    def __repr__(self):
        return "Pin(%d)" % self._s.gpio


class Signal:
    def __init__(self, pin, invert=False):
        self._pin = pin
        self._inv = invert

    def value(self, v=None):
        if v is None:
            return self._pin.value() ^ self._inv
        self._pin.value((1 if v else 0) ^ self._inv)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class PWM:
    def __init__(self, pin, freq=None, duty_u16=None, duty=None):
        self._s = pin._s
        self._s.mode = "pwm"
        if freq is not None:
            self._s.freq = freq
        if duty_u16 is not None:
            self._s.duty_u16 = duty_u16
        if duty is not None:
            self.duty(duty)

    def freq(self, f=None):
        if f is None:
            return self._s.freq
        self._s.freq = f

    def duty_u16(self, d=None):
        if d is None:
            return self._s.duty_u16
        if not 0 <= d <= 65535:
            raise ValueError("duty_u16 out of range")
        self._s.duty_u16 = d
        self._s.value = 1 if d else 0

    def duty(self, d=None):
        if d is None:
            return self._s.duty_u16 >> 6
        self.duty_u16(min(1023, d) * 65535 // 1023)

    def deinit(self):
        self._s.mode = "out"
        self._s.duty_u16 = 0
        self._s.value = 0


def unique_id():
    return b"\x24\x6f\x28\xaa\xbb\xcc"


def reset_cause():
    return _reset_cause


def freq():
    return 160000000


def idle():
    time.sleep_ms(1)
