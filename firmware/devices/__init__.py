# Device types by config name -> "module.Class" in this package. A module is imported the
# first time a config names one of its types, so a board pays RAM only for what it has.
#   dev = DEVICE_TYPES["switch"](cfg, hw, out, saved)
# Add a type: put a Device subclass in firmware/devices/<module>.py and add a line below, or
# register a class you already have: DEVICE_TYPES["fan"] = Fan (docs/device-types.md,
# "Adding your own type").
import gc

_BUILTIN = {
    "switch": "switch.Switch",
    "dimmer": "dimmer.Dimmer",
    "light": "light.Light",
    "blinds": "blinds.Blinds",
    "lock": "lock.Lock",
    "garage": "garage.Garage",
    "thermostat": "thermostat.Thermostat",
    "temperature": "temperature.Temperature",
    "motion": "sensors.Motion",
    "contact": "contact.Contact",
    "doorbell": "doorbell.Doorbell",
}


class Registry:
    """name -> class; a "module.Class" entry is imported on first use."""

    def __init__(self, table):
        self._table = table

    def __getitem__(self, name):
        c = self._table[name]  # KeyError for an unknown type
        if isinstance(c, str):
            module, cls = c.split(".")
            gc.collect()  # compiling wants contiguous blocks: import into a tidy heap
            c = getattr(__import__("firmware.devices." + module, None, None, (cls,)), cls)
            self._table[name] = c
        return c

    def __setitem__(self, name, cls):
        self._table[name] = cls

    def __contains__(self, name):
        return name in self._table

    def names(self):
        return sorted(self._table)


DEVICE_TYPES = Registry(_BUILTIN)
