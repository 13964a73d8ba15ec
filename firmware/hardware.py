# Hardware factory handed to every device: relays, PWM channels, inputs and DHT sensors on
# top of `machine`/`dht` (the real ones on a board, tools/sim/fakes on the simulated board).
# Devices only ever see this factory, so tests inject fakes and a clock.


class Pwm:
    """A PWM channel: `duty(x)` takes a float 0..1 or an int 0..65535; `level` is the
    logical duty (before the active-low inversion)."""

    def __init__(self, pwm, active_low):
        self._pwm = pwm
        self._inv = active_low
        self.level = 0

    def duty(self, x):
        if isinstance(x, float):
            x = x * 65535 + 0.5
        x = 0 if x < 0 else 65535 if x > 65535 else int(x)
        self.level = x
        self._pwm.duty_u16(65535 - x if self._inv else x)


class Hardware:
    """The factory devices build their pins from. Everything is injectable for tests:
    `Hardware(machine, dht, clock, log)`; clock is lib/clock.Clock, the one tick source
    (devices measure with hw.clock.ticks_ms/since/until)."""

    def __init__(self, machine=None, dht=None, clock=None, log=None):
        if machine is None:
            import machine
        if clock is None:
            from clock import Clock

            clock = Clock()
        self.machine = machine
        self._dht = dht
        self.clock = clock
        self.log = log or print

    @staticmethod
    def sleep_ms(ms):
        """An awaitable for the device tasks (asyncio is imported only when tasks run)."""
        import asyncio

        return asyncio.sleep_ms(ms) if hasattr(asyncio, "sleep_ms") else asyncio.sleep(ms / 1000)

    @staticmethod
    def flag():
        """A ThreadSafeFlag an IRQ may set, or None where asyncio lacks it (CPython)."""
        import asyncio

        f = getattr(asyncio, "ThreadSafeFlag", None)
        return f() if f else None

    def output(self, gpio, active_low=False, on=False):
        """A relay or LED as a machine.Signal: value(True) energises it whatever the wiring.
        The pin is driven to its initial level as it becomes an output (no glitch)."""
        m = self.machine
        pin = m.Pin(gpio, m.Pin.OUT, value=(1 if on else 0) ^ (1 if active_low else 0))
        return m.Signal(pin, invert=active_low)

    def pwm(self, gpio, freq=1000, active_low=False):
        """A PWM channel that starts dark. The dark duty is set through duty_u16(), not the
        constructor: the ESP8266 port scales the constructor's duty_u16 by 1000/65535
        (ports/esp8266/machine_pwm.c), so 65535 there leaves an active-low output 2% on."""
        m = self.machine
        dark = 65535 if active_low else 0
        pin = m.Pin(gpio, m.Pin.OUT, value=1 if active_low else 0)
        pwm = m.PWM(pin, freq=freq, duty_u16=dark)
        pwm.duty_u16(dark)
        return Pwm(pwm, active_low)

    def input(self, gpio, pull=None):
        """A machine.Pin input; pull: "up", "down" or None. A pin without the pull resistor
        asked for (ESP8266 has no pull-down, ESP32 GPIO34-39 have none) still works, with a
        log line: it needs an external resistor then."""
        Pin = self.machine.Pin
        pin = None
        if pull:
            mode = getattr(Pin, "PULL_UP" if pull == "up" else "PULL_DOWN", None)
            try:
                pin = None if mode is None else Pin(gpio, Pin.IN, pull=mode)
            except (ValueError, OSError):
                pass
            if pin is None:
                self.log("hw: GPIO%d has no pull-%s: fit an external resistor" % (gpio, pull))
        return Pin(gpio, Pin.IN) if pin is None else pin

    def dht(self, gpio, kind="dht22"):
        """A dht.DHT11/DHT22 (measure(), temperature(), humidity()); the bit-banged transfer
        takes a few ms, so read it at most every few seconds."""
        d = self._dht
        if d is None:
            import dht as d
        return (d.DHT11 if kind == "dht11" else d.DHT22)(self.machine.Pin(gpio))
