# What a state-change log line costs on MicroPython (make bench-log): bytes allocated to build
# the line for a switch and for a light, next to a saved() dict for scale. Built only when an
# output changes (firmware/sink.change_line), never on a polling path. Figures, not a test.
import gc

from firmware.sink import change_line


def cost(name, old, new, cause):
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    line = change_line(name, old, new, cause)
    b = gc.mem_alloc()
    gc.enable()
    return b - a, line


gc.collect()
gc.disable()
a = gc.mem_alloc()
d = {"on": True}
b = gc.mem_alloc()
gc.enable()
print("a saved() dict {'on': True}: %d bytes" % (b - a))
for args in (("lamp", {"on": False}, {"on": True}, "button"),
             ("lamp", {"on": False}, {"on": True}, "Sinric request from alexa-skill"),
             ("strip", {"on": True, "brightness": 40, "color": [255, 0, 0]},
              {"on": True, "brightness": 80, "color": [255, 0, 0]}, "schedule")):
    n, line = cost(*args)
    print("%4d bytes: %s" % (n, line))
