# A board stand-in for tests/host/test_sinric_client_mp.py: runs lib/sinric/client.py under
# MicroPython with fake devices. argv[1] names a JSON config file (url, keys, devices, opts,
# info): the unix port cannot take arguments longer than 255 bytes.
# stdout: "LOG <client log line>", "ACT <device> <action> <value> <instance>" for every
# actuation, "STATS <json>". stdin: "event DEV ACTION VALUE_JSON [INSTANCE]", "stats [mem]",
# "net 0|1" (with "net": true in the config), "hog N" (hold ballast until about N bytes are
# free: a heap that runs out mid-request), "hog 0" (release it), "heap" (after a collect:
# "HEAP <free bytes>" and micropython.mem_info(), whose "max free sz" is the biggest hole),
# "events N DEV" (N setPowerState events On/Off, each once the one before went out; then
# "EVENTS <sent in all>"), "stop".
import asyncio
import gc
import json
import sys

from clock import Clock
from sinric.client import SinricClient

with open(sys.argv[1]) as f:
    cfg = json.load(f)


def log(line):
    print("LOG " + line)


def make_handler(dev):
    def handler(action, value, instance):
        # Like the real device types: validate first, actuate only valid values.
        if action == "setPowerState":
            if value.get("state") not in ("On", "Off"):
                raise ValueError('state must be "On" or "Off"')
        elif action == "setBrightness":
            b = value.get("brightness")
            if not isinstance(b, int) or isinstance(b, bool) or not 0 <= b <= 100:
                raise ValueError("brightness must be an integer 0-100")
        elif action == "explode":
            raise RuntimeError("wiring fault")
        elif action != "setRangeValue":
            return None
        print("ACT %s %s %s %s" % (dev, action, json.dumps(value), instance))
        return value

    return handler


def setting(setting_id, value):
    print("ACT module setSetting %s %s None" % (setting_id, json.dumps(value)))
    return value


BALLAST = []  # "hog N": small blocks, so the rest of the heap is left in pieces too
NET = [True]  # "net 0" / "net 1" on stdin: the Wi-Fi going down and up
client = SinricClient(cfg["app_key"], cfg["app_secret"], cfg["devices"],
                      Clock(), url=cfg["url"],
                      info=cfg.get("info"), log=log,
                      net_ready=(lambda: NET[0]) if cfg.get("net") else None,
                      **cfg.get("opts", {}))
for d in cfg["devices"]:
    client.dispatch.on_request(d, make_handler(d))
client.dispatch.on_setting = setting
client.dispatch.health = lambda: {"wifiRSSI": -61}
gc.collect()  # as the board app does after its imports


async def commands():
    stdin = asyncio.StreamReader(sys.stdin)
    while True:
        try:
            line = await stdin.readline()
        except MemoryError:  # the heap "hog" holds: this line is lost, the test sends it again
            gc.collect()
            continue
        if not line:
            break
        words = line.decode().split(None, 4)
        if words[0] == "event":
            inst = words[4].strip() if len(words) > 4 else None
            client.event(words[1], words[2], json.loads(words[3]), instance_id=inst)
        elif words[0] == "stats":
            gc.collect()
            s = dict(client.stats)
            s["connected"] = client.connected
            s["mem_free"] = gc.mem_free()
            print("STATS " + json.dumps(s))
            if len(words) > 1:
                import micropython

                micropython.mem_info()
        elif words[0] == "heap":
            import micropython

            await asyncio.sleep_ms(200)  # every task back in its idle wait: one state to read
            gc.collect()
            print("HEAP %d" % gc.mem_free())
            micropython.mem_info()
        elif words[0] == "events":
            s = client.stats
            for i in range(int(words[1])):
                k = s["events"] + s["coalesced"] + s["dropped_events"]
                client.event(words[2], "setPowerState", {"state": "On" if i % 2 else "Off"})
                while s["events"] + s["coalesced"] + s["dropped_events"] == k:
                    await asyncio.sleep_ms(1)  # sent (or merged into a waiting one)
            print("EVENTS %d" % s["events"])
        elif words[0] == "hog":
            del BALLAST[:]
            gc.collect()
            left = int(words[1])
            while left and gc.mem_free() > left:
                try:
                    BALLAST.append(bytearray(64))
                except MemoryError:
                    break
            print("HOG %d" % gc.mem_free())
        elif words[0] == "net":
            NET[0] = words[1] == "1"
        elif words[0] == "stop":
            client.stop()
            break


async def main():
    asyncio.create_task(commands())
    await client.run()
    print("DONE")


asyncio.run(main())
