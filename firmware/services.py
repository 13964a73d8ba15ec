# The services app.py runs (its SERVICES seam): the devices, the Sinric Pro client and the
# Yango notifier, and the sink that carries what devices do to both clouds and to flash.
# A cloud that is not configured costs nothing: its modules are never imported.
import asyncio
import gc


class Out:
    """What devices call (the `out` of the device contract). Routes to whichever clouds
    exist at call time; drops what has nowhere to go."""

    def __init__(self, ctx):
        self._ctx = ctx

    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        client = self._ctx.services.get("sinric")
        if client is not None and dev.sinric_id:
            client.event(dev.sinric_id, action, value, cause, instance_id)

    def yango(self, dev, type_, instance, value):
        notifier = self._ctx.services.get("yango")
        if notifier is not None and dev.yango_id:
            notifier.report(dev.yango_id, type_, instance, value)

    def changed(self, dev):
        self._ctx.store.put(dev.name, dev.saved())


class Devices:
    """Every configured device, built in config order (power-on levels are set here,
    before Wi-Fi starts), and their input/poll tasks."""

    def __init__(self, ctx):
        from firmware.devices import DEVICE_TYPES
        from firmware.hardware import Hardware

        hw = Hardware(log=ctx.log)
        out = Out(ctx)
        self.all = []
        for cfg in ctx.config["devices"]:
            cls = DEVICE_TYPES[cfg["type"]]
            self.all.append(cls(cfg, hw, out, ctx.store.get(cfg["name"])))
            gc.collect()
        # The type registry is only needed to build them: give its RAM back. The classes live
        # on in their own modules; a later import of firmware.devices starts a fresh registry.
        DEVICE_TYPES = cls = None
        _unload("firmware", "devices")
        ctx.log("devices: %s" % ", ".join(d.name for d in self.all))

    async def run(self):
        for d in self.all:
            for coro in d.tasks():
                asyncio.create_task(coro)
        await asyncio.Event().wait()  # the tasks run for ever; this keeps the service alive


def _unload(package, name):
    import sys

    sys.modules.pop(package + "." + name, None)
    try:
        delattr(sys.modules[package], name)
    except (AttributeError, KeyError):  # MicroPython raises KeyError for a missing attribute
        pass
    gc.collect()


def devices(ctx):
    return Devices(ctx)


def sinric(ctx):
    s = ctx.config.get("sinric")
    if not s:
        return None
    import time

    cadata = _ca(ctx, "sinric")
    if cadata is False:
        return None
    from sinric.client import SinricClient

    devs = [d for d in ctx.services["devices"].all if d.sinric_id]
    client = SinricClient(s["app_key"], s["app_secret"], [d.sinric_id for d in devs],
                          ctx.clock, url=s["url"], info=ctx.info, net_ready=ctx.wifi.is_online,
                          log=ctx.log, ticks_ms=time.ticks_ms, ticks_diff=time.ticks_diff,
                          ticks_add=time.ticks_add, cadata=cadata)
    for d in devs:
        client.dispatch.on_request(d.sinric_id, d.handle)
    client.dispatch.health = lambda: _health(ctx)
    return client


def _health(ctx):
    # uptime and freeHeap come from the client itself (uptime wrap-safe, from the clock);
    # only the board knows the radio.
    rssi = ctx.wifi.rssi()
    return {"wifiRSSI": rssi} if rssi else {}


def yango(ctx):
    y = ctx.config.get("yango")
    if not y:
        return None
    import time

    cadata = _ca(ctx, "yango")
    if cadata is False:
        return None
    from yango.notifier import YangoNotifier

    n = YangoNotifier(y["url"], y["skill_id"], y["token"], y["user_id"], ctx.clock,
                      log=ctx.log, ticks_ms=time.ticks_ms, ticks_diff=time.ticks_diff,
                      ticks_add=time.ticks_add, discovery=y.get("discovery_on_boot", False),
                      cadata=cadata)
    for d in ctx.services["devices"].all:
        entry = d.yango_entry()
        if entry is None:
            continue
        # the current values are the baseline: stateful events are sent only on a change
        n.declare(entry, d.yango_state())
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
