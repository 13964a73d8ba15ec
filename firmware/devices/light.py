# light: RGB PWM channels (red+green+blue) and/or tunable white (warm+cold), brightness,
# colour and colour temperature; optionally a push button toggling power.
# Sinric: setPowerState, setBrightness, adjustBrightness, setColor, setColorTemperature,
# increaseColorTemperature, decreaseColorTemperature (events: setPowerState on a press).
# Yango: devices.types.light, on_off, range brightness, color_setting (rgb when RGB pins are
# present, temperature_k 2200-7000 K always).
# The last colour request wins: setColor shows the colour on RGB, setColorTemperature shows
# white on warm/cold (or a white mixed from RGB when there are no warm/cold pins).
from firmware.devices.base import COLOR, RANGE, Powered, cap, clamp, number, percent_range

TEMPS = (2200, 2700, 4000, 5500, 7000)  # the colour temperatures Alexa steps through
_KMIN = 2200
_KMAX = 7000


def _mix_white(kelvin):
    # Candle-ish to daylight-ish on plain RGB LEDs: linear between two white points.
    t = (kelvin - _KMIN) / (_KMAX - _KMIN)
    return (255 - 55 * t, 160 + 60 * t, 60 + 195 * t)


class Light(Powered):
    yango_type = "devices.types.light"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        f = cfg.get("freq", 1000)
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
        b = self.brightness / 100 if self.on else 0
        if self.rgb:
            c = (0, 0, 0) if self.white and self.cw else _mix_white(self.kelvin) if self.white \
                else self.color
            for pwm, v in zip(self.rgb, c):
                pwm.set(v * b / 255)
        if self.cw:
            t = (self.kelvin - _KMIN) / (_KMAX - _KMIN) if self.white else 0
            w = b if self.white else 0
            self.cw[0].set(w * (1 - t))
            self.cw[1].set(w * t)

    def do_setBrightness(self, value):
        return self.set_brightness(number(value, "brightness", 0, 100, "setBrightness"))

    def do_adjustBrightness(self, value):
        d = number(value, "brightnessDelta", -100, 100, "adjustBrightness")
        return self.set_brightness(clamp(self.brightness + d, 0, 100))

    def set_brightness(self, b):
        b = int(b + 0.5)
        if b != self.brightness:
            self.brightness = b
            self.apply()
            self.out.yango(self, RANGE, "brightness", b)
            self.out.changed(self)
        return {"brightness": b}

    def do_setColor(self, value):
        c = value.get("color")
        if not isinstance(c, dict):
            raise ValueError('setColor: "color" must be {"r","g","b"}')
        rgb = tuple(int(number(c, k, 0, 255, "setColor")) for k in "rgb")
        if self.rgb is None:
            raise ValueError("setColor: %s has no RGB channels" % self.name)
        if rgb != self.color or self.white:
            self.color = rgb
            self.white = False
            self.apply()
            self.out.yango(self, COLOR, "rgb", rgb[0] << 16 | rgb[1] << 8 | rgb[2])
            self.out.changed(self)
        return {"color": {"r": rgb[0], "g": rgb[1], "b": rgb[2]}}

    def do_setColorTemperature(self, value):
        k = number(value, "colorTemperature", _KMIN, _KMAX, "setColorTemperature")
        return self.set_kelvin(int(k))

    def do_increaseColorTemperature(self, value):
        return self.set_kelvin(next((t for t in TEMPS if t > self.kelvin), _KMAX))

    def do_decreaseColorTemperature(self, value):
        return self.set_kelvin(next((t for t in reversed(TEMPS) if t < self.kelvin), _KMIN))

    def set_kelvin(self, k):
        if k != self.kelvin or not self.white:
            self.kelvin = k
            self.white = True
            self.apply()
            self.out.yango(self, COLOR, "temperature_k", k)
            self.out.changed(self)
        return {"colorTemperature": k}

    def color_state(self):
        if self.white:
            return COLOR, "temperature_k", self.kelvin
        r, g, b = self.color
        return COLOR, "rgb", r << 16 | g << 8 | b

    def yango_caps(self):
        p = {"temperature_k": {"min": _KMIN, "max": _KMAX}}
        if self.rgb:
            p["color_model"] = "rgb"
        return Powered.yango_caps(self) + [percent_range("brightness"), cap(COLOR, p)]

    def yango_state(self):
        return Powered.yango_state(self) + [(RANGE, "brightness", self.brightness),
                                            self.color_state()]

    def saved(self):
        return {"on": self.on, "brightness": self.brightness, "color": list(self.color),
                "kelvin": self.kelvin, "white": self.white}

    def restore(self, state):
        b = state["brightness"]
        k = state["kelvin"]
        c = tuple(int(clamp(v, 0, 255)) for v in state["color"])
        if len(c) != 3 or not 0 <= b <= 100 or not _KMIN <= k <= _KMAX:
            raise ValueError("light state")
        self.brightness = int(b)
        self.kelvin = int(k)
        self.color = c
        self.white = bool(state["white"]) or self.rgb is None
        Powered.restore(self, state)
