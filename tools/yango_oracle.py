"""The Yango vocabulary and the (type, instance) pairs a declaration provides, as the Yango
callback double judges them: transcribed from docs/yango.md §3-§4 on its own, never imported from
the project's Yango code (lib/yango, tools/yango: what builds and sends the declarations and
states). A double that used that code would accept any word the project got wrong.
"""

CAP = "devices.capabilities."
PROP = "devices.properties."

# docs/yango.md §3: instances per capability
COLOR_INSTANCES = ("rgb", "hsv", "temperature_k", "scene")
SCENES = {"alarm", "alice", "candle", "dinner", "fantasy", "garland", "jungle", "movie", "neon",
          "night", "ocean", "party", "reading", "rest", "romance", "siren", "sunrise",
          "sunset"}
TOGGLE_INSTANCES = ("backlight", "controls_locked", "ionization", "keep_warm", "mute",
                    "oscillation", "pause")
# docs/yango.md §3 range table: instance -> allowed units ([] = no unit)
RANGE_UNITS = {
    "brightness": ["unit.percent"], "channel": [], "humidity": ["unit.percent"],
    "open": ["unit.percent"],
    "temperature": ["unit.temperature.celsius", "unit.temperature.kelvin"], "volume": [],
}
# docs/yango.md §3.1
MODE_INSTANCES = ("cleanup_mode", "coffee_mode", "dishwashing", "fan_speed", "heat",
                  "input_source", "program", "swing", "tea_mode", "thermostat",
                  "ventilation_mode", "work_speed")
MODE_VALUES = set(
    "auto eco smart turbo cool dry fan_only heat preheat high low medium max min fast slow "
    "express normal quiet horizontal stationary vertical supply_air extraction_air one two "
    "three four five six seven eight nine ten wet_cleaning dry_cleaning mixed_cleaning "
    "americano cappuccino double espresso double_espresso latte black_tea flower_tea "
    "green_tea herbal_tea oolong_tea puerh_tea red_tea white_tea glass intensive pre_rinse "
    "aspic baby_food baking bread boiling cereals cheesecake deep_fryer dessert fowl frying "
    "macaroni milk_porridge multicooker pasta pilaf pizza sauce slow_cook soup steam stewing "
    "vacuum yogurt".split())
# docs/yango.md §4.1: float instance -> allowed units
FLOAT_UNITS = {
    "amperage": ["unit.ampere"], "battery_level": ["unit.percent"], "co2_level": ["unit.ppm"],
    "electricity_meter": ["unit.kilowatt_hour"], "food_level": ["unit.percent"],
    "gas_meter": ["unit.cubic_meter"], "heat_meter": ["unit.gigacalorie"],
    "humidity": ["unit.percent"], "illumination": ["unit.illumination.lux"], "meter": [],
    "pm1_density": ["unit.density.mcg_m3"], "pm2.5_density": ["unit.density.mcg_m3"],
    "pm10_density": ["unit.density.mcg_m3"], "power": ["unit.watt"],
    "pressure": ["unit.pressure.pascal", "unit.pressure.mmhg", "unit.pressure.atm",
                 "unit.pressure.bar"],
    "temperature": ["unit.temperature.celsius", "unit.temperature.kelvin"],
    "tvoc": ["unit.density.mcg_m3"], "voltage": ["unit.volt"], "water_level": ["unit.percent"],
    "water_meter": ["unit.cubic_meter"],
}
# docs/yango.md §4.2: event instance -> allowed values
EVENT_VALUES = {
    "vibration": ["tilt", "fall", "vibration"], "open": ["opened", "closed"],
    "button": ["click", "double_click", "long_press"], "motion": ["detected", "not_detected"],
    "smoke": ["detected", "not_detected", "high"], "gas": ["detected", "not_detected", "high"],
    "battery_level": ["low", "normal", "high"], "food_level": ["empty", "low", "normal"],
    "water_level": ["empty", "low", "normal"], "water_leak": ["dry", "leak"],
}


def instances(t):
    """Known instances of a capability/property type, or None for an unknown type."""
    return {CAP + "on_off": ["on"], CAP + "color_setting": list(COLOR_INSTANCES),
            CAP + "mode": list(MODE_INSTANCES), CAP + "toggle": list(TOGGLE_INSTANCES),
            CAP + "range": list(RANGE_UNITS), PROP + "float": list(FLOAT_UNITS),
            PROP + "event": list(EVENT_VALUES)}.get(t)


def units(t, inst):
    """Allowed units of a range/float instance ([] = none), None when unknown."""
    return {CAP + "range": RANGE_UNITS, PROP + "float": FLOAT_UNITS}.get(t, {}).get(inst)


def declared_pairs(decl):
    """[(type, instance)] a declared capability/property dict provides (docs/yango.md §3-§4):
    color_setting gives its color_model (rgb/hsv), temperature_k and scene when declared;
    video_stream none; every other type its parameters.instance."""
    t = decl.get("type")
    p = decl.get("parameters") or {}
    if t == CAP + "on_off":
        return [(t, "on")]
    if t == CAP + "color_setting":
        out = []
        if p.get("color_model") in ("rgb", "hsv"):
            out.append((t, p["color_model"]))
        if p.get("temperature_k"):
            out.append((t, "temperature_k"))
        if p.get("color_scene"):
            out.append((t, "scene"))
        return out
    if t == CAP + "video_stream":
        return []
    inst = p.get("instance")
    return [(t, inst)] if isinstance(inst, str) else []
