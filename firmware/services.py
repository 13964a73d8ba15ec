# The services app.py runs (its SERVICES seam): the devices, the Sinric Pro client and the
# Yango notifier, and the sink that carries what devices do to both clouds and to flash.
# A cloud that is not configured costs nothing: its modules are never imported.
import asyncio
import gc

# Why a device changes, for its log line; devices set out.cause (firmware/devices/base.py).
SCHEDULE = "schedule"


def change_line(name, old, new, cause):
    """'lamp: on off -> on (button)' from two saved() dicts (old may be None); None when no
    value differs. Built only on a change, never on a polling path."""
    parts = []
    for k in new:
        o = old.get(k) if old else None
        v = new[k]
        if o != v or old is None:
            parts.append("%s %s -> %s" % (k, _shown(k, o), _shown(k, v)) if old is not None
                         and k in old else "%s %s" % (k, _shown(k, v)))
    if not parts:
        return None
    return "%s: %s (%s)" % (name, ", ".join(parts), cause)


def _shown(key, v):
    if v is True or v is False:
        return ("on" if v else "off") if key == "on" else ("yes" if v else "no")
    return str(v)


class Out:
    """What devices call (the `out` of the device contract). Routes to whichever clouds
    exist at call time; drops what has nowhere to go. `cause` says why the next change
    happens (set around a Sinric request, an input edge, a poll)."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.cause = SCHEDULE
        self.last = {}  # device name -> its saved() as last logged (the "old" of a change)

    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        client = self._ctx.services.get("sinric")
        if client is not None and dev.sinric_id:
            client.event(dev.sinric_id, action, value, cause, instance_id)

    def yango(self, dev, type_, instance, value):
        notifier = self._ctx.services.get("yango")
        if notifier is not None and dev.yango_id:
            notifier.report(dev.yango_id, type_, instance, value)

    def changed(self, dev):
        new = dev.saved()
        line = change_line(dev.name, self.last.get(dev.name), new, self.cause)
        if line:
            self._ctx.log(line)
        self.last[dev.name] = new
        self._ctx.store.put(dev.name, new)


class Devices:
    """Every configured device, built in config order (power-on levels are set here,
    before Wi-Fi starts), and their input/poll tasks."""

    def __init__(self, ctx):
        from firmware.devices import DEVICE_TYPES
        from firmware.hardware import Hardware

        hw = Hardware(clock=ctx.clock, log=ctx.log)
        self.out = out = Out(ctx)
        self.all = []
        for cfg in ctx.config["devices"]:
            cls = DEVICE_TYPES[cfg["type"]]
            saved = ctx.store.get(cfg["name"])
            dev = cls(cfg, hw, out, saved)
            self.all.append(dev)
            # the state each output starts in, and from what (as saved before the reset)
            cause = "power-on " + cfg.get("power_on", "off")
            new = dev.saved()
            line = change_line(dev.name, saved, new, cause) or change_line(dev.name, None, new,
                                                                           cause)
            if line:
                ctx.log(line)
            out.last[dev.name] = new
            gc.collect()
        # The type registry is only needed to build them: give its RAM back. The classes live
        # on in their own modules; a later import of firmware.devices starts a fresh registry.
        DEVICE_TYPES = cls = None
        _unload("firmware", "devices")
        ctx.log("devices: %s" % ", ".join(d.name for d in self.all))

    async def run(self):
        # Runs once every factory has built and declared the devices (tasks start only
        # then): a device's config entry is not needed any more, its RAM comes back.
        for d in self.all:
            d.cfg = None
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
        client.dispatch.on_request(d.sinric_id, _via_sinric(client.dispatch, out, d.handle))
    client.dispatch.health = lambda: _health(ctx)
    return client


def _via_sinric(dispatch, out, handle):
    """The device's request handler, with the request's sender as the cause of a change."""
    def h(action, value, instance_id):
        who = dispatch.request_client
        out.cause = "Sinric request from " + who if who else "Sinric request"
        try:
            return handle(action, value, instance_id)
        finally:
            out.cause = SCHEDULE

    return h


def _health(ctx):
    # uptime and freeHeap come from the client itself (uptime wrap-safe, from the clock);
    # only the board knows the radio and the clock's source.
    rssi = ctx.wifi.rssi()
    r = {"clock": ctx.clock.name}  # where the time came from: sntp, sinric, rtc
    if rssi:
        r["wifiRSSI"] = rssi
    return r


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
