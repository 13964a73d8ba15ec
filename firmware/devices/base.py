# What every device type shares: the contract the app relies on (handle, yango_state,
# saved/restore, tasks) and request-value checks. Yango discovery (a device's entry) is
# firmware/devices/discovery.py's entry(dev), loaded only while it is used.
#
# A type subclasses Device (or Powered, for an output that is on or off), builds its pins
# from `hw` in __init__, answers Sinric actions with `do_<action>(value, action) -> dict`
# methods (validate everything first: raise ValueError before any pin moves; one method may
# serve a set/adjust pair through a class-level alias), and tells the rest of
# the board through `out`: out.sinric(dev, action, value, cause) for Sinric events,
# out.yango(dev, type, instance, value) for Yango state reports, out.changed(dev) when
# saved() would now return something new.
from firmware.inputs import ButtonInput, Input, share_board
from firmware.inputs import run as run_inputs

ON_OFF = "devices.capabilities.on_off"
RANGE = "devices.capabilities.range"
COLOR = "devices.capabilities.color_setting"
MODE = "devices.capabilities.mode"
FLOAT = "devices.properties.float"
EVENT = "devices.properties.event"
# Plain sensor for every sensing type: the sensor.* subtypes are unconfirmed on Yango
# (docs/yango.md §0).
SENSOR = "devices.types.sensor"


def number(value, key, lo, hi, action):
    """value[key] as a number in lo..hi, or ValueError naming the action and the key."""
    v = value.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise ValueError('%s: "%s" must be a number from %s to %s, got %r'
                         % (action, key, lo, hi, v))
    return v


def choice(value, key, options, action):
    v = value.get(key)
    if v not in options:
        raise ValueError('%s: "%s" must be one of %s, got %r'
                         % (action, key, "/".join(options), v))
    return v


def setting(value, action, key, lo, hi, now, delta_key=None):
    """A set/adjust pair: value[key] in lo..hi, or for an adjust... action the delta in
    value[delta_key or key + "Delta"] added to `now` (and clamped)."""
    if action.startswith("adjust"):
        span = hi - lo
        v = now + number(value, delta_key or key + "Delta", -span, span, action)
        return lo if v < lo else hi if v > hi else v
    return number(value, key, lo, hi, action)


def state_on(value):
    return choice(value, "state", ("On", "Off"), "setPowerState") == "On"


# one dict each, shared: a response or event value is only read (serialised), never changed
_ON = {"state": "On"}
_OFF = {"state": "Off"}


def on_off(on):
    return _ON if on else _OFF


# action -> "do_" + action, for the actions some type has: no str made per request (bounded:
# only names a class defines are kept)
_DO = {}


class Device:
    # yango_type: the Yango device type (firmware/devices/discovery.py: "devices.types.other"
    # when a class names none; not a default here: every class entry is RAM)
    poll_ms = 0  # > 0: tasks() includes a loop calling self.poll() every poll_ms
    _inputs = ()  # add_input makes a tuple of the device's own: no list per device
    hw = out = None  # the board's one Hardware and sink: see firmware.inputs.share_board
    # The config entry of the device being built, on the class: devices are built one at a
    # time and read it only while built (firmware/services.py clears it), so it takes no
    # entry in every device's dict.
    cfg = None
    _type = ""  # the config's type name when it is not the class's own (see type)

    def __init__(self, cfg, hw, out):
        Device.cfg = cfg
        t = cfg.get("type")
        if t != type(self).__name__.lower():
            self._type = t
        share_board(self, Device, hw, out)
        self.name = cfg["name"]
        self.sinric_id = cfg.get("sinric_id")
        self.yango_id = cfg.get("yango_id")

    @property
    def type(self):
        """The config's type name ("switch"...): the class's own name in lower case for the
        built-in types, no entry in the device's dict."""
        t = self._type
        return type(self).__name__.lower() if t == "" else t

    def handle(self, action, value, instance_id=None):
        """Sinric request -> response value dict; None for an action this type lacks."""
        if not isinstance(action, str):
            return None
        name = _DO.get(action)
        # the class's function, called with self: no bound method per request
        fn = getattr(type(self), name or "do_" + action, None)
        if fn is None:
            return None
        if name is None:
            _DO[action] = "do_" + action
        if not isinstance(value, dict):
            raise ValueError("%s: value must be an object" % action)
        return fn(self, value, action)

    def sinric_request(self, action, value, instance_id=None):
        """handle() as the Sinric client calls it, through out.request (firmware/sink.py:
        the request's sender is the cause of a change)."""
        return self.out.request(self, action, value, instance_id)

    # the device is its own Sinric request handler (firmware/services.py registers it): a
    # call on an instance makes no object, where a bound method per device stays resident
    __call__ = sinric_request

    def yango_state(self):
        """[(type, instance, value)] for every known state; unknown values are left out."""
        return []

    def saved(self):
        """The state to persist: a new dict each call (the state store keeps it)."""
        return {}

    def restore(self, state):
        pass

    def tasks(self, inputs=None):
        """The device's coroutines. inputs: a list to add its inputs to instead, so that
        one task runs every input of the board (firmware.sink.Devices.run)."""
        t = []
        if inputs is not None:
            inputs += self._inputs
        elif self._inputs:
            t.append(run_inputs(self._inputs, self.hw))
        if self.poll_ms:
            t.append(self._loop())
        return t

    async def _loop(self):
        while True:
            await self.hw.sleep_ms(self.poll_ms)
            try:
                self.poll()  # out.cause stays "schedule" (what the sink resets it to)
            except Exception as e:  # noqa: BLE001 - log it and keep the device alive
                try:  # the failure may be the heap's: then the line may not fit either
                    self.hw.log("%s: poll: %r" % (self.name, e))
                except MemoryError:
                    self.hw.log("device poll failed (out of memory for the details)")

    def add_input(self, gpio, on_change, active_low, pull=True, button=False):
        """A debounced input; pull=True picks pull-up for active-low, pull-down otherwise."""
        if pull is True:
            pull = "up" if active_low else "down"
        # the input sets out.cause ("button" or "input") around on_change: the reason in a
        # change's log line, with no closure per input
        i = (ButtonInput if button else Input)(self.hw, gpio, on_change, active_low, pull,
                                               self.cfg.get("debounce_ms"), self.out)
        self._inputs += (i,)
        return i

    def add_button(self):
        """The optional `button` (active low unless button_active_low is false) calls
        self._button(pressed) on every debounced change."""
        gpio = self.cfg.get("button")
        if gpio is not None:
            self.add_input(gpio, self._button, self.cfg["button_active_low"],
                           button=True)

    def start(self, saved):
        """Restore saved state (a corrupt one is logged and ignored), apply the power_on
        policy ("off" by default, "on", or "restore": the saved power state) to self.on,
        then drive the outputs."""
        if saved:
            try:
                self.restore(saved)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                self.hw.log("%s: saved state ignored (%r)" % (self.name, e))
        policy = self.cfg.get("power_on")  # types without the field: off
        if policy != "restore":
            self.on = policy == "on"
        self.apply()

    def apply(self):
        """Drive the outputs from the state attributes."""


class Powered(Device):
    """An output that is on or off: Sinric setPowerState (a button press toggles it and
    sends the event), Yango on_off."""

    def __init__(self, cfg, hw, out):
        Device.__init__(self, cfg, hw, out)
        self.on = False

    def do_setPowerState(self, value, action):
        return self.set_power(state_on(value))

    def set_power(self, on, physical=False):
        if on != self.on:
            self.on = on
            self.apply()
            self.out.yango(self, ON_OFF, "on", self.yango_on())
            self.out.changed(self)
        if physical:
            self.out.sinric(self, "setPowerState", on_off(on))
        return on_off(on)

    def _button(self, pressed):
        if pressed:
            self.set_power(not self.on, True)

    def yango_on(self):
        return self.on

    def yango_state(self):
        return [(ON_OFF, "on", self.yango_on())]

    def saved(self):
        return {"on": self.on}

    def restore(self, state):
        self.on = bool(state["on"])
        self.apply()
