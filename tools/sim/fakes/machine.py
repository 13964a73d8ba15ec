# Fake `machine` for the simulated board (MicroPython unix port; also imported by the portable
# tests under CPython). It plays the chip of sim_profile (SIM_CHIP) and refuses what that port
# refuses; each rule names the port file it follows (sim_profile.py has the numbers). Pins keep
# their state in PINS so the control port (tools/sim) can drive inputs and read outputs; on
# the simulated board every change of an output's level is also printed as "@sim:pin G V",
# which the runner records (SimBoard.pin_log) without showing it.
import os
import sys
import time

from sim_profile import CHIP, P

PINS = {}  # gpio -> _PinState
_C = P["causes"]
PWRON_RESET = _C["PWRON_RESET"]
HARD_RESET = _C["HARD_RESET"]
WDT_RESET = _C["WDT_RESET"]
DEEPSLEEP_RESET = _C["DEEPSLEEP_RESET"]
SOFT_RESET = _C["SOFT_RESET"]
IDLE = 0
# The sim runner (tools/sim/run.py) boots the board again after a restart and names how it
# restarted (poweron, button, reset, watchdog, panic, deepsleep, soft): the port's number.
_reset_cause = P["restart"][os.getenv("SIM_RESET_KIND") or "poweron"]
_wdt = None
_LOG_PINS = bool(os.getenv("SIM_ROOT"))
# The record of a level change goes out without a heap object: on the ports Pin.value(v)
# allocates nothing (ports/esp32/machine_pin.c gpio_set_level, ports/esp8266/machine_pin.c
# pin_set), and the simulator's own line must not be charged to the firmware's heap (a
# formatted str per change was 96 bytes of every Sinric request that moved a relay). The
# unix port's sys.stdout.buffer writes the bytes as they are, to the same stream as print().
_OUT = getattr(sys.stdout, "buffer", None) \
    if _LOG_PINS and sys.implementation.name == "micropython" else None
_REC = bytearray(b"@sim:pin 00 0\n")  # one for every pin, made with the simulator: G V set


class _PinState:
    # A pin's state as the ports keep it outside the heap (ports/esp32/machine_pin.c
    # machine_pin_obj_table, ports/esp8266/machine_pin.c pyb_pin_obj: const tables; the IRQ
    # handlers a static root array, MP_STATE_PORT): nothing the firmware
    # could have spent. So the defaults are the class's and an instance holds only what was
    # set (an output: gpio, mode, value: a 4-slot dict, not 8), charging the firmware's heap
    # on the simulated board as little as it can.
    mode = None  # "in", "out", "pwm"
    pull = None
    value = 0
    irq = None  # (handler, trigger, pin)
    freq = 0
    duty_u16 = 0

    def __init__(self, gpio):
        self.gpio = gpio

    def level(self, v):
        """Set the output level; logs a change of a driven pin (the no-glitch tests)."""
        v = 1 if v else 0
        if v != self.value and self.mode in ("out", "pwm") and _LOG_PINS:
            if _OUT is None:
                print("@sim:pin %d %d" % (self.gpio, v))
            else:
                r = _REC
                r[9] = 0x30 + self.gpio // 10
                r[10] = 0x30 + self.gpio % 10
                r[12] = 0x31 if v else 0x30
                _OUT.write(r)
        self.value = v

    def as_dict(self):
        d = {"gpio": self.gpio, "mode": self.mode, "value": self.value}
        if self.mode == "pwm":
            d["freq"] = self.freq
            d["duty_u16"] = self.duty_u16
        return d


# Inputs held at power-on, "gpio=level,..." (SimBoard(held=...)): a button pressed while the
# board boots, which the control port cannot do before the firmware has made its pins. As on
# the ports, an input reads the line's level (ports/esp32/machine_pin.c, gpio_get_level;
# ports/esp8266/machine_pin.c, pin_get): a button to ground wins over the weak pull-up.
_HELD = {}
for _kv in (os.getenv("SIM_HELD") or "").split(","):
    if "=" in _kv:
        _HELD[int(_kv.split("=")[0])] = int(_kv.split("=")[1])


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
    # esp32 machine_pin.c / esp8266 machine_pin.c + modmachine.h class constants
    IN = P["IN"]
    OUT = P["OUT"]
    OPEN_DRAIN = P["OPEN_DRAIN"]
    PULL_UP = P["PULL_UP"]
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, gpio, mode=-1, pull=-1, value=None):
        # esp32 machine_pin_find() / esp8266 mp_obj_get_pin_obj(): only the pins that exist
        if not isinstance(gpio, int) or gpio not in P["pins"]:
            raise ValueError("invalid pin")
        self._s = _state(gpio)
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        s = self._s
        g = s.gpio
        first = P["input_only_from"]
        if mode != -1 and mode is not None and mode != Pin.IN and first is not None \
                and g >= first:
            raise ValueError("pin can only be input")  # esp32 machine_pin.c
        if pull not in (-1, None) and g in P["pull_error"]:
            raise ValueError("Pin(%d) doesn't support pull" % g)  # esp8266 machine_pin.c
        if value is not None:
            s.value = 1 if value else 0  # the output register is set before the direction
        if mode != -1 and mode is not None:
            s.mode = "in" if mode == Pin.IN else "out"
        if pull != -1:
            s.pull = pull
            # esp32 machine_pin.c ignores gpio_pullup_en()'s error: GPIO34-39 float
            if s.mode == "in" and pull == Pin.PULL_UP and s.irq is None \
                    and g not in P["pull_ignored"]:
                s.value = _HELD.get(g, 1)  # a button held to ground wins over the pull-up

    def value(self, v=None):
        if v is None:
            return self._s.value
        if self._s.mode != "in":
            self._s.level(v)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_RISING | IRQ_FALLING, hard=False):
        if self._s.gpio in P["irq_error"]:  # esp8266 machine_pin.c pyb_pin_irq()
            raise OSError("pin does not have IRQ capabilities")
        self._s.irq = None if handler is None else (handler, trigger, self)

    def __repr__(self):
        return "Pin(%d)" % self._s.gpio


if P["has_pull_down"]:
    Pin.PULL_DOWN = P["PULL_DOWN"]


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


_PWM = {}  # gpio -> PWM: the channels in use
_pwm_freq = [0]  # esp8266: the one frequency of every channel


class PWM:
    """esp32 machine_pwm.c (LEDC: 16 channels, 8 timers, ValueError outside 1 Hz-40 MHz or
    duty_u16 0-65535) or esp8266 machine_pwm.c + esppwm.c (8 pins, one frequency clamped to
    1-1000 Hz, 10-bit duty clamped, the constructor's duty_u16 scaled by 1000/65535)."""

    def __init__(self, pin, freq=-1, duty=-1, duty_u16=-1, duty_ns=-1):
        s = self._s = pin._s
        g = s.gpio
        if P["pwm_pins"] is not None and g not in P["pwm_pins"]:
            raise ValueError("PWM not supported on pin %d" % g)
        first = P["input_only_from"]
        if first is not None and g >= first:
            raise OSError(22)  # esp32: ledc_channel_config() refuses an input-only GPIO
        for q in list(_PWM):  # a channel whose pin state was reset (a new test board) is free
            if PINS.get(q) is not _PWM[q]._s or _PWM[q]._s.mode != "pwm":
                del _PWM[q]
        if g not in _PWM and len(_PWM) >= P["pwm_channels"]:
            raise RuntimeError("out of PWM channels:%d" % P["pwm_channels"])
        if freq != -1:
            self._check_freq(freq, g)
        if duty_u16 != -1 and not P["pwm_freq_clamp"] and not 0 <= duty_u16 <= 65535:
            raise ValueError("duty_u16 must be from 0 to 65536")
        _PWM[g] = self
        was = s.mode
        s.mode = "pwm"
        if freq != -1:
            self._set_freq(freq)
        elif not s.freq:
            self._set_freq(_pwm_freq[0] if P["pwm_shared_freq"] and _pwm_freq[0] else
                           (1000 if P["pwm_shared_freq"] else 5000))
        if duty_u16 != -1:
            if P["pwm_freq_clamp"]:
                self._duty10(duty_u16 * 1000 // 65535)  # esp8266 machine_pwm.c init helper
            else:
                self.duty_u16(duty_u16)
        elif duty != -1:
            self.duty(duty)
        elif was != "pwm":
            self._apply(s.duty_u16 if P["pwm_freq_clamp"] else 32768)

    def _check_freq(self, f, g):
        if P["pwm_freq_clamp"]:
            return
        if not 0 < f <= P["pwm_freq_max"]:
            raise ValueError("frequency must be from 1Hz to 40MHz")
        freqs = set(p._s.freq for q, p in _PWM.items() if q != g)
        if f not in freqs and len(freqs) >= P["pwm_timers"]:
            raise RuntimeError("out of PWM timers:%d" % P["pwm_timers"])

    def _set_freq(self, f):
        if P["pwm_freq_clamp"]:
            f = 1 if f < 1 else P["pwm_freq_max"] if f > P["pwm_freq_max"] else f
            _pwm_freq[0] = f
            for p in _PWM.values():  # esppwm.c: one frequency for all channels
                p._s.freq = f
        else:
            self._s.freq = f

    def freq(self, f=None):
        if f is None:
            return self._s.freq
        self._check_freq(f, self._s.gpio)
        self._set_freq(f)

    def _duty10(self, d):
        # esppwm.c pwm_set_duty(): clamped to 0..PWM_DEPTH (1023); duty_u16() reads back
        # duty * 65535 / 1024 (machine_pwm.c)
        d = 0 if d < 1 else 1023 if d >= 1023 else d
        self._s.duty10 = d
        self._apply(d * 65535 // 1024 if d < 1023 else 65535)

    def _apply(self, u16):
        self._s.duty_u16 = u16
        self._s.level(1 if u16 else 0)

    def duty_u16(self, d=None):
        if d is None:
            return self._s.duty_u16
        if P["pwm_freq_clamp"]:
            self._duty10(d * 1024 // 65535)
            return
        if not 0 <= d <= 65535:
            raise ValueError("duty_u16 must be from 0 to 65536")
        self._apply(d)

    def duty(self, d=None):
        if d is None:
            return self._s.duty_u16 >> 6
        if P["pwm_freq_clamp"]:
            self._duty10(d)
            return
        if not 0 <= d <= 1023:
            raise ValueError("duty must be from 0 to 1023")
        self._apply(65535 if d == 1023 else d << 6)

    def deinit(self):
        _PWM.pop(self._s.gpio, None)
        self._s.duty_u16 = 0
        self._s.level(0)
        self._s.mode = "out"


def unique_id():
    # esp32: the 6-byte base MAC (modmachine.c); esp8266: the 4-byte chip id
    return b"\x24\x6f\x28\xaa\xbb\xcc" if CHIP == "esp32" else b"\xaa\xbb\xcc\x00"


def reset_cause():
    return _reset_cause


def reset():
    """Ends the process at once, like a board reset (no finally blocks, no cleanup): SIGUSR1
    tells the sim runner to boot again as after machine.reset() (esp32: HARD_RESET,
    esp8266: SOFT_RESET)."""
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
    the sim runner boots it again as after a watchdog reset. Cannot be stopped (as on the
    boards); a second WDT() is the same watchdog. Arguments as the port takes them:
    esp32 machine_wdt.c (id 0, timeout_ms > 0), esp8266 machine_wdt.c (id 0, timeout_ms
    exactly 5000: the timeout is fixed)."""

    def __new__(cls, id=0, timeout=5000):
        global _wdt
        fixed = P["wdt_fixed_ms"]
        if id != 0 or (fixed is not None and timeout != fixed):
            raise ValueError()
        if timeout <= 0:
            raise ValueError("WDT timeout too short")
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
        if len(data) > P["rtc_mem"]:  # esp32/esp8266 machine_rtc.c: 2048 / 492 bytes
            raise ValueError("buffer too long")
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
    # esp32: boards/ESP32_GENERIC/mpconfigboard.cmake sets no CPU frequency (only boards that
    # list boards/sdkconfig.240mhz run at 240), so ESP-IDF's default of 160 MHz; esp8266
    # modmachine.c mp_machine_get_freq(): system_get_cpu_freq(), the SDK's 80 MHz at boot.
    return 160000000 if CHIP == "esp32" else 80000000


def idle():
    time.sleep_ms(1)
