# garage: a door opener pulsed by a relay (like its wall button), optionally a contact that
# closes when the door is shut.
# Sinric: setMode Open/Close (request; event when the contact changes). A request for the
# state the door is already in does not pulse (a pulse would move it the other way).
# Without a contact the state is the last request. Yango: devices.types.openable, on_off
# (on = open), plus an event property open (opened/closed) when there is a contact.
# The relay is always off at power-on; a pulse is ended by the device task.
from firmware.devices.base import EVENT, ON_OFF, Device, choice

_MODES = ("Open", "Close")


class Garage(Device):
    yango_type = "devices.types.openable"
    poll_ms = 20  # pulse resolution

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.relay = hw.output(cfg["relay"], cfg["relay_active_low"])
        self.pulse_ms = cfg["pulse_ms"]
        if cfg.get("contact") is not None:
            self.add_input(cfg["contact"], self._moved, cfg["contact_active_low"])
        self.closed = True  # tracked state without a contact
        self._pulse_end = None
        if saved:
            self.restore(saved)

    @property
    def contact(self):
        """The door's contact (firmware.inputs.Input; the one input a garage may have), or
        None: no instance entry (this dict stays within 12 slots)."""
        return self._inputs[0] if self._inputs else None

    def is_closed(self):
        return self.contact.level if self.contact else self.closed

    def do_setMode(self, value, action):
        mode = choice(value, "mode", _MODES, action)
        close = mode == "Close"
        if close != self.is_closed() and self.pulse():
            if not self.contact:
                self.closed = close
                self._yango()
                self.out.changed(self)
        return {"mode": mode}

    def pulse(self):
        """Close the relay for pulse_ms; False while a pulse is still running."""
        if self._pulse_end is not None:
            return False
        self.relay.value(True)
        c = self.hw.clock
        self._pulse_end = c.ticks_add(c.ticks_ms(), self.pulse_ms)
        return True

    def poll(self):
        if self._pulse_end is not None and \
                not self.hw.clock.until(self._pulse_end, self.pulse_ms):
            self.relay.value(False)
            self._pulse_end = None

    def _moved(self, closed):
        self.out.sinric(self, "setMode", {"mode": "Close" if closed else "Open"})
        self._yango()

    def _yango(self):
        closed = self.is_closed()
        self.out.yango(self, ON_OFF, "on", not closed)
        if self.contact:
            self.out.yango(self, EVENT, "open", "closed" if closed else "opened")

    def yango_state(self):
        closed = self.is_closed()
        s = [(ON_OFF, "on", not closed)]
        if self.contact:
            s.append((EVENT, "open", "closed" if closed else "opened"))
        return s

    def saved(self):
        return {"closed": self.is_closed()}

    def restore(self, state):
        if not self.contact:  # with one, the contact knows better
            self.closed = not (isinstance(state, dict) and state.get("closed") is False)
