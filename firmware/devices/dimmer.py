# dimmer: one PWM channel with power and level, optionally a push button toggling power.
# Sinric: setPowerState, setPowerLevel, adjustPowerLevel (events: setPowerState on a press).
# Yango: devices.types.light, on_off + range brightness (0-100 %).
# Power and level are independent, as in Sinric's model: a level set while off is kept for
# the next "on".
from firmware.devices.base import RANGE, Powered, setting


class Dimmer(Powered):
    yango_type = "devices.types.light"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        self.level = 100
        self.pwm = hw.pwm(cfg["pwm"], cfg["freq"])
        self.start(saved)
        self.add_button()

    def apply(self):
        self.pwm.duty(self.level / 100 if self.on else 0.0)

    def do_setPowerLevel(self, value, action):
        level = int(setting(value, action, "powerLevel", 0, 100, self.level) + 0.5)
        if level != self.level:
            self.level = level
            self.apply()
            self.out.yango(self, RANGE, "brightness", level)
            self.out.changed(self)
        return {"powerLevel": level}

    do_adjustPowerLevel = do_setPowerLevel

    def yango_state(self):
        return [Powered.yango_state(self)[0], (RANGE, "brightness", self.level)]

    def saved(self):
        return {"on": self.on, "level": self.level}

    def restore(self, state):
        level = state["level"]
        if not 0 <= level <= 100:
            raise ValueError("level")
        self.level = int(level)
        Powered.restore(self, state)
