# light: RGB PWM channels (red+green+blue) and/or tunable white (warm+cold), brightness,
# colour and colour temperature; optionally a push button toggling power.
# Sinric: setPowerState, setBrightness, adjustBrightness, setColor, setColorTemperature,
# increaseColorTemperature, decreaseColorTemperature (events: setPowerState on a press).
# Yango: devices.types.light, on_off, range brightness, color_setting (rgb when RGB pins are
# present, temperature_k 2200-7000 K always).
# The last colour request wins: setColor shows the colour on RGB, setColorTemperature shows
# white on warm/cold (or a white mixed from RGB when there are no warm/cold pins).
from firmware.devices.base import COLOR, RANGE, Powered, number, setting

TEMPS = (2200, 2700, 4000, 5500, 7000)  # the colour temperatures Alexa steps through


class Light(Powered):
    yango_type = "devices.types.light"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        f = cfg["freq"]
        self.rgb = None
        self.cw = None
        if "red" in cfg:
            self.rgb = (hw.pwm(cfg["red"], f), hw.pwm(cfg["green"], f), hw.pwm(cfg["blue"], f))
        if "warm" in cfg:
            self.cw = (hw.pwm(cfg["warm"], f), hw.pwm(cfg["cold"], f))
        self.brightness = 100
        self.color = (255, 255, 255)
        self.kelvin = 2700
        self.white = self.cw is not None or self.rgb is None  # showing kelvin, not color
        self.start(saved)
        self.add_button()

    def apply(self):
        b = self.brightness / 100 if self.on else 0.0
        t = (self.kelvin - 2200) / 4800  # 0 warmest .. 1 coldest
        if self.rgb:
            c = self.color
            if self.white:
                # White on RGB LEDs only when there is no white channel: candle to daylight.
                c = (0, 0, 0) if self.cw else (255 - 55 * t, 160 + 60 * t, 60 + 195 * t)
            for pwm, v in zip(self.rgb, c):
                pwm.duty(v * b / 255)
        if self.cw:
            w = b if self.white else 0.0
            self.cw[0].duty(w * (1 - t))
            self.cw[1].duty(w * t)

    def do_setBrightness(self, value, action):
        b = int(setting(value, action, "brightness", 0, 100, self.brightness) + 0.5)
        if b != self.brightness:
            self.brightness = b
            self.apply()
            self.out.yango(self, RANGE, "brightness", b)
            self.out.changed(self)
        return {"brightness": b}

    do_adjustBrightness = do_setBrightness

    def do_setColor(self, value, action):
        c = value.get("color")
        if not isinstance(c, dict):
            raise ValueError('setColor: "color" must be {"r","g","b"}')
        rgb = (int(number(c, "r", 0, 255, action)), int(number(c, "g", 0, 255, action)),
               int(number(c, "b", 0, 255, action)))
        if self.rgb is None:
            raise ValueError("setColor: %s has no RGB channels" % self.name)
        if rgb != self.color or self.white:
            self.color = rgb
            self.white = False
            self._changed()
        return {"color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}

    def do_setColorTemperature(self, value, action):
        k = self.kelvin
        if action == "setColorTemperature":
            k = int(number(value, "colorTemperature", 2200, 7000, action))
        else:  # the next of Alexa's steps up or down
            up = action == "increaseColorTemperature"
            k = 7000 if up else 2200
            for t in TEMPS:
                if (t > self.kelvin and t < k) if up else (k < t < self.kelvin):
                    k = t
        if k != self.kelvin or not self.white:
            self.kelvin = k
            self.white = True
            self._changed()
        return {"colorTemperature": k}

    do_increaseColorTemperature = do_setColorTemperature
    do_decreaseColorTemperature = do_setColorTemperature

    def _changed(self):
        self.apply()
        self.out.yango(self, *self.yango_state()[2])
        self.out.changed(self)

    def yango_state(self):
        r, g, b = self.color
        return [Powered.yango_state(self)[0], (RANGE, "brightness", self.brightness),
                (COLOR, "temperature_k", self.kelvin) if self.white else
                (COLOR, "rgb", r << 16 | g << 8 | b)]

    def saved(self):
        return {"on": self.on, "brightness": self.brightness, "color": list(self.color),
                "kelvin": self.kelvin, "white": self.white}

    def restore(self, state):
        b = state["brightness"]
        k = state["kelvin"]
        r, g, bl = state["color"]
        c = (int(r), int(g), int(bl))
        if not (0 <= b <= 100 and 2200 <= k <= 7000 and 0 <= min(c) and max(c) <= 255):
            raise ValueError("light state")
        self.brightness = int(b)
        self.kelvin = int(k)
        self.color = c
        self.white = bool(state["white"]) or self.rgb is None
        Powered.restore(self, state)
