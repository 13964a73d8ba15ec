# The registry, a user-defined type, and device tasks running under a real asyncio loop.

from clock import Clock
from fakehw import Board, Hardware, dht, fill_defaults, machine
from support import raises
from wallticks import WallTicks

from firmware.devices import DEVICE_TYPES
from firmware.devices.base import Device, Powered


def test_registry_knows_the_eleven_types_and_loads_them_on_demand():
    assert DEVICE_TYPES.names() == ["blinds", "contact", "dimmer", "doorbell", "garage", "light",
                                    "lock", "motion", "switch", "temperature", "thermostat"]
    assert "switch" in DEVICE_TYPES and "toaster" not in DEVICE_TYPES
    with raises(KeyError):
        DEVICE_TYPES["toaster"]
    assert DEVICE_TYPES["motion"].__name__ == "Motion"


class Fan(Powered):
    """The docs/device-types.md example: a fan on a relay, in a few lines."""
    yango_type = "devices.types.ventilation.fan"

    def __init__(self, cfg, hw, out, saved):
        Powered.__init__(self, cfg, hw, out)
        self.relay = hw.output(cfg["relay"])
        self.start(saved)
        self.add_button()

    def apply(self):
        self.relay.value(self.on)


def test_a_user_type_in_a_few_lines():
    from firmware.devices.discovery import entry

    DEVICE_TYPES["fan"] = Fan
    try:
        b = Board()
        # button_active_low: what its config_types.TYPES entry's default would fill in
        fan = b.make({"name": "fan", "type": "fan", "yango_id": "fan", "relay": 2, "button": 3,
                      "button_active_low": True, "power_on": "restore"}, {"on": True})
        assert b.level(2) == 1 and "fan" in DEVICE_TYPES.names()
        assert fan.handle("setPowerState", {"state": "Off"}, None) == {"state": "Off"}
        assert b.level(2) == 0
        b.press(fan, 3)
        assert b.level(2) == 1 and b.out.sinric_events[0][1:3] == ("setPowerState",
                                                                   {"state": "On"})
        e = entry(fan)
        assert e["type"] == "devices.types.ventilation.fan"
        assert e["capabilities"] == [{"type": "devices.capabilities.on_off",  # from Powered
                                      "retrievable": True, "reportable": True}]
        assert e["properties"] == []
    finally:
        DEVICE_TYPES._table.pop("fan")


def real_board():
    """A board on wall-clock ticks, for tasks run by asyncio."""
    b = Board()
    b.hw = Hardware(machine, dht, Clock(WallTicks()), b.logs.append)
    return b


def test_tasks_debounce_a_press_and_poll_devices_under_asyncio():
    import asyncio

    b = real_board()
    sw = b.make({"name": "lamp", "type": "switch", "relay": 5, "button": 0,
                 "debounce_ms": 20})
    gd = b.make({"name": "garage", "type": "garage", "relay": 23, "pulse_ms": 50})
    broken = b.make({"name": "broken", "type": "garage", "relay": 25})
    broken.poll = lambda: 1 / 0

    async def until(cond):
        for _ in range(300):  # hang guard only
            if cond():
                return True
            await asyncio.sleep(0.01)
        return False

    async def scenario():
        tasks = [asyncio.create_task(c) for d in (sw, gd, broken) for c in d.tasks()]
        await asyncio.sleep(0.05)
        for level in (0, 1, 0, 1, 0):  # press with bounce
            machine.drive(0, level)
            await asyncio.sleep(0.002)
        pressed = await until(lambda: b.level(5) == 1)
        machine.drive(0, 1)
        gd.handle("setMode", {"mode": "Open"}, None)
        pulsed = b.level(23) == 1 and await until(lambda: b.level(23) == 0)
        logged = await until(lambda: any("broken: poll" in x for x in b.logs))
        for t in tasks:
            t.cancel()
        await asyncio.sleep(0)
        return pressed, pulsed, logged

    assert asyncio.run(scenario()) == (True, True, True)
    assert b.out.sinric_events == [("lamp", "setPowerState", {"state": "On"},
                                    "PHYSICAL_INTERACTION")]


class Window(Device):
    """A user type that describes its own Yango property (yango_props)."""
    yango_type = "devices.types.openable"

    def __init__(self, cfg, hw, out, saved):
        Device.__init__(self, cfg, hw, out)

    def yango_props(self):
        from firmware.devices.discovery import event_prop

        return [event_prop("open", ("opened", "closed"))]


def test_a_user_type_describes_its_own_yango_properties():
    from firmware.devices.discovery import entry

    DEVICE_TYPES["window"] = Window
    try:
        w = Board().make({"name": "w", "type": "window", "yango_id": "w1", "room": "Hall"})
        assert entry(w, "Hall") == {  # the room as firmware.services keeps it
            "id": "w1", "name": "w", "type": "devices.types.openable", "room": "Hall",
            "capabilities": [],  # a Device, not Powered: no on_off
            "properties": [{"type": "devices.properties.event", "retrievable": True,
                            "reportable": True, "parameters": {"instance": "open", "events": [
                                {"value": "opened"}, {"value": "closed"}]}}]}
    finally:
        DEVICE_TYPES._table.pop("window")


def test_the_devices_factory_keeps_only_the_rooms_for_the_yango_declarations():
    # firmware.services.devices releases the config entries once the devices are built:
    # a device's room waits in the Devices service for its declaration, the entry itself
    # is nobody's (Device.cfg), and the type name is still the config's
    from firmware import services
    from firmware.devices.base import Device
    from firmware.devices.discovery import entry

    b = Board()

    lamp = {"name": "lamp", "type": "switch", "relay": 5, "yango_id": "y1", "room": "Hall"}
    fan = {"name": "fan", "type": "switch", "relay": 4, "yango_id": "y2"}
    fill_defaults(lamp)
    fill_defaults(fan)

    class Ctx:
        log = b.logs.append
        clock = b.clock
        store = {}
        services = {}
        config = {"devices": [lamp, fan]}

    ds = services.devices(Ctx)
    assert Device.cfg is None and Ctx.config["devices"] is None
    assert ds.rooms == {"lamp": "Hall"}
    lamp, fan = ds.all
    assert (lamp.type, fan.type) == ("switch", "switch")
    assert entry(lamp, ds.rooms.get("lamp"))["room"] == "Hall"
    assert "room" not in entry(fan, ds.rooms.get("fan"))
