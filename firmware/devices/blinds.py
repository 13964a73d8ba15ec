# blinds: a motor driven up and down by two relays, position 0 (closed) .. 100 (open) tracked
# from the full travel time.
# Sinric: setRangeValue, adjustRangeValue, setPowerState (Off stops where it is; On does not
# move). No events: the blinds have no inputs. Yango: devices.types.openable.curtain,
# range open (0-100 %), reported with the target when a move starts and with the real
# position when a move is stopped early.
# Interlock: the two relays are never on together; reversing switches both off and waits
# reverse_pause_ms before the other relay closes. Moves to 0 or 100 run overrun_ms longer
# so the tracked position re-syncs with the end stops. The position is persisted when a
# move ends; both relays are always off at power-on (the power_on policy does not apply).
from firmware.devices.base import RANGE, Device, clamp, number, on_off, percent_range, state_on


class Blinds(Device):
    yango_type = "devices.types.openable.curtain"
    reverse_pause_ms = 500
    overrun_ms = 2000
    poll_ms = 50

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        al = cfg.get("relay_active_low", False)
        self.up = hw.output(cfg["up"], al)
        self.down = hw.output(cfg["down"], al)
        self.travel_ms = cfg["travel_ms"]
        self.position = 0  # percent; 0 with no saved state: the first full move re-syncs
        self.target = None  # percent while a move is running or waiting for the pause
        self.dir = 0  # +1 opening, -1 closing, 0 stopped
        self._from = 0  # position when the running move started
        self._t0 = 0  # ticks when the running move (or the reversal pause) started
        self._run_ms = 0  # length of the running move
        self._last = 0  # the way the motor last ran
        self._halt_t = hw.ticks_ms()  # when it last stopped
        if saved:
            try:
                self.restore(saved)
            except (KeyError, TypeError, ValueError) as e:
                hw.log("%s: saved state ignored (%r)" % (self.name, e))

    def _drive(self, d):
        # Whichever relay must open goes first, so both are never closed at once.
        if d <= 0:
            self.up.value(False)
        if d >= 0:
            self.down.value(False)
        if d > 0:
            self.up.value(True)
        elif d < 0:
            self.down.value(True)
        if self.dir and not d:
            self._last = self.dir
            self._halt_t = self.hw.ticks_ms()
        self.dir = d

    def now_position(self):
        if not self.dir:
            return self.position
        run = self.hw.ticks_diff(self.hw.ticks_ms(), self._t0)
        return clamp(self._from + self.dir * run * 100 / self.travel_ms, 0, 100)

    def do_setRangeValue(self, value):
        return self.move(number(value, "rangeValue", 0, 100, "setRangeValue"))

    def do_adjustRangeValue(self, value):
        d = number(value, "rangeValueDelta", -100, 100, "adjustRangeValue")
        base = self.target if self.target is not None else self.now_position()
        return self.move(clamp(base + d, 0, 100))

    def do_setPowerState(self, value):
        on = state_on(value)
        if not on:
            self.stop()
        return on_off(on)

    @staticmethod
    def _way(target, pos):
        if target != pos:
            return 1 if target > pos else -1
        return 1 if target == 100 else -1 if target == 0 else 0  # an end: re-sync

    def move(self, target):
        target = int(target + 0.5)
        d = self._way(target, self.now_position())
        if d == 0:
            self.stop()
            self.position = target
        elif d == self.dir:
            self.target = target
            self._start(d)  # same way: re-anchor the running move on the new target
        else:
            if self.dir:
                self._halt()
            self.target = target
            if not self._paused(d):
                self._start(d)  # otherwise poll() starts it after the reversal pause
        self.out.yango(self, RANGE, "open", target)
        return {"rangeValue": target}

    def _paused(self, d):
        hw = self.hw
        return d == -self._last and \
            hw.ticks_diff(hw.ticks_ms(), self._halt_t) < self.reverse_pause_ms

    def _start(self, d):
        pos = self.now_position()
        run = abs(self.target - pos) * self.travel_ms / 100
        if self.target in (0, 100):
            run += self.overrun_ms
        self._from = pos
        self._t0 = self.hw.ticks_ms()
        self._run_ms = int(run)
        self._drive(d)

    def _halt(self):
        pos = self.now_position()
        self._drive(0)
        self.position = int(pos + 0.5)

    def stop(self):
        """Both relays off where the blinds are; reports the real position."""
        if self.dir or self.target is not None:
            self._halt()
            self.target = None
            self.out.yango(self, RANGE, "open", self.position)
            self.out.changed(self)

    def poll(self):
        hw = self.hw
        if self.dir:
            if hw.ticks_diff(hw.ticks_ms(), self._t0) >= self._run_ms:
                self._drive(0)
                self.position = self.target
                self.target = None
                self.out.changed(self)
        elif self.target is not None:
            d = self._way(self.target, self.position)
            if not d:
                self.target = None
            elif not self._paused(d):
                self._start(d)

    def yango_caps(self):
        return [percent_range("open")]

    def yango_state(self):
        return [(RANGE, "open", int(self.now_position() + 0.5))]

    def saved(self):
        return {"position": int(self.now_position() + 0.5)}

    def restore(self, state):
        p = state["position"]
        if not 0 <= p <= 100:
            raise ValueError("position")
        self._drive(0)
        self.target = None
        self.position = int(p)
