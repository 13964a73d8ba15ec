# contact: `pin`, closes to ground when the door/window is shut (active low, pull-up).
#   Sinric: setContactState events {"state": "closed"|"open"}.
#   Yango: devices.types.sensor, event property open (opened/closed).
from firmware.devices.sensors import Edge


class Contact(Edge):
    pull = True
    action = "setContactState"
    states = ("closed", "open")
    instance = "open"
    events = ("closed", "opened")
