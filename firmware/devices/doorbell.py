# doorbell: a push button (active low by default).
# Sinric: DoorbellPress events {"state": "pressed"}; setPowerState is answered (Sinric's
# doorbell has a power state) but changes nothing: the bell always rings.
# Yango: devices.types.sensor.button, event property button (click), momentary:
# retrievable false, never in a state query.
from firmware.devices.base import EVENT, Device, event_prop, on_off, state_on


class Doorbell(Device):
    yango_type = "devices.types.sensor.button"

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.add_button()

    def _button(self, pressed):
        if pressed:
            self.out.sinric(self, "DoorbellPress", {"state": "pressed"})
            self.out.yango(self, EVENT, "button", "click")

    def do_setPowerState(self, value):
        return on_off(state_on(value))

    def yango_props(self):
        return [event_prop("button", ("click",), retrievable=False)]
