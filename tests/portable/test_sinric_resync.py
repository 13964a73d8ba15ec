# SinricClient: a state whose event expired undelivered (offline longer than
# event_max_age_ms) is reported again as a fresh PERIODIC_POLL event once connected, one
# per half state gap; a successful request supersedes a waiting or lost event for the same
# capability, so the last word the server hears is the real state. Injected ticks.
import asyncio

from clock import Clock
from sinric.client import SinricClient

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5d737888aea17c30a056d759"
NOW = 1700000000


class FakeTicks:  # support.FakeTicks, inline: compiling support.py does not fit here
    def __init__(self, start):
        self.t = start

    def ticks_ms(self):
        return self.t

    def advance(self, ms):
        self.t = (self.t + ms) & 0x3FFFFFFF

    def ticks_diff(self, a, b):
        return ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000

    def ticks_add(self, t, delta):
        return (t + delta) & 0x3FFFFFFF


def lost(r):  # states waiting to be reported again
    return len([s for s in r.c._limiter._slots.values() if s[4] is not None])


class FakeWs:
    def __init__(self, codec):
        self.sent = []
        self.codec = codec

    def buffer(self):  # net.ws.WebSocket's: the client signs events into it
        self.buf = bytearray()
        return self.buf

    def send_buffer(self):
        return self.send(bytes(self.buf))

    async def send(self, text):
        self.sent.append(self.codec.verify(text))


class Rig:  # as in test_sinric_events
    def __init__(self):
        self.t = FakeTicks(start=(1 << 30) - 5000)
        self.clock = Clock(self.t)
        self.logs = []
        self.c = SinricClient("key", SECRET, [DEV], self.clock, log=self.logs.append)
        self.ws = FakeWs(self.c.dispatch.codec)  # same secret: one codec

    def online(self):
        if not self.clock.synced:
            self.clock.sync(NOW)
        self.c.connected = True

    def pump(self):
        asyncio.run(self.c._send_events(self.ws))
        return [(p["action"], p["value"], p["createdAt"]) for p in self.ws.sent]


def test_undelivered_events_expire_with_a_log_line_and_the_state_is_reported_fresh():
    r = Rig()
    r.c.event(DEV, "setPowerState", {"state": "On"})
    r.c.event(DEV, "DoorbellPress", {"state": "pressed"})  # a moment, not a state
    r.t.advance(50001)
    r.c._expire_events()  # offline: both dropped
    assert sorted(r.logs) == [
        "sinric: event DoorbellPress for %s dropped: undelivered for 50 s" % DEV,
        "sinric: event setPowerState for %s dropped: undelivered for 50 s; its state is "
        "reported again once connected" % DEV]
    assert r.c.stats["dropped_events"] == 2
    r.t.advance(30000)
    r.online()
    # connected: the state as it is now goes out: fresh createdAt, PERIODIC_POLL
    assert r.pump() == [("setPowerState", {"state": "On"}, NOW)]
    assert r.ws.sent[-1]["cause"] == {"type": "PERIODIC_POLL"}
    assert r.logs[-1] == ("sinric: reporting setPowerState for %s again (its event was lost "
                          "offline)" % DEV)
    r.t.advance(5000)
    assert len(r.pump()) == 1 and lost(r) == 0  # once, and no doorbell


def test_lost_states_are_reported_one_per_resync_gap_and_a_newer_value_wins():
    r = Rig()
    for dev in ("a", "b", "c"):
        r.c.event(dev, "setPowerState", {"state": "On"})
    r.t.advance(50001)
    r.c._expire_events()
    r.c.event("c", "setPowerState", {"state": "Off"})  # changed again: the new value goes
    r.online()
    sent = r.pump()
    assert sorted(v["state"] for _, v, _ in sent) == ["Off", "On"]  # c, and one lost
    assert r.pump() == sent  # the next lost one waits for the gap
    assert lost(r) == 0 and r.c._limiter.wait_ms() == r.c.state_gap_ms // 2
    r.t.advance(r.c.state_gap_ms // 2)
    assert len(r.pump()) == 3 and lost(r) == 0
    assert sorted(p["deviceId"] for p in r.ws.sent) == ["a", "b", "c"]


def request(r, action, value, token, instance=None):
    p = {"action": action, "clientId": "alexa-skill", "createdAt": NOW, "deviceId": DEV,
         "replyToken": token, "type": "request", "value": value}
    if instance is not None:
        p["instanceId"] = instance
    return r.c.dispatch.codec.sign(p).encode()


def test_a_request_supersedes_a_waiting_event_for_the_same_capability():
    r = Rig()
    r.c.dispatch.on_request(DEV, lambda action, value, instance: {"state": "On"} if action ==
                   "setPowerState" else {"rangeValue": 3})
    r.online()
    r.c.event(DEV, "setPowerState", {"state": "On"})  # press 1: goes at once
    r.c.event(DEV, "setRangeValue", {"rangeValue": 1}, instance_id="speed")
    assert len(r.pump()) == 2
    r.t.advance(300)
    r.c.event(DEV, "setPowerState", {"state": "Off"})  # press 2 < 1 s later: waits
    r.c.event(DEV, "setRangeValue", {"rangeValue": 2}, instance_id="speed")
    assert len(r.pump()) == 2
    d = r.c.dispatch
    out = d.codec.verify(d.handle(request(r, "setPowerState", {"state": "On"}, "t1")))
    assert out["value"] == {"state": "On"}
    assert r.logs[-1] == ("sinric: pending setPowerState event for %s superseded by the "
                          "response" % DEV)
    d.codec.verify(d.handle(request(r, "adjustRangeValue", {"rangeValueDelta": 1}, "t2",
                                    "speed")))
    r.t.advance(5000)
    assert r.pump()[2:] == []  # neither the stale Off nor the stale rangeValue 2 follows
    assert r.c._limiter.wait_ms() is None
