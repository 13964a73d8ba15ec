# The Yango vocabularies of docs/yango.md §3-§5 (device types, instances, units, values) as
# single strings (" a b c "): far less RAM on the boards than lists or dicts.
TYPE_PREFIX = "devices.types."
DEVICE_TYPES = (
    " light light.strip light.ceiling light.lamp light.garland socket switch thermostat"
    " thermostat.ac media_device media_device.tv media_device.tv_box media_device.receiver"
    " camera cooking cooking.coffee_maker cooking.kettle cooking.multicooker openable"
    " openable.curtain openable.valve humidifier purifier vacuum_cleaner washing_machine"
    " dishwasher iron sensor sensor.motion sensor.vibration sensor.illumination sensor.open"
    " sensor.climate sensor.water_leak sensor.button sensor.gas sensor.smoke smart_meter"
    " smart_meter.cold_water smart_meter.electricity smart_meter.gas smart_meter.heat"
    " smart_meter.hot_water pet_drinking_fountain pet_feeder ventilation ventilation.fan other ")
MODE_INSTANCES = (
    " cleanup_mode coffee_mode dishwashing fan_speed heat input_source program swing tea_mode"
    " thermostat ventilation_mode work_speed ")
MODE_VALUES = (
    " auto eco smart turbo cool dry fan_only heat preheat high low medium max min fast slow"
    " express normal quiet horizontal stationary vertical supply_air extraction_air one two"
    " three four five six seven eight nine ten wet_cleaning dry_cleaning mixed_cleaning"
    " americano cappuccino double espresso double_espresso latte black_tea flower_tea"
    " green_tea herbal_tea oolong_tea puerh_tea red_tea white_tea glass intensive pre_rinse"
    " aspic baby_food baking bread boiling cereals cheesecake deep_fryer dessert fowl frying"
    " macaroni milk_porridge multicooker pasta pilaf pizza sauce slow_cook soup steam stewing"
    " vacuum yogurt ")
TOGGLE_INSTANCES = " backlight controls_locked ionization keep_warm mute oscillation pause "
SCENES = (" alarm alice candle dinner fantasy garland jungle movie neon night ocean party"
          " reading rest romance siren sunrise sunset ")
# " instance:allowed|values "; nothing after ':' means "no unit"
RANGE_UNITS = (" brightness:unit.percent channel: humidity:unit.percent open:unit.percent"
               " temperature:unit.temperature.celsius|unit.temperature.kelvin volume: ")
FLOAT_UNITS = (
    " amperage:unit.ampere battery_level:unit.percent co2_level:unit.ppm"
    " electricity_meter:unit.kilowatt_hour food_level:unit.percent gas_meter:unit.cubic_meter"
    " heat_meter:unit.gigacalorie humidity:unit.percent illumination:unit.illumination.lux"
    " meter: pm1_density:unit.density.mcg_m3 pm2.5_density:unit.density.mcg_m3"
    " pm10_density:unit.density.mcg_m3 power:unit.watt"
    " pressure:unit.pressure.pascal|unit.pressure.mmhg|unit.pressure.atm|unit.pressure.bar"
    " temperature:unit.temperature.celsius|unit.temperature.kelvin tvoc:unit.density.mcg_m3"
    " voltage:unit.volt water_level:unit.percent water_meter:unit.cubic_meter ")
EVENT_VALUES = (
    " vibration:tilt|fall|vibration open:opened|closed button:click|double_click|long_press"
    " motion:detected|not_detected smoke:detected|not_detected|high"
    " gas:detected|not_detected|high battery_level:low|normal|high food_level:empty|low|normal"
    " water_level:empty|low|normal water_leak:dry|leak ")


def known(words, w):
    """w is one of the words of a ' a b c ' vocabulary."""
    return isinstance(w, str) and w != "" and " " not in w and (" %s " % w) in words


def lookup(table, key):
    """Allowed values for key in a ' key:a|b ' table: [] for 'key:', None if unknown."""
    if not isinstance(key, str) or not key or " " in key or ":" in key:
        return None
    i = table.find(" %s:" % key)
    if i < 0:
        return None
    i += len(key) + 2
    v = table[i : table.find(" ", i)]
    return v.split("|") if v else []
