# Inputs that only report: Edge (a debounced input whose both levels are events) and motion
# (PIR); the contact (reed switch) is an Edge in firmware/devices/contact.py and the doorbell
# (push button) firmware/devices/doorbell.py: a board pays RAM only for the classes its
# config uses.
#
# motion: `pin`, active high by default and driven by the PIR itself (no pull resistor).
#   Sinric: motion events {"state": "detected"|"notDetected"}.
#   Yango: devices.types.sensor, event property motion (detected/not_detected).
from firmware.devices.base import EVENT, SENSOR, Device


class Edge(Device):
    """A debounced input whose both levels are events; subclasses only name them."""

    yango_type = SENSOR
    pull = None  # pull resistor: None, or True for the one that fits active_low
    action = ""  # Sinric event
    states = ()  # Sinric values for (active, idle)
    instance = ""  # Yango event instance
    events = ()  # Yango values for (active, idle)

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.add_input(cfg["pin"], self._edge, cfg["active_low"], self.pull)

    @property
    def input(self):
        """The debounced input (firmware.inputs.Input): the one an Edge has (no instance
        entry: the dict stays within 8 slots)."""
        return self._inputs[0]

    def _edge(self, active):
        i = 0 if active else 1
        self.hw.log("%s: %s -> %s (input)" % (self.name, self.states[1 - i], self.states[i]))
        self.out.sinric(self, self.action, {"state": self.states[i]})
        self.out.yango(self, EVENT, self.instance, self.events[i])

    def yango_state(self):
        return [(EVENT, self.instance, self.events[0 if self.input.level else 1])]


class Motion(Edge):
    action = "motion"
    states = ("detected", "notDetected")
    instance = "motion"
    events = ("detected", "not_detected")

