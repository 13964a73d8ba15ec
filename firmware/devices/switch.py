# switch: one relay, optionally a push button that toggles it.
# Sinric: setPowerState (request and event). Yango: devices.types.switch, on_off.
from firmware.devices.base import Powered


class Switch(Powered):
    yango_type = "devices.types.switch"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        self.relay = hw.output(cfg["relay"], cfg["relay_active_low"])
        self.start(saved)
        self.add_button()

    def apply(self):
        self.relay.value(self.on)
