# doorbell: `button` (active low by default).
#   Sinric: DoorbellPress events {"state": "pressed"}; setPowerState is answered (Sinric's
#   doorbell has a power state) but changes nothing: the bell always rings.
#   Yango: devices.types.sensor, event property button (click), momentary:
#   retrievable false and never in a state query.
from firmware.devices.base import EVENT, SENSOR, Device, on_off, state_on


class Doorbell(Device):
    yango_type = SENSOR

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)
        self.add_button()

    def _button(self, pressed):
        if pressed:
            self.hw.log("%s: pressed (button)" % self.name)
            self.out.sinric(self, "DoorbellPress", {"state": "pressed"})
            self.out.yango(self, EVENT, "button", "click")

    def do_setPowerState(self, value, action):
        return on_off(state_on(value))
