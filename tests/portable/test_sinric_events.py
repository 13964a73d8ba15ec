# SinricClient.event(): limited, coalesced, aged and signed; driven with injected ticks.
import asyncio
import gc
import json

from clock import Clock
from oomlog import OomLog
from sinric.client import SinricClient
from support import FakeTicks, raises

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5d737888aea17c30a056d759"
NOW = 1700000000


class FakeWs:
    def __init__(self, codec):
        self.sent = []
        self.fail = False
        self.codec = codec  # the client's own: one HMAC key schedule, not one per frame

    def buffer(self):  # net.ws.WebSocket's: the client signs events into it
        self.buf = bytearray()
        return self.buf

    def send_buffer(self):
        return self.send(bytes(self.buf))

    async def send(self, text):
        if self.fail:
            raise OSError("link gone")
        self.sent.append(self.codec.verify(text))


class Rig:
    def __init__(self, **knobs):
        # no requests here: a small replay memory leaves the 38wK heap to these tests
        knobs.setdefault("seen_tokens", 4)
        self.t = FakeTicks(start=(1 << 30) - 5000)  # the ticks wrap during every test
        self.clock = Clock(self.t)
        self.logs = []
        self.c = SinricClient("key", SECRET, [DEV], self.clock, log=self.logs.append,
                              **knobs)
        self.ws = FakeWs(self.c.dispatch.codec)

    def online(self):
        if not self.clock.synced:
            self.clock.sync(NOW)
        self.c.connected = True

    def pump(self):
        gc.collect()  # an idle point, as between the client's frames on the board
        asyncio.run(self.c._send_events(self.ws))
        return [(p["action"], p["value"], p["createdAt"]) for p in self.ws.sent]


def test_state_events_go_at_once_then_coalesce_within_the_gap():
    r = Rig()
    r.online()
    r.c.event(DEV, "setPowerState", {"state": "On"})
    assert r.pump() == [("setPowerState", {"state": "On"}, NOW)]
    r.t.advance(200)
    r.c.event(DEV, "setPowerState", {"state": "Off"})
    r.c.event(DEV, "setPowerState", {"state": "On"})
    r.c.event(DEV, "setPowerState", {"state": "Off"})
    assert len(r.pump()) == 1  # window closed
    assert r.c._limiter.wait_ms() == 800
    r.t.advance(800)
    assert r.pump()[-1] == ("setPowerState", {"state": "Off"}, NOW + 1)
    assert r.c.stats["coalesced"] == 2 and r.c.stats["events"] == 2
    p = r.ws.sent[-1]
    assert (p["type"], p["deviceId"], p["cause"]) == ("event", DEV,
                                                     {"type": "PHYSICAL_INTERACTION"})
    assert len(p["replyToken"]) == 36


def test_sensor_values_get_the_60_s_gap_and_instances_their_own_key():
    r = Rig()
    r.online()
    r.c.event(DEV, "currentTemperature", {"temperature": 21.5, "humidity": 40})
    r.t.advance(1)
    r.c.event(DEV, "setRangeValue", {"rangeValue": 1}, instance_id="a")
    r.t.advance(1)
    r.c.event(DEV, "setRangeValue", {"rangeValue": 2}, instance_id="b")
    assert len(r.pump()) == 3
    assert [p.get("instanceId") for p in r.ws.sent] == [None, "a", "b"]
    r.t.advance(998)
    r.c.event(DEV, "currentTemperature", {"temperature": 21.7, "humidity": 40},
              cause="PERIODIC_POLL")
    assert len(r.pump()) == 3
    r.t.advance(59001)
    assert len(r.pump()) == 3  # 60 s after the first was sent, not after it was offered
    r.t.advance(1)
    assert r.pump()[-1][1] == {"temperature": 21.7, "humidity": 40}
    assert r.ws.sent[-1]["cause"] == {"type": "PERIODIC_POLL"}


def test_events_wait_for_clock_and_connection_and_keep_their_time():
    r = Rig()
    r.c.event(DEV, "setPowerState", {"state": "On"})  # before any clock or link
    assert r.pump() == []
    r.t.advance(3000)
    r.online()  # the clock says NOW, 3 s after the event happened
    assert r.pump() == [("setPowerState", {"state": "On"}, NOW - 3)]


def test_an_event_dropped_on_a_full_heap_never_raises():
    # event() never raises: not even when its log line does not fit the heap
    # (tests/portable/oomlog.py)
    r = Rig(max_event_keys=1)
    log = r.c._log = OomLog("sinric: event b for ")
    r.c.event(DEV, "a", {})
    r.c.event(DEV, "b", {})  # the queue is full: dropped
    assert r.c.stats["dropped_events"] == 1  # counted, where the line did not fit
    assert log.lines == []


def test_undelivered_events_expire_with_a_log_line():
    r = Rig()
    r.c.event(DEV, "setPowerState", {"state": "On"})
    r.t.advance(50001)
    r.online()
    assert r.pump() == [("setPowerState", {"state": "On"}, NOW)]  # as it is now (resync)
    assert r.logs[0] == ("sinric: event setPowerState for %s dropped: undelivered for 50 s; "
                         "its state is reported again once connected" % DEV)
    assert r.c.stats["dropped_events"] == 1


def test_full_queue_and_bad_values_are_dropped_with_a_log_line():
    r = Rig(max_event_keys=2)
    r.c.event(DEV, "a", {})
    r.c.event(DEV, "b", {})
    r.c.event(DEV, "c", {})  # never raises
    assert r.logs[-1] == "sinric: event c for %s dropped: queue full (2 keys)" % DEV
    r.online()
    assert sorted(a for a, _, _ in r.pump()) == ["a", "b"]
    r.t.advance(1000)  # their windows open again: the table has room
    r.c.event(DEV, "nan", {"t": float("nan")})
    assert len(r.pump()) == 2
    assert r.logs[-1].startswith("sinric: event nan for %s dropped: cannot encode" % DEV)
    assert r.c.stats["dropped_events"] == 2


def test_a_failed_send_keeps_the_event_for_the_next_connection():
    r = Rig()
    r.online()
    r.c.event(DEV, "setPowerState", {"state": "On"})
    r.ws.fail = True
    with raises(OSError):
        r.pump()
    r.ws.fail = False
    assert r.pump() == [("setPowerState", {"state": "On"}, NOW)]


def test_unknown_options_are_refused():
    with raises(TypeError, match="nonsense_ms"):
        Rig(nonsense_ms=5)
    with raises(TypeError):
        Rig(run=1)
    assert Rig(ping_interval_ms=500).c.ping_interval_ms == 500
    assert SinricClient.ping_interval_ms == 30000  # product default untouched


def test_handshake_headers():
    r = Rig()
    r.c._info = {"ip": "10.0.0.2", "mac": "AA:BB:CC:DD:EE:FF", "SDKVersion": "0.1.0",
                 "firmwareVersion": "2.0.1"}
    # the header list is built inside _session; check what it sends through a stub connect
    seen = []

    async def fake_connect(url, headers, *args):
        seen.extend(headers)
        raise OSError("stop here")

    import net.ws

    real, net.ws.connect = net.ws.connect, fake_connect
    try:
        up, why = asyncio.run(r.c._session())
    finally:
        net.ws.connect = real
    assert (up, why) == (None, "connect failed: stop here")
    assert seen == [("appkey", "key"), ("deviceids", DEV), ("ip", "10.0.0.2"),
                    ("mac", "AA:BB:CC:DD:EE:FF"), ("SDKVersion", "0.1.0"),
                    ("firmwareVersion", "2.0.1")]
    assert json.dumps(r.c.stats["failures"]) == "1"


def test_a_bad_value_dropped_on_a_full_heap_leaves_the_link_and_the_rest():
    # the line naming the dropped event did not fit the heap: its MemoryError ended the
    # event sender, and the link with it. A short line now; the next event goes out.
    r = Rig()
    log = r.c._log = OomLog("sinric: event nan for ")
    r.c.event(DEV, "nan", {"t": float("nan")})
    r.c.event(DEV, "ok", {"t": 1})
    r.online()
    assert [a for a, _, _ in r.pump()] == ["ok"]
    assert r.c.stats["dropped_events"] == 1
    assert log.lines == ["sinric: event dropped (out of memory for the details)"]
