# Device types by config name. A type's module is imported the first time a config uses it,
# so a board pays RAM only for the types it has.
#   cls = DEVICE_TYPES["switch"]; dev = cls(cfg, hw, out, saved)
# Add a type: write firmware/devices/<module>.py with a Device subclass and add one line to
# _BUILTIN, or register a class you already have: DEVICE_TYPES["fan"] = Fan.
import gc

_BUILTIN = {
    "switch": ("switch", "Switch"),
    "dimmer": ("dimmer", "Dimmer"),
    "light": ("light", "Light"),
    "blinds": ("blinds", "Blinds"),
    "lock": ("lock", "Lock"),
    "garage": ("garage", "Garage"),
    "thermostat": ("thermostat", "Thermostat"),
    "motion": ("motion", "Motion"),
    "contact": ("contact", "Contact"),
    "temperature": ("temperature", "Temperature"),
    "doorbell": ("doorbell", "Doorbell"),
}


class Registry:
    def __init__(self, table):
        self._table = table
        self._classes = {}

    def __getitem__(self, name):
        c = self._classes.get(name)
        if c is None:
            module, cls = self._table[name]  # KeyError for an unknown type
            gc.collect()  # compiling wants contiguous blocks: import into a tidy heap
            c = getattr(__import__("firmware.devices." + module, None, None, (cls,)), cls)
            self._classes[name] = c
        return c

    def __setitem__(self, name, cls):
        self._classes[name] = cls

    def __contains__(self, name):
        return name in self._classes or name in self._table

    def get(self, name, default=None):
        return self[name] if name in self else default

    def names(self):
        return sorted(set(self._table) | set(self._classes))


DEVICE_TYPES = Registry(_BUILTIN)
