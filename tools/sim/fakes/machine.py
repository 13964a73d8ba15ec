# Fake `machine` for the simulated board (MicroPython unix port). Pins keep their state in
# PINS so the control port (tools/sim) can drive inputs and read outputs.
import os
import time

PINS = {}  # gpio -> _PinState
IDLE, SOFT_RESET, PWRON_RESET, HARD_RESET, WDT_RESET, DEEPSLEEP_RESET = 0, 5, 1, 2, 3, 4
# The sim runner (tools/sim/run.py) restarts the board after a reset and passes the cause on.
_reset_cause = int(os.getenv("SIM_RESET_CAUSE") or PWRON_RESET)
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


def reset():
    """Ends the process at once, like a board reset (no finally blocks, no cleanup): SIGUSR1
    tells the sim runner to boot again with SOFT_RESET as the cause."""
    print("machine.reset()")
    os.system("kill -USR1 $PPID")
    time.sleep_ms(1000)
    raise SystemExit(RESET_EXIT)  # only if the signal did not land


RESET_EXIT = 75  # fallback exit status of reset(); the runner treats it like SIGUSR1


def soft_reset():
    reset()


class WDT:
    """A watchdog that really fires: a thread watches the feed time, because the asyncio loop
    it guards may be the thing that is blocked. On expiry it kills the process with SIGKILL;
    the sim runner boots it again with WDT_RESET as the cause. Cannot be stopped (as on the
    boards); a second WDT() is the same watchdog."""

    def __new__(cls, id=0, timeout=5000):
        global _wdt
        if _wdt is None:
            _wdt = object.__new__(cls)
            _wdt._timeout = timeout
            _wdt._last = [time.ticks_ms()]
            import _thread

            _thread.start_new_thread(_wdt._watch, ())
        return _wdt

    def __init__(self, id=0, timeout=5000):
        pass

    def feed(self):
        self._last[0] = time.ticks_ms()

    def _watch(self):
        # The board's watchdog is hardware (ports/esp32/machine_wdt.c: the ESP-IDF task WDT;
        # ports/esp8266/machine_wdt.c): it costs the interpreter nothing. time.sleep() waits in
        # one select(); time.sleep_ms() on the unix port waits in 0.5 ms slices
        # (ports/unix/unix_mphal.c mp_hal_delay_ms, mphalport.h MICROPY_INTERNAL_WFE): 2,000
        # wake-ups a second that compete with the firmware for a busy machine's CPU.
        last = self._last
        while True:
            time.sleep(0.05)
            if time.ticks_diff(time.ticks_ms(), last[0]) > self._timeout:
                print("machine.WDT: not fed for %d ms: watchdog reset" % self._timeout)
                os.system("kill -9 $PPID")
                time.sleep_ms(1000)


class RTC:
    """RTC with user memory that survives resets but not power cuts: the runner keeps it in
    the file named by SIM_RTC and deletes that file on a power cycle."""

    def __init__(self, id=0):
        pass

    def memory(self, data=None):
        path = os.getenv("SIM_RTC")
        if data is None:
            if not path:
                return _rtc_mem[0]
            try:
                with open(path, "rb") as f:
                    return f.read()
            except OSError:
                return b""
        if len(data) > 2048:
            raise ValueError("RTC memory is 2048 bytes")
        _rtc_mem[0] = bytes(data)
        if path:
            with open(path, "wb") as f:
                f.write(data)

    def datetime(self, t=None):
        # As the ESP ports (ports/esp32/machine_rtc.c settimeofday/gettimeofday; esp8266
        # machine_rtc.c: an offset in RTC memory): a set time survives resets, a power-on
        # counts from 2000-01-01. The set time: an offset to the host's clock, in a file next
        # to SIM_RTC, which the runner deletes with it on a power cycle.
        path = (os.getenv("SIM_RTC") or "") + ".rtc-time-offset"
        if t is not None:
            y = t[0] - (t[1] <= 2)  # days from civil (UTC), no epoch or local time involved
            d = (153 * (t[1] - 3 if t[1] > 2 else t[1] + 9) + 2) // 5 + t[2] - 1
            d += y // 400 * 146097 + y % 400 * 365 + y % 400 // 4 - y % 400 // 100 - 719468
            _rtc_mem[1] = d * 86400 + t[4] * 3600 + t[5] * 60 + t[6] - time.time()
            if os.getenv("SIM_RTC"):
                with open(path, "w") as f:
                    f.write(repr(_rtc_mem[1]))
            return None
        try:
            with open(path) as f:
                off = float(f.read())
        except (OSError, ValueError):
            off = _rtc_mem[1] if _rtc_mem[1] is not None else 946684800 - _rtc_mem[2]
        y, mo, d, h, mi, s, wd = time.gmtime(int(time.time() + off))[:7]
        return (y, mo, d, wd, h, mi, s, 0)


_rtc_mem = [b"", None, time.time()]  # RTC memory, the set time's offset, the boot
TIMERS = []  # active Timer objects; the sim launcher calls run_timers() from a task


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kw):
        self._cb = None
        if kw:
            self.init(**kw)

    def init(self, mode=PERIODIC, period=1000, callback=None, freq=None):
        if freq:
            period = 1000 // freq
        self._mode = mode
        self._period = period
        self._cb = callback
        self._due = time.ticks_add(time.ticks_ms(), period)
        if self not in TIMERS:
            TIMERS.append(self)

    def deinit(self):
        if self in TIMERS:
            TIMERS.remove(self)


def run_timers():
    """Fire the timers that are due (what the hardware does on a board)."""
    now = time.ticks_ms()
    for t in list(TIMERS):
        if time.ticks_diff(now, t._due) >= 0:
            if t._mode == Timer.PERIODIC:
                t._due = time.ticks_add(t._due, t._period)
                if time.ticks_diff(now, t._due) >= 0:
                    t._due = time.ticks_add(now, t._period)  # fell behind: skip, no burst
            else:
                t.deinit()
            t._cb(t)


def freq():
    return 160000000


def idle():
    time.sleep_ms(1)
