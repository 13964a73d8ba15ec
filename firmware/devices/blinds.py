# blinds: a motor driven up and down by two relays, position 0 (closed) .. 100 (open) tracked
# from the full travel time.
# Sinric: setRangeValue, adjustRangeValue, setPowerState (Off stops where it is; On does not
# move). No events: the blinds have no inputs. Yango: devices.types.openable.curtain,
# range open (0-100 %), reported with the target when a move starts and with the real
# position when a move is stopped early.
# Interlock: the two relays are never on together, and the motor rests reverse_pause_ms
# before it runs the other way. Moves to 0 or 100 run overrun_ms longer so the tracked
# position re-syncs with the end stops. The position is persisted when a move ends; both
# relays are always off at power-on (the power_on policy does not apply).
from firmware.devices.base import RANGE, Device, on_off, setting, state_on


class Blinds(Device):
    yango_type = "devices.types.openable.curtain"
    reverse_pause_ms = 500
    overrun_ms = 2000
    poll_ms = 50

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        al = cfg["relay_active_low"]
        self.up = hw.output(cfg["up"], al)
        self.down = hw.output(cfg["down"], al)
        self.travel_ms = cfg["travel_ms"]
        self.position = 0  # percent; 0 with no saved state: the first full move re-syncs
        self.target = None  # percent while a move runs or waits out the reversal pause
        self.dir = 0  # +1 opening, -1 closing, 0 stopped
        self._from = 0  # position when the running move started
        self._run_ms = 0  # length of the running move
        self._last = 0  # the way the motor last ran
        # ticks when the running move started, or (stopped) when the motor last stopped,
        # read with since(): one entry for both (this dict then stays within 17 slots)
        self._t = hw.clock.ticks_ms()
        if saved:
            try:
                self.restore(saved)
            except (KeyError, TypeError, ValueError) as e:
                hw.log("%s: saved state ignored (%r)" % (self.name, e))

    def now_position(self):
        if not self.dir:
            return self.position
        run = self.hw.clock.since(self._t)
        p = self._from + self.dir * run * 100 / self.travel_ms
        return 0 if p < 0 else 100 if p > 100 else p

    def _drive(self, d):
        """Relays for way d (+1, -1, 0): whichever must open goes first. Stopping fixes the
        position and starts the reversal pause."""
        if self.dir and not d:
            self.position = int(self.now_position() + 0.5)  # (reads the start's _t first)
            self._last = self.dir
            self._t = self.hw.clock.ticks_ms()
        if d <= 0:
            self.up.value(False)
        if d >= 0:
            self.down.value(False)
        if d > 0:
            self.up.value(True)
        elif d < 0:
            self.down.value(True)
        self.dir = d

    def do_setRangeValue(self, value, action):
        base = self.target if self.target is not None else self.now_position()
        target = int(setting(value, action, "rangeValue", 0, 100, base) + 0.5)
        self.target = target
        if self.dir:
            d = self._way(target, self.now_position())
            if d == self.dir:
                self._start(d, self.hw.clock.ticks_ms())  # same way: re-aim the running move
            else:
                self._drive(0)  # reversing (after the pause) or already there
        self.poll()
        self.out.yango(self, RANGE, "open", target)
        return {"rangeValue": target}

    do_adjustRangeValue = do_setRangeValue

    def do_setPowerState(self, value, action):
        on = state_on(value)
        if not on and (self.dir or self.target is not None):
            self._drive(0)
            self.target = None
            self.out.yango(self, RANGE, "open", self.position)
            self.out.changed(self)
        return on_off(on)

    @staticmethod
    def _way(target, pos):
        if target != pos:
            return 1 if target > pos else -1
        return 1 if target == 100 else -1 if target == 0 else 0  # at an end: re-sync

    def poll(self):
        c = self.hw.clock
        now = c.ticks_ms()
        if self.dir:
            if c.since(self._t, now) >= self._run_ms:
                self._drive(0)
                self.position = self.target
                self.target = None
                self.out.changed(self)
            return
        if self.target is None:
            return
        d = self._way(self.target, self.position)
        if not d:
            self.target = None
            self.out.changed(self)
        # since(): stopped for a week reads as long ago, not as the future (ticks wrap)
        elif d != -self._last or c.since(self._t, now) >= self.reverse_pause_ms:
            self._start(d, now)

    def _start(self, d, now):
        pos = self.now_position()
        self._from = pos
        self._t = now
        self._run_ms = int(abs(self.target - pos) * self.travel_ms / 100)
        if self.target in (0, 100):
            self._run_ms += self.overrun_ms
        self._drive(d)

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
