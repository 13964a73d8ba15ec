# thermostat: a heater relay switched by a DHT reading with hysteresis.
# Sinric: setPowerState, targetTemperature, adjustTargetTemperature, setThermostatMode
# (HEAT, AUTO = HEAT for a heater, ECO = target - eco_offset, OFF; COOL is refused: the relay
# only heats), currentTemperature events as the temperature type.
# Yango: devices.types.thermostat, on_off (power and mode not OFF), range temperature
# (min_target..max_target degC, precision 0.5), mode thermostat (heat/auto/eco), float
# temperature and humidity.
# Control: heat when t <= setpoint - hysteresis, stop when t >= setpoint + hysteresis, hold in
# between. No reading, a lost sensor (max_failures failed reads in a row, any failure), power
# off or mode OFF all switch the relay off; a lost sensor is reported (firmware/devices/
# temperature.py). Power-on policy applies to power; target and mode are restored
# from saved state whatever the policy.
from firmware.devices.base import MODE, ON_OFF, RANGE, Powered, choice, setting
from firmware.devices.temperature import Climate

_MODES = ("HEAT", "AUTO", "ECO", "OFF")


class Thermostat(Powered):
    yango_type = "devices.types.thermostat"
    poll_ms = 500
    eco_offset = 3.0
    min_target = 5
    max_target = 35
    # defaults an instance overrides only when it differs (its dict then stays within 12
    # slots): the config's default hysteresis, the mode until it is changed or restored
    hysteresis = 0.5
    mode = "HEAT"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        self.relay = hw.output(cfg["relay"], cfg["relay_active_low"])
        self.climate = Climate(self, cfg)
        if cfg["hysteresis"] != self.hysteresis:
            self.hysteresis = cfg["hysteresis"]
        self.target = min(self.max_target, max(self.min_target, cfg["target"]))
        self.heating = False
        self.start(saved)

    def setpoint(self):
        return self.target - self.eco_offset if self.mode == "ECO" else self.target

    def apply(self):
        t = self.climate.temperature
        if not self.on or self.mode == "OFF" or t is None:
            heat = False
        elif t <= self.setpoint() - self.hysteresis:
            heat = True
        elif t >= self.setpoint() + self.hysteresis:
            heat = False
        else:
            heat = self.heating
        if heat != self.heating:
            self.hw.log("%s: heater %s at %s C (setpoint %s)" % (
                self.name, "on" if heat else "off", t, self.setpoint()))
        self.heating = heat
        self.relay.value(heat)

    def yango_on(self):
        # a lost sensor shows as off in Yango: the heater is off, whatever the power state
        return self.on and self.mode != "OFF" and not self.climate.lost

    def do_targetTemperature(self, value, action):
        t = round(setting(value, action, "temperature", self.min_target, self.max_target,
                          self.target, "temperature"), 1)
        if t != self.target:
            self.target = t
            self.apply()
            self.out.yango(self, RANGE, "temperature", t)
            self.out.changed(self)
        return {"temperature": t}

    do_adjustTargetTemperature = do_targetTemperature

    def do_setThermostatMode(self, value, action):
        m = value.get("thermostatMode")
        if m == "COOL":
            raise ValueError("setThermostatMode: %s only heats, COOL is not supported"
                             % self.name)
        m = choice(value, "thermostatMode", _MODES, action)
        if m != self.mode:
            was_on = self.yango_on()
            self.mode = m
            self.apply()
            if m != "OFF":
                self.out.yango(self, MODE, "thermostat", m.lower())
            if self.yango_on() != was_on:
                self.out.yango(self, ON_OFF, "on", self.yango_on())
            self.out.changed(self)
        return {"thermostatMode": m}

    def poll(self):
        was = self.yango_on()
        if self.climate.poll():
            self.apply()
        if self.yango_on() != was:
            self.out.yango(self, ON_OFF, "on", self.yango_on())

    def yango_state(self):
        s = Powered.yango_state(self) + [(RANGE, "temperature", self.target)]
        if self.mode != "OFF":
            s.append((MODE, "thermostat", self.mode.lower()))
        return s + self.climate.state()

    def saved(self):
        return {"on": self.on, "mode": self.mode, "target": self.target}

    def restore(self, state):
        m = state["mode"]
        t = state["target"]
        if m not in _MODES or not self.min_target <= t <= self.max_target:
            raise ValueError("thermostat state")
        if m != self.mode:
            self.mode = m
        self.target = t
        Powered.restore(self, state)
