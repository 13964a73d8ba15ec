# The services app.py runs (its SERVICES seam): the devices, the Sinric Pro client and the
# Yango notifier, wired to the sink that carries what devices do to both clouds and to flash
# (firmware/sink.py). Boot-only: the app unloads this module once the factories have run.
# A cloud that is not configured costs nothing: its modules are never imported.
import gc

from firmware.sink import Devices, Out, change_line


def devices(ctx):
    """Every configured device, built in config order (power-on levels are set here, before
    Wi-Fi starts): a firmware.sink.Devices."""
    from firmware.devices import DEVICE_TYPES
    from firmware.hardware import Hardware

    hw = Hardware(clock=ctx.clock, log=ctx.log)
    out = Out(ctx)
    ds = Devices(out)
    for cfg in ctx.config["devices"]:
        cls = DEVICE_TYPES[cfg["type"]]
        saved = ctx.store.get(cfg["name"])
        dev = cls(cfg, hw, out, saved)
        ds.all.append(dev)
        room = cfg.get("room")
        if room:  # kept for the device's Yango declaration (firmware/devices/discovery.py)
            ds.rooms[dev.name] = room
        # the state each output starts in, and from what (as saved before the reset)
        cause = "power-on " + cfg.get("power_on", "off")
        new = dev.saved()
        line = change_line(dev.name, saved, new, cause) or change_line(dev.name, None, new,
                                                                       cause)
        if line:
            ctx.log(line)
        out.last[dev.name] = saved if saved == new else new  # the store's dict when equal
        gc.collect()
    # Built: the devices' config entries go now, not once every factory has run, so the
    # cloud stacks load into the room they held (about 130 bytes of dict a device); the
    # Devices service keeps only their Yango rooms for their declarations.
    from firmware.devices.base import Device

    Device.cfg = None
    ctx.config["devices"] = cfg = dev = room = None
    # The type registry is only needed to build them: give its RAM back. The classes live
    # on in their own modules; a later import of firmware.devices starts a fresh registry.
    DEVICE_TYPES = cls = None
    _unload("firmware", "devices")
    ctx.log("devices: %s" % ", ".join(d.name for d in ds.all))
    return ds


def _unload(package, name):
    import sys

    sys.modules.pop(package + "." + name, None)
    try:
        delattr(sys.modules[package], name)
    except (AttributeError, KeyError):  # MicroPython raises KeyError for a missing attribute
        pass
    gc.collect()


def sinric(ctx):
    s = ctx.config.get("sinric")
    if not s:
        return None
    cadata = _ca(ctx, "sinric")
    if cadata is False:
        return None
    from sinric.client import SinricClient

    devs = [d for d in ctx.services["devices"].all if d.sinric_id]
    client = SinricClient(s["app_key"], s["app_secret"], [d.sinric_id for d in devs],
                          ctx.clock, url=s["url"], info=ctx.info, net_ready=ctx.wifi.is_online,
                          log=ctx.log, cadata=cadata)
    out = ctx.services["devices"].out
    for d in devs:
        client.dispatch.on_request(d.sinric_id, d)  # Device.__call__: d.sinric_request
    client.dispatch.health = out.health
    return client


def yango(ctx):
    y = ctx.config.get("yango")
    if not y:
        return None
    cadata = _ca(ctx, "yango")
    if cadata is False:
        return None
    from yango.notifier import YangoNotifier

    try:
        n = YangoNotifier(y["url"], y["skill_id"], y["token"], y["user_id"], ctx.clock,
                          log=ctx.log, discovery=y["discovery_on_boot"],
                          cadata=cadata)
    except ValueError as e:  # no retry fixes a config value: Yango off, one line, no crash
        ctx.log("yango: ERROR: config: %s; Yango is off until the config changes" % (e,))
        return None
    from firmware.devices.discovery import entry

    ds = ctx.services["devices"]
    for d in ds.all:
        e = entry(d, ds.rooms.get(d.name))
        if e is not None:
            # the current values are the baseline: stateful events are sent only on a change
            n.declare(e, d.yango_state())
    e = entry = ds = d = None
    # declared: the descriptions' code goes, and the type registry its import loaded again,
    # and the declarations' own (yango.payloads: the value checks are yango.values)
    _unload("firmware.devices", "discovery")
    _unload("firmware", "devices")
    _unload("yango", "payloads")
    return n


def _ca(ctx, name):
    # wss/https only: plain ws/http boards never load the CA code
    if ctx.config[name]["url"][:5] not in ("wss:/", "https"):
        return None
    from firmware.tls_ca import cadata

    return cadata(ctx, name)


def web(ctx):
    w = ctx.config.get("web")
    if not w:
        return None  # the page's code is never loaded
    from firmware.local_page import LocalPage

    return LocalPage(ctx, w["password"], w.get("port") or ctx.ports[0])


SERVICES = [("devices", devices), ("sinric", sinric), ("yango", yango), ("web", web)]
