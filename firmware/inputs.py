# Debounced, rate-limited digital inputs (buttons, PIRs, reed contacts).
#
# The IRQ handler only stores the tick of the last edge and sets a flag: no allocation, no
# callbacks from interrupt context. A task samples the pin while something is settling and
# accepts a new level once it has held for `debounce_ms`. Accepted changes then pass a token
# bucket, so a chattering sensor cannot flood the cloud: `burst` changes go straight out, then
# one per `refill_ms`; a change held back is not lost, the latest stable level goes out as
# soon as a token is back (a button press that is over by then is dropped, as it should be).


try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


# Input._st bits: three logical levels and the wiring in one small int (one dict entry instead
# of four: an input's dict then stays within 12 slots, 48 bytes less per input)
_LEVEL = const(1)  # the debounced level (Input.level)
_SAMPLE = const(2)  # the last raw sample
_SENT = const(4)  # the last level handed to on_change
_INV = const(8)  # active low


def share_board(obj, cls, hw, out):
    """Keep the board's one Hardware (hw) and sink (out) on cls, set by the first obj built:
    two entries fewer in every device's and input's dict. An obj given others keeps its own
    (obj.hw, obj.out then shadow the class's); one built before keeps reading its own."""
    if cls.hw is None:
        cls.hw, cls.out = hw, out
    if hw is not cls.hw:
        obj.hw = hw
    if out is not cls.out:
        obj.out = out


class Input:
    debounce_ms = 50  # the level must hold this long (docs/device-types.md, `debounce_ms`)
    burst = 4  # changes let straight through ...
    refill_ms = 1000  # ... then one more per refill_ms
    poll_ms = 10  # sampling period while settling, or always on a pin without IRQ
    cause = "input"  # out.cause while on_change runs (the reason in a change's log line)
    # Defaults an instance overrides only when it differs: every entry of an instance's dict
    # is RAM (8 bytes, and the table grows 12 -> 17 -> 23 slots), one per input on the board.
    irq = True  # False: the pin has no IRQ, run() polls it
    merged = 0  # changes swallowed by the rate limit (the latest level still goes out)
    hw = out = None  # the board's one Hardware and sink: see share_board

    def __init__(self, hw, gpio, on_change, active_low=False, pull=None, debounce_ms=None,
                 out=None):
        """on_change(level: bool) for every accepted change; out: the device's sink
        (firmware/sink.py Out), whose .cause is self.cause while on_change runs (a bound
        method and this, not a closure per input). hw: firmware.hardware.Hardware."""
        share_board(self, Input, hw, out)
        self._pin = hw.input(gpio, pull)
        if debounce_ms is not None and debounce_ms != self.debounce_ms:
            self.debounce_ms = debounce_ms
        self._on_change = on_change
        now = hw.clock.ticks_ms()
        inv = _INV if active_low else 0
        # level, sample and sent all start at the pin's logical level
        self._st = inv | (_LEVEL | _SAMPLE | _SENT if (self._pin.value() ^ (inv >> 3)) & 1
                          else 0)
        self._since = now  # when the raw level last moved
        self._edge_t = None  # tick of the last edge the IRQ saw, until poll() takes it
        self._tokens = self.burst
        self._refill_t = now
        self._flag = None
        Pin = hw.machine.Pin
        try:
            self._pin.irq(handler=self._irq, trigger=Pin.IRQ_RISING | Pin.IRQ_FALLING)
        except Exception:  # noqa: BLE001 - e.g. ESP8266 GPIO16 has no IRQ: poll it
            self.irq = False

    @property
    def level(self):
        """The debounced logical level (bool)."""
        return self._st & _LEVEL == _LEVEL

    def _irq(self, _pin):
        # Interrupt context: store a small int and set a flag only (the clock's ticks_ms is
        # the built-in itself: no bound method is made).
        self._edge_t = self.hw.clock.ticks_ms()
        if self._flag is not None:
            self._flag.set()

    def busy(self):
        """True while a level is settling or held back by the rate limit."""
        st = self._st
        lvl = st & _LEVEL
        return self._edge_t is not None or (st >> 1) & 1 != lvl or (st >> 2) & 1 != lvl

    def poll(self):
        """Sample once; calls on_change(level) for an accepted change. Returns busy()."""
        c = self.hw.clock
        now = c.ticks_ms()
        st = self._st
        raw = (self._pin.value() ^ (st >> 3)) & 1
        t = self._edge_t
        if t is not None:
            self._edge_t = None  # (an edge landing between these two lines only shortens one wait)
            self._since = t
        elif raw != (st >> 1) & 1:
            self._since = now
        st = st & ~_SAMPLE | raw << 1
        if raw != st & _LEVEL and c.since(self._since, now) >= self.debounce_ms:
            if (st >> 2) & 1 != st & _LEVEL:
                self.merged += 1  # the previous change never went out: rate limited
            st = st & ~_LEVEL | raw
        self._st = st
        lvl = st & _LEVEL
        if (st >> 2) & 1 == lvl:
            return self.busy()
        # Token bucket: refill, then spend one on this change or hold it back.
        short = self.burst - self._tokens
        if short:
            d = c.since(self._refill_t, now)  # a quiet of days reads as long, not negative
            if d >= short * self.refill_ms:
                self._tokens = self.burst
            elif d >= self.refill_ms:
                n = d // self.refill_ms
                self._tokens += n
                self._refill_t = c.ticks_add(self._refill_t, n * self.refill_ms)
        if self._tokens == self.burst:
            self._refill_t = now  # refilling counts from the first token spent
        if self._tokens:
            self._tokens -= 1
            self._st = st & ~_SENT | lvl << 2
            out = self.out
            if out is None:
                self._on_change(lvl == 1)
            else:
                out.cause = self.cause
                try:
                    self._on_change(lvl == 1)
                finally:
                    out.cause = "schedule"
        return self.busy()


class ButtonInput(Input):
    """A push button: a press is two changes, and people press faster than PIRs chatter."""

    burst = 8
    refill_ms = 250
    cause = "button"


async def run(inputs, hw):
    """The task of every input in `inputs` (a list of Input; one task for them all: each
    task and its frame cost RAM on a small board). While nothing settles it sleeps on one
    ThreadSafeFlag that every input's IRQ sets; otherwise, or when an input has no IRQ (or
    asyncio no ThreadSafeFlag), it samples them all every poll_ms. hw: firmware.hardware."""
    flag = hw.flag()
    for i in inputs:
        if not i.irq:
            flag = None
    for i in inputs:
        i._flag = flag
    while True:
        busy = flag is None
        for i in inputs:
            if i.busy():
                busy = True
        if busy:
            await hw.sleep_ms(Input.poll_ms)
        else:
            await flag.wait()
        for i in inputs:
            try:
                i.poll()
            except Exception as e:  # noqa: BLE001 - a failing handler must not stop the input
                try:  # the failure may be the heap's: then the line may not fit either
                    hw.log("input %r: %r" % (i._pin, e))
                except MemoryError:
                    hw.log("input: handler failed (out of memory for the details)")
