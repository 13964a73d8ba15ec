# The status LED: one blink pattern per board state, rendered without blocking, either by an
# asyncio task (while the app runs) or by a machine.Timer (in safe mode and on a config error,
# when the REPL owns the board and no loop runs).
try:
    import asyncio
except ImportError:  # pragma: no cover
    asyncio = None

OFF = "off"
CONNECTING = "connecting"
ONLINE = "online"
CLOUD_DOWN = "cloud_down"
CONFIG_ERROR = "config_error"
SAFE_MODE = "safe_mode"

# ms on, ms off, ms on, ... (a cycle starts lit). See docs/runtime.md "Wi-Fi and the status LED".
PATTERNS = {
    OFF: (0, 1000),
    CONNECTING: (250, 250),  # even 2 Hz blink
    ONLINE: (40, 3960),  # a short heartbeat every 4 s
    CLOUD_DOWN: (100, 150, 100, 1650),  # double blink
    CONFIG_ERROR: (100, 150, 100, 150, 100, 1400),  # triple blink
    SAFE_MODE: (1000, 200),  # mostly lit, brief gaps
}


def level(pattern, ms):
    """1 (lit) or 0 at ms into the pattern, repeating."""
    total = 0
    for d in pattern:
        total += d
    ms %= total
    lit = 1
    for d in pattern:
        if ms < d:
            return lit
        ms -= d
        lit ^= 1
    return 0


class StatusLed:
    step_ms = 50

    def __init__(self, pin=None, active_low=False, clock=None):
        """pin: an output machine.Pin or None; clock: lib/clock.Clock (None: the board's)."""
        if clock is None:
            from clock import Clock

            clock = Clock()
        self._pin = pin  # an output machine.Pin, or None for a board without a status LED
        self._inv = 1 if active_low else 0
        self._ms = clock.ticks_ms
        self._diff = clock.ticks_diff
        self.clock = clock
        self.state = OFF
        self._pattern = PATTERNS[OFF]
        self._t0 = self._ms()
        self._out = -1
        self._timer = None
        self.update()

    def set(self, state):
        if state != self.state:
            self.state = state
            self._pattern = PATTERNS[state]
            self._t0 = self._ms()  # start the new pattern at its beginning

    def level(self):
        now = self._ms()
        ms = self._diff(now, self._t0)
        if ms >= 1 << 28 or ms < 0:  # a state held for days: move the start on by whole
            # cycles (the blink does not jump) before ticks_diff runs out of range
            ms %= sum(self._pattern)
            self._t0 = self.clock.ticks_add(now, -ms)
        return level(self._pattern, ms)

    def update(self, _timer=None):
        v = self.level() ^ self._inv
        if v != self._out and self._pin is not None:
            self._pin.value(v)
            self._out = v

    async def run(self):
        while True:
            self.update()
            await asyncio.sleep_ms(self.step_ms)

    def start_timer(self, timer):
        """Blink from a machine.Timer (no asyncio loop needed)."""
        self._timer = timer
        timer.init(period=self.step_ms, mode=timer.PERIODIC, callback=self.update)

    def stop(self):
        if self._timer is not None:
            self._timer.deinit()
            self._timer = None


def make(pin_no, active_low, state):
    """A StatusLed on GPIO pin_no (None: no LED) showing state, driven by a Timer; for the
    idle states where the REPL owns the board. Never raises."""
    try:
        from machine import Pin, Timer

        led = StatusLed(None if pin_no is None else Pin(pin_no, Pin.OUT), active_low)
        led.set(state)
        led.update()
        if pin_no is not None:
            try:
                t = Timer(-1)  # a virtual timer (ESP8266)
            except (ValueError, OSError):
                t = Timer(0)  # ESP32: hardware timer 0
            led.start_timer(t)
        return led
    except Exception as e:  # noqa: BLE001 - the LED is a nicety; the REPL must come up
        print("status_led: %r" % (e,))
        return None
