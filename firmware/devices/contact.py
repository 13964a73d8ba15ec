# contact: a reed switch that closes the circuit when the door/window is shut (active low by
# default, with the internal pull-up).
# Sinric: setContactState events {"state": "closed"|"open"}. Yango: devices.types.sensor.open,
# event property open (opened/closed).
from firmware.devices.base import EVENT, Device, event_prop


class Contact(Device):
    yango_type = "devices.types.sensor.open"

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.reed = self.add_input(cfg["pin"], self._edge, cfg.get("active_low", True))

    def _edge(self, closed):
        self.out.sinric(self, "setContactState", {"state": "closed" if closed else "open"})
        self.out.yango(self, EVENT, "open", "closed" if closed else "opened")

    def yango_props(self):
        return [event_prop("open", ("opened", "closed"))]

    def yango_state(self):
        return [(EVENT, "open", "closed" if self.reed.level else "opened")]
