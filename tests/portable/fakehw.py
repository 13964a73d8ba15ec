# The simulated board for device tests on both runtimes: the fake machine/dht modules from
# tools/sim/fakes, an injected tick counter (CPython's time has no ticks_*), and an `out`
# sink that records what the devices send.
import gc
import sys

from clock import Clock
from support import FakeTicks

_ROOT = __file__.rsplit("/", 3)[0] if __file__.count("/") >= 3 else "."
# The fakes go by the board's module names (machine, dht, sim_profile), as the simulated board
# has them: their folder on the path (on both runtimes), after what is there already.
for _p in (_ROOT + "/tools/sim/fakes", ".frozen"):  # .frozen: MicroPython's own asyncio
    if _p not in sys.path:
        sys.path.append(_p)

import dht  # noqa: E402
import machine  # noqa: E402

from firmware.hardware import Hardware  # noqa: E402

gc.collect()  # the suite shares one small heap: start the tests from a tidy one


def snapshot():
    """Every pin's (mode, level, duty): equal snapshots mean nothing moved."""
    return sorted((g, s.mode, s.value, s.duty_u16) for g, s in machine.PINS.items())


class FakeOut:
    def __init__(self):
        self.sinric_events = []  # (device name, action, value, cause)
        self.yango_reports = []  # (device name, type, instance, value)
        self.changes = 0

    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        self.sinric_events.append((dev.name, action, value, cause))

    def yango(self, dev, type_, instance, value):
        self.yango_reports.append((dev.name, type_, instance, value))

    def changed(self, dev):
        self.changes += 1

    def clear(self):
        self.sinric_events = []
        self.yango_reports = []
        self.changes = 0


def _type_defaults():
    """{type: ((field, default), ...)} from firmware.config_types, read once while the heap is
    still empty; the table modules are dropped again, as firmware/app.py does after boot (the
    device tests run in a board-sized heap beside the device classes)."""
    loaded = [n for n in ("config_types", "config_fields") if "firmware." + n in sys.modules]
    from firmware.config_types import REQ, TYPES
    out = {t: tuple((s[0], s[2]) for s in specs if s[2] is not REQ and s[2] is not None)
           for t, specs in TYPES.items()}
    for name in ("config_types", "config_fields"):
        if name in loaded:  # CPython runs every test in one process: keep what others hold
            continue
        sys.modules.pop("firmware." + name, None)
        try:
            delattr(sys.modules["firmware"], name)
        except (AttributeError, KeyError):  # MicroPython: KeyError for a missing attribute
            pass
    gc.collect()
    return out


_DEFAULTS = _type_defaults()


def fill_defaults(cfg):
    """cfg's missing fields set to its type's defaults (firmware.config_types), in place, as
    the loader hands a device its config (device classes do not restate the defaults)."""
    for name, default in _DEFAULTS.get(cfg["type"], ()):  # tests also pass odd fields
        if name not in cfg:
            cfg[name] = default


class Board:
    """A fresh simulated board: pins reset, ticks from 2^30 - 5 s (wraps during tests)."""

    def __init__(self, start=(1 << 30) - 5000):
        machine.PINS.clear()
        dht.READINGS.clear()
        self.ticks = FakeTicks(start)
        self.logs = []
        self.clock = Clock(self.ticks, log=self.logs.append)
        self.hw = Hardware(machine, dht, self.clock, self.logs.append)
        self.out = FakeOut()

    def make(self, cfg, saved=None):
        """A device from cfg with the defaults filled in, as firmware.config hands it over
        (device classes do not restate the defaults of firmware.config_types)."""
        fill_defaults(cfg)
        from firmware.devices import DEVICE_TYPES
        return DEVICE_TYPES[cfg["type"]](cfg, self.hw, self.out, saved)

    def pin(self, gpio):
        return machine.PINS[gpio]

    def level(self, gpio):
        return machine.PINS[gpio].value

    def drive(self, gpio, level):
        machine.drive(gpio, level)

    def run(self, ms, *pollers, step=10):
        """Advance time in steps, polling each device or input after every step."""
        for _ in range(ms // step):
            self.ticks.advance(step)
            for p in pollers:
                p.poll()

    def press(self, dev, gpio, bounces=0, active_low=True, hold=100):
        """A press with contact bounce, then a release with bounce."""
        down, up = (0, 1) if active_low else (1, 0)
        for level in (down, up):
            for _ in range(bounces):
                self.drive(gpio, level)
                self.run(3, *dev._inputs, step=1)
                self.drive(gpio, 1 - level)
                self.run(2, *dev._inputs, step=1)
            self.drive(gpio, level)
            self.run(hold, *dev._inputs)
