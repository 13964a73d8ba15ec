# What the running devices report through (the `out` of the device contract) and the
# Devices service that runs them: resident for the whole run. The wiring that builds them
# (firmware/services.py) is boot-only: the app unloads it once its factories have run.
import asyncio

# Why a device changes, for its log line; devices set out.cause (firmware/devices/base.py).
SCHEDULE = "schedule"
REQUEST = "Sinric request"


def change_line(name, old, new, cause, who=None):
    """'lamp: on off -> on (button)' from two saved() dicts (old may be None); None when no
    value differs. who: the cause's sender ("Sinric request from portal"). Built only on a
    change, never on a polling path; one key (a switch's) is one format, no list or join."""
    if len(new) == 1:  # one format, one str: no list, join or piece per line
        for k in new:
            v = new[k]
            if old is not None and k in old:
                o = old[k]
                if o == v:
                    return None
                if who:
                    return "%s: %s %s -> %s (%s from %s)" % (name, k, _shown(k, o),
                                                             _shown(k, v), cause, who)
                return "%s: %s %s -> %s (%s)" % (name, k, _shown(k, o), _shown(k, v), cause)
            if old is not None and v is None:  # as below: no value, no line
                return None
            if who:
                return "%s: %s %s (%s from %s)" % (name, k, _shown(k, v), cause, who)
            return "%s: %s %s (%s)" % (name, k, _shown(k, v), cause)
    parts = []
    for k in new:
        o = old.get(k) if old else None
        v = new[k]
        if o != v or old is None:
            parts.append("%s %s -> %s" % (k, _shown(k, o), _shown(k, v)) if old is not None
                         and k in old else "%s %s" % (k, _shown(k, v)))
    if not parts:
        return None
    if who:
        return "%s: %s (%s from %s)" % (name, ", ".join(parts), cause, who)
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
        self.who = None  # the sender of the Sinric request being handled, for its log line
        self.last = {}  # device name -> its saved() as last logged (the "old" of a change)

    def sinric(self, dev, action, value, cause="PHYSICAL_INTERACTION", instance_id=None):
        client = self._ctx.services.get("sinric")
        if client is not None and dev.sinric_id:
            client.event(dev.sinric_id, action, value, cause, instance_id)

    def yango(self, dev, type_, instance, value):
        notifier = self._ctx.services.get("yango")
        if notifier is not None and dev.yango_id:
            notifier.report(dev.yango_id, type_, instance, value)

    def request(self, dev, action, value, instance_id=None):
        """dev.handle() for a Sinric request (what Device.sinric_request calls: a bound method
        per device, not a closure), with the request's sender as the cause of a change."""
        client = self._ctx.services.get("sinric")
        # the sender is joined to the cause only in a change's log line: no str per request
        self.who = client.dispatch.request_client if client is not None else None
        self.cause = REQUEST
        try:
            return dev.handle(action, value, instance_id)
        finally:
            self.cause = SCHEDULE
            self.who = None

    def health(self):
        """The board's part of a Sinric health report (dispatch.health): the radio and the
        clock's source; uptime and freeHeap come from the client itself."""
        ctx = self._ctx
        rssi = ctx.wifi.rssi()
        r = {"clock": ctx.clock.name}  # where the time came from: sntp, sinric, rtc
        if rssi:
            r["wifiRSSI"] = rssi
        return r

    def changed(self, dev):
        new = dev.saved()
        line = change_line(dev.name, self.last.get(dev.name), new, self.cause, self.who)
        if line:
            self._ctx.log(line)
        line = None
        store = self._ctx.store
        # saved() made new for this call: the store keeps it (no copy), and so does last
        # (one dict per device, not two)
        store.put(dev.name, new, False)
        self.last[dev.name] = store.get(dev.name)


class Devices:
    """Every configured device (.all, in config order; built by firmware.services.devices)
    and the sink they report through (.out); run() starts their input and poll tasks."""

    def __init__(self, out):
        self.out = out
        self.all = []
        self.rooms = {}  # device name -> its Yango room, until the devices run

    async def run(self):
        # Runs once every factory has built and declared the devices (tasks start only
        # then): the rooms kept for the Yango declarations (the devices factory released the
        # rest of the config) are not needed any more.
        inputs = []
        self.rooms.clear()
        for d in self.all:
            for coro in d.tasks(inputs):
                asyncio.create_task(coro)
        if inputs:  # one task for every input of the board
            from firmware.inputs import run

            asyncio.create_task(run(inputs, self.all[0].hw))
        # done: the device tasks run for ever on their own (a task and an Event waiting
        # here for ever would only hold RAM)


