# MicroPython script: the heap the device layer takes on a board. Builds the devices of a
# config and prints one JSON line of byte counts, then one line per device with its Yango
# discovery entry and state. Run by tests/host/test_device_heap.py:
#   micropython -X heapsize=38wK tests/host/mp_device_heap.py [config.json [type ...]]
# (lib and the repo root on MICROPYPATH). `machine` and `dht` are minimal stand-ins here:
# on a board they are built in and cost no heap, unlike the simulated board's fakes.
import gc
import json
import sys

entry = None  # firmware.devices.discovery.entry, once the devices are built


class Pin:
    IN, OUT, PULL_UP, PULL_DOWN, IRQ_RISING, IRQ_FALLING = 1, 3, 1, 2, 1, 2

    def __init__(self, gpio, mode=-1, pull=-1, value=0):
        self.v = value

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v

    def irq(self, handler=None, trigger=3):
        pass


class Signal:
    def __init__(self, pin, invert=False):
        self.pin = pin

    def value(self, v=None):
        return self.pin.value(v)


class PWM:
    def __init__(self, pin, freq=0, duty_u16=0):
        pass

    def duty_u16(self, d):
        pass


class DHT22:
    def __init__(self, pin):
        pass

    def measure(self):
        raise OSError(110)


class Board:
    Pin = Pin
    Signal = Signal
    PWM = PWM
    DHT11 = DHT22
    DHT22 = DHT22


class Out:
    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        pass

    def yango(self, dev, type_, instance, value):
        pass

    def changed(self, dev):
        pass


gc.collect()
start = gc.mem_free()
with open(sys.argv[1] if len(sys.argv) > 1 else "config.example.json") as f:
    cfgs = [c for c in json.load(f)["devices"] if len(sys.argv) < 3 or c["type"] in sys.argv[2:]]
gc.collect()
configured = gc.mem_free()
from clock import Clock  # noqa: E402

from firmware.devices import DEVICE_TYPES  # noqa: E402
from firmware.hardware import Hardware  # noqa: E402

hw = Hardware(Board, Board, Clock())
devs = [DEVICE_TYPES[c["type"]](c, hw, Out(), None) for c in cfgs]
tasks = [t for d in devs for t in d.tasks()]
gc.collect()
built = gc.mem_free()
print(json.dumps({"config": start - configured, "devices": configured - built, "free": built,
                  "free_at_start": start, "types": len(set(c["type"] for c in cfgs)),
                  "tasks": len(tasks)}))
tasks = None
for d in devs:
    gc.collect()
    # boot-only, as the Yango factory loads it; `entry` has its global slot from the start
    from firmware.devices.discovery import entry  # noqa: F811

    print(json.dumps([entry(d), d.yango_state()]))
