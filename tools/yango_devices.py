"""Prints the GET /v1.0/user/devices reply (Yango discovery) for a config's devices.

    python tools/yango_devices.py config.json [--request-id ID]

The reply is what a skill backend serves to Yango (yango.md §5): payload.user_id is the
config's yango.user_id and every device with a yango_id is described. Each entry is
checked with yango_check before it is printed; a bad config exits 2 with the reason.

entries_from_config() maps each config device type to its capabilities and properties;
once the device types (firmware/devices) exist it can call their yango_entry() instead.
"""

import argparse
import json
import os
import sys
import uuid

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in (os.path.join(_ROOT, "lib"), os.path.join(_ROOT, "tools")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from yango_check import check_entry  # noqa: E402
from yango_discovery import (  # noqa: E402
    color_cap,
    device_entry,
    discovery_reply,
    event_prop,
    float_prop,
    mode_cap,
    on_off_cap,
    range_cap,
)


def _light(d):
    rgb = all(k in d for k in ("red", "green", "blue"))
    white = "warm" in d and "cold" in d
    if not rgb and not white:
        raise ValueError("light %r needs red+green+blue and/or warm+cold pins" % d.get("name"))
    # the range the firmware's light accepts and reports (firmware/devices/light.py)
    return "light", [on_off_cap(), range_cap("brightness", 1, 100),
                     color_cap("rgb" if rgb else None, (2200, 7000) if white else None)], []


def _openable(kind):
    def build(d):
        props = [event_prop("open", ["opened", "closed"])] if "contact" in d else []
        return kind, [on_off_cap()] + ([range_cap("open")] if kind.endswith("curtain")
                                       else []), props
    return build


# config type -> (yango type, capabilities, properties); on_off "on" means: relay on,
# light on, blinds/garage open, lock unlocked.
MAPPING = {
    "switch": lambda d: ("switch", [on_off_cap()], []),
    "dimmer": lambda d: ("light", [on_off_cap(), range_cap("brightness", 1, 100)], []),
    "light": _light,
    "blinds": _openable("openable.curtain"),
    "lock": _openable("openable"),
    "garage": _openable("openable"),
    "thermostat": lambda d: ("thermostat", [
        on_off_cap(), range_cap("temperature", 5, 35, 0.5),
        mode_cap("thermostat", ["auto", "eco", "heat"])],
        [float_prop("temperature"), float_prop("humidity")]),
    # plain "sensor": the sensor.* subtypes were not confirmed on Yango (yango.md §0)
    "motion": lambda d: ("sensor", [], [event_prop("motion", ["detected", "not_detected"])]),
    "contact": lambda d: ("sensor", [], [event_prop("open", ["opened", "closed"])]),
    "temperature": lambda d: ("sensor", [], [float_prop("temperature"),
                                             float_prop("humidity")]),
    "doorbell": lambda d: ("sensor", [], [event_prop("button", ["click"])]),
}


def entry_for(d, sw_version="1.0.0"):
    """The discovery entry for one config device, or None when it has no yango_id."""
    if not isinstance(d, dict):
        raise ValueError("a device must be an object")
    if not d.get("yango_id"):
        return None
    build = MAPPING.get(d.get("type"))
    if build is None:
        raise ValueError("device %r: unknown type %r" % (d.get("name"), d.get("type")))
    ytype, caps, props = build(d)
    e = device_entry(d["yango_id"], d.get("name") or d["yango_id"], ytype, caps, props,
                     room=d.get("room"), description="MicroPython %s" % d["type"],
                     device_info={"manufacturer": "DIY", "model": "mpy-" + d["type"],
                                  "sw_version": sw_version})
    return check_entry(e)


def entries_from_config(cfg):
    """Discovery entries for every device with a yango_id (config order)."""
    devices = cfg.get("devices")
    if not isinstance(devices, list):
        raise ValueError("config: devices must be a list")
    sw = (cfg.get("sinric") or {}).get("firmware_version", "1.0.0")
    out = []
    for i, d in enumerate(devices):
        try:
            e = entry_for(d, sw)
        except ValueError as x:
            raise ValueError("devices[%d]: %s" % (i, x)) from None
        if e is not None:
            if any(o["id"] == e["id"] for o in out):
                raise ValueError("devices[%d]: yango_id %r used twice" % (i, e["id"]))
            out.append(e)
    return out


def load_config(path):
    with open(path, encoding="utf-8") as f:
        try:
            cfg = json.load(f)
        except ValueError as e:
            raise ValueError("%s is not valid JSON: %s" % (path, e)) from None
    if not isinstance(cfg, dict):
        raise ValueError("%s: the config must be a JSON object" % path)
    return cfg


def reply_for_config(cfg, request_id):
    y = cfg.get("yango")
    if not isinstance(y, dict) or not isinstance(y.get("user_id"), str):
        raise ValueError("config: yango.user_id is required for discovery")
    return discovery_reply(y["user_id"], entries_from_config(cfg), request_id)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="path to config.json")
    ap.add_argument("--request-id", default=None, help="X-Request-Id to echo (default: new)")
    args = ap.parse_args(argv)
    try:
        reply = reply_for_config(load_config(args.config), args.request_id or str(uuid.uuid4()))
    except (OSError, ValueError) as e:
        print("yango_devices: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(reply, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
