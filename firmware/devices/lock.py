# lock: a relay that unlocks while energised (electric strike or bolt solenoid: a power cut
# leaves it locked), optionally a contact that reports the real bolt state.
# Sinric: setLockState lock/unlock -> LOCKED/UNLOCKED; with a contact, if the bolt has not
# followed after jam_ms the lock sends a setLockState JAMMED event, and every contact change
# that the cloud does not know yet (a key, a jam clearing) goes out as an event.
# Yango has no lock capability, and offering "on" to open a door to every voice command is
# not something we want: the lock is a read-only devices.types.sensor with an event
# property open (opened = unlocked, closed = locked); JAMMED is not shown there.
# Power-on policy: "off" (default) = locked, "on" = unlocked, "restore".
from firmware.devices.base import EVENT, SENSOR, Device, choice

_LOCKED = "LOCKED"
_UNLOCKED = "UNLOCKED"


class Lock(Device):
    yango_type = SENSOR
    jam_ms = 5000  # how long the bolt may take to follow a command

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.relay = hw.output(cfg["relay"], cfg["relay_active_low"])
        self.on = False  # relay energised = unlocked
        if cfg.get("contact") is not None:
            self.add_input(cfg["contact"], self._moved, cfg["contact_active_low"])
        self._check = None  # ticks by which the contact must agree with the command
        self.start(saved)
        self.reported = self.state()  # what the cloud was last told

    # the contact and the jam check's period come from the one input a lock may have (no
    # instance entries: this dict stays within 12 slots)
    @property
    def contact(self):
        """The bolt's contact (firmware.inputs.Input), or None."""
        return self._inputs[0] if self._inputs else None

    @property
    def poll_ms(self):
        return 200 if self._inputs else 0  # the jam check, with a contact

    def apply(self):
        self.relay.value(self.on)

    def state(self):
        """LOCKED or UNLOCKED as the contact sees it (as commanded without a contact)."""
        locked = self.contact.level if self.contact else not self.on
        return _LOCKED if locked else _UNLOCKED

    def do_setLockState(self, value, action):
        s = value.get("state")
        s = choice({"state": s.lower() if isinstance(s, str) else s}, "state",
                   ("lock", "unlock"), action)
        self.on = s == "unlock"
        self.apply()
        self.out.changed(self)
        want = _UNLOCKED if self.on else _LOCKED
        self.reported = want
        # a bolt already where it was told to be has nothing to follow: a key turned right
        # after is a change nobody asked for, not a jam
        self._check = None
        if self.contact and self.state() != want:
            c = self.hw.clock
            self._check = c.ticks_add(c.ticks_ms(), self.jam_ms)
        self._yango(want)
        return {"state": want}

    def _yango(self, state):
        self.out.yango(self, EVENT, "open", "opened" if state == _UNLOCKED else "closed")

    def _moved(self, level):
        st = self.state()
        if self._check is not None:
            if st != self.reported:
                return  # still moving: poll() judges at the deadline
            self._check = None
        if st != self.reported:
            self.reported = st
            self.out.sinric(self, "setLockState", {"state": st})
            self._yango(st)

    def poll(self):
        if self._check is not None and not self.hw.clock.until(self._check, self.jam_ms):
            self._check = None
            if self.state() != self.reported:
                self.hw.log("%s: bolt did not follow (%s wanted): JAMMED" % (self.name,
                                                                            self.reported))
                self.reported = "JAMMED"
                self.out.sinric(self, "setLockState", {"state": "JAMMED"})

    def yango_state(self):
        st = self.state()
        return [(EVENT, "open", "opened" if st == _UNLOCKED else "closed")]

    def saved(self):
        return {"on": self.on}

    def restore(self, state):
        self.on = bool(state["on"])
        self.apply()
