# motion: a PIR output (active high by default, driven by the sensor: no pull resistor).
# Sinric: motion events {"state": "detected"|"notDetected"}. Yango: devices.types.sensor.motion,
# event property motion (detected/not_detected).
from firmware.devices.base import EVENT, Device, event_prop


class Motion(Device):
    yango_type = "devices.types.sensor.motion"

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.pir = self.add_input(cfg["pin"], self._edge, cfg.get("active_low", False), None)

    def _edge(self, detected):
        self.out.sinric(self, "motion", {"state": "detected" if detected else "notDetected"})
        self.out.yango(self, EVENT, "motion", "detected" if detected else "not_detected")

    def yango_props(self):
        return [event_prop("motion", ("detected", "not_detected"))]

    def yango_state(self):
        return [(EVENT, "motion", "detected" if self.pir.level else "not_detected")]
