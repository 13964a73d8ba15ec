"""Prints the GET /v1.0/user/devices reply (Yango discovery) for a config's devices.

    python -m tools.yango_devices config.json [--request-id ID]

The reply is what a skill backend serves to Yango (docs/yango.md §5): payload.user_id is the
config's yango.user_id and every device with a yango_id is described. Each entry is
checked with yango_check before it is printed; a bad config exits 2 with the reason.

entries_from_config() maps each config device type to its capabilities and properties;
once the device types (firmware/devices) exist it can call the board's own entry(dev) instead.
"""

import argparse
import json
import os
import sys
import uuid

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from clock import Clock  # noqa: E402

from firmware import VERSION  # noqa: E402
from tools.yango.discovery import (  # noqa: E402
    device_entry,
    discovery_reply,
)
from tools.yango_check import check_entry  # noqa: E402


class _Quiet:
    """The `out` sink of a device built only to describe itself."""

    def sinric(self, *a, **k):
        pass

    yango = changed = sinric


def _firmware_entry(d):
    """The board's own entry(dev) (firmware.devices.discovery): the one place that maps a
    config device to Yango, so discovery can never promise what the board does not send.
    Built on the simulated board's fake machine/dht, which only record pin levels."""
    # The fakes go by the board's module names (machine, dht, sim_profile), which they and
    # firmware.hardware import: their folder on the path, as the simulated board has it.
    fakes = os.path.join(_ROOT, "tools", "sim", "fakes")
    if fakes not in sys.path:
        sys.path.insert(0, fakes)
    import dht
    import machine

    from firmware import config
    from firmware.devices import DEVICE_TYPES
    from firmware.hardware import Hardware

    cfg = {"wifi": {"ssid": "x", "password": ""}, "devices": [dict(d)]}
    try:
        config.validate(cfg)
    except config.ConfigError as e:
        raise ValueError(str(e).replace("devices[0].", "")) from None
    d = cfg["devices"][0]
    hw = Hardware(machine, dht, Clock(_NoTicks), lambda s: None)
    from firmware.devices.discovery import entry

    return entry(DEVICE_TYPES[d["type"]](d, hw, _Quiet(), None))


class _NoTicks:
    """Devices are only built here, never run: time stands still."""

    ticks_ms = staticmethod(lambda: 0)
    ticks_diff = staticmethod(lambda a, b: a - b)
    ticks_add = staticmethod(lambda a, b: a + b)


def entry_for(d, sw_version=VERSION):
    """The discovery entry for one config device, or None when it has no yango_id."""
    if not isinstance(d, dict):
        raise ValueError("a device must be an object")
    if not d.get("yango_id"):
        return None
    e = _firmware_entry(d)
    e = device_entry(e["id"], e["name"], e["type"],
                     e.get("capabilities") or [], e.get("properties") or [],
                     room=e.get("room"), description="MicroPython %s" % d["type"],
                     device_info={"manufacturer": "DIY", "model": "mpy-" + d["type"],
                                  "sw_version": sw_version})
    return check_entry(e)


def entries_from_config(cfg):
    """Discovery entries for every device with a yango_id (config order)."""
    devices = cfg.get("devices")
    if not isinstance(devices, list):
        raise ValueError("config: devices must be a list")
    sw = (cfg.get("sinric") or {}).get("firmware_version", VERSION)
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
    ap.add_argument("config", nargs="?", help="path to a config (default: config.json, else "
                                              "config.example.json)")
    ap.add_argument("--request-id", default=None, help="X-Request-Id to echo (default: new)")
    args = ap.parse_args(argv)
    if not args.config:
        args.config = os.path.join(_ROOT, "config.json")
        if not os.path.exists(args.config):
            args.config = os.path.join(_ROOT, "config.example.json")
    print("yango_devices: config %s" % args.config, file=sys.stderr)
    try:
        reply = reply_for_config(load_config(args.config), args.request_id or str(uuid.uuid4()))
    except (OSError, ValueError) as e:
        print("yango_devices: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(reply, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
