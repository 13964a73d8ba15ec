"""SinricClient's link rules on virtual time (tests/host/vtime.py): keep-alive (pong payload,
missed pongs, deadline), reconnect backoff (growth, cap, reset only after a stable
connection), all across the 2^30 tick wrap. The WebSocket is a scripted double of
lib/websocket's interface; every figure below is exact virtual ms, not wall-clock time."""

import asyncio
import re
import types

import net.ws
import pytest
import sinric.client as sinric_client
from clock import Clock
from sinric.client import SinricClient
from vtime import PERIOD, run_virtual

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5d737888aea17c30a056d759"
_GONE = object()
# the client packs its heap with gc.collect() per session: a board's need, slow on CPython
NO_GC = types.SimpleNamespace(collect=lambda: None)


class Link:
    """What the scripted server does. pong: 'echo' | 'wrong' | None (no answer).
    lifetimes: ms each successive connection lives before the server drops it (None: for
    ever); refuse: how many connects fail before one succeeds (-1: all)."""

    def __init__(self, loop, pong="echo", lifetimes=(), refuse=0):
        self.loop = loop
        self.pong = pong
        self.lifetimes = list(lifetimes)
        self.refuse = refuse
        self.connects = []  # virtual ms of every connect attempt
        self.pings = []  # (connection number, virtual ms, payload)
        self.sessions = 0

    def ms(self):
        return round(self.loop.now * 1000)

    async def connect(self, url, headers, timeout, max_size, *tls):
        self.connects.append(self.ms())
        if self.refuse:
            self.refuse -= 1
            raise net.ws.HandshakeError("refused (scripted)")
        self.sessions += 1
        life = self.lifetimes.pop(0) if self.lifetimes else None
        return FakeWs(self, self.sessions, life)


class FakeWs:
    def __init__(self, link, n, life_ms):
        self.link = link
        self.n = n
        self.on_pong = None
        self.decode_text = True
        self.binary = False  # net.ws.WebSocket: the last frame was text
        self.q = asyncio.Queue()
        self.q.put_nowait(b'{"timestamp":1700000000}')
        if life_ms is not None:
            link.loop.call_later(life_ms / 1000, self.q.put_nowait, _GONE)

    def recv_now(self):  # as net.ws.WebSocket on CPython: every message comes by recv()
        return None

    def readable(self):
        return None

    async def recv(self, timeout=None):
        try:
            item = await asyncio.wait_for(self.q.get(), timeout)
        except asyncio.TimeoutError:
            raise net.ws.ConnectionClosed(1006, "no message") from None
        if item is _GONE:
            raise net.ws.ConnectionClosed(1006, "dropped by the server")
        return item

    async def ping(self, payload=b""):
        payload = bytes(payload)  # sent as it is now: net.ws copies it into the frame
        self.link.pings.append((self.n, self.link.ms(), payload))
        if self.link.pong == "echo":
            self.link.loop.call_soon(self.on_pong, payload)
        elif self.link.pong == "wrong":
            self.link.loop.call_soon(self.on_pong, payload + b"x")

    async def send(self, data):
        pass

    def buffer(self):  # net.ws.WebSocket's reused send buffer: the client signs events into it
        self.buf = bytearray()
        return self.buf

    def send_buffer(self):
        return self.send(str(self.buf, "utf-8"))

    def abort(self, *a):
        self.q.put_nowait(_GONE)

    async def close(self, *a):
        self.abort()


def scenario(run_ms, start_ticks=0, rand=lambda n: n - 1, knobs=None, net_up=None, **link_kw):
    """Run a client against a scripted Link for run_ms virtual ms; (link, log lines with
    their virtual ms). rand n-1: every backoff delay is the top of its jitter range."""
    async def body(loop):
        link = Link(loop, **link_kw)
        logs = []
        clock = Clock(loop)
        c = SinricClient("key", SECRET, [DEV], clock, url="ws://sinric.test/",
                         log=lambda s: logs.append((link.ms(), s)), rand=rand,
                         net_ready=None if net_up is None else (lambda: net_up(link.ms())),
                         **(knobs or {}))
        real, net.ws.connect = net.ws.connect, link.connect
        gc, sinric_client.gc = sinric_client.gc, NO_GC
        try:
            task = asyncio.ensure_future(c.run())
            await asyncio.sleep(run_ms / 1000)
            c.stop()
            await task
        finally:
            net.ws.connect = real
            sinric_client.gc = gc
        return link, logs

    return run_virtual(body, start_ticks)


def delays(logs):
    return [int(m.group(1)) for m in (re.search(r"reconnecting in (\d+) ms", s)
                                       for _, s in logs) if m]


def dead_at(logs):
    return [(t, int(m.group(1))) for t, m in ((t, re.search(r"dead link: no pong for (\d+) ms",
                                                           s)) for t, s in logs) if m]


WRAPS = [0, PERIOD - 20000, PERIOD - 45000]  # no wrap; wrap during the first ping; later


@pytest.mark.parametrize("start", WRAPS)
def test_answered_pings_keep_one_link_for_hours(start):
    link, logs = scenario(3 * 3600 * 1000 + 1000, start)
    assert link.sessions == 1 and delays(logs) == []
    pings = [t for _, t, _ in link.pings]
    assert len(pings) == 3 * 3600 // 30
    assert all(b - a == 30000 for a, b in zip(pings, pings[1:]))  # one every ping_interval


@pytest.mark.parametrize("start", WRAPS)
def test_a_pong_with_the_wrong_payload_is_no_proof_of_life(start):
    link, logs = scenario(120000, start, pong="wrong")
    # 30 s to the first ping, then 2 x 10 s without a valid pong: dead at 50 s
    assert dead_at(logs)[0] == (50000, 50000)
    assert [t for n, t, _ in link.pings if n == 1] == [30000, 40000]


@pytest.mark.parametrize("missed", [2, 3])
@pytest.mark.parametrize("start", WRAPS)
def test_the_link_is_dead_after_max_missed_pongs(missed, start):
    link, logs = scenario(100000, start, pong=None, knobs={"max_missed_pongs": missed})
    first = [(t, p) for n, t, p in link.pings if n == 1]
    assert [t for t, _ in first] == [30000 + 10000 * i for i in range(missed)]
    assert len({p for _, p in first}) == missed  # each ping its own payload
    bound = 30000 + missed * 10000
    assert dead_at(logs)[0] == (bound, bound)
    misses = [s for _, s in logs if "no pong within" in s and "dead" not in s]
    assert misses[: missed - 1] == ["sinric: no pong within 10000 ms (%d of %d)" % (i, missed)
                                    for i in range(1, missed)]


@pytest.mark.parametrize("start", WRAPS)
def test_the_backoff_grows_to_its_cap_and_stays_there(start):
    link, logs = scenario(10 * 60000, start, refuse=-1)
    d = delays(logs)
    assert d[:8] == [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]
    assert set(d[6:]) == {60000}
    gaps = [b - a for a, b in zip(link.connects, link.connects[1:])]
    assert gaps[:7] == d[:7]  # the next attempt waits exactly the logged delay


@pytest.mark.parametrize("start", WRAPS)
def test_short_lived_connections_do_not_reset_the_backoff(start):
    # a flapping server: every connection dropped after 5 s, well under stable_ms (60 s)
    link, logs = scenario(90000, start, lifetimes=[5000] * 50)
    assert delays(logs)[:5] == [1000, 2000, 4000, 8000, 16000]
    assert len(link.connects) <= 7  # no reconnect storm


@pytest.mark.parametrize("start", WRAPS + [PERIOD - 61000, PERIOD - 62000])
def test_only_a_stable_connection_resets_the_backoff(start):
    # three refusals grow the backoff; a connection that lived stable_ms (60 s) resets it,
    # one that lived 59.9 s does not
    link, logs = scenario(200000, start, refuse=3, lifetimes=[60000, 59900, 1])
    assert delays(logs)[:6] == [1000, 2000, 4000, 1000, 2000, 4000]


def test_events_coalesce_to_the_last_value_and_keep_the_gap():
    sent = []

    async def body(loop):
        link = Link(loop)
        clock = Clock(loop)
        c = SinricClient("key", SECRET, [DEV], clock, url="ws://sinric.test/",
                         log=lambda s: None)

        async def send(self, data):
            sent.append((link.ms(), data))

        FakeWs.send, old = send, FakeWs.send
        real, net.ws.connect = net.ws.connect, link.connect
        try:
            task = asyncio.ensure_future(c.run())
            await asyncio.sleep(0.1)
            for v in (10, 20, 30):  # 20 and 30 inside the 1 s gap after 10
                c.event(DEV, "setRangeValue", {"rangeValue": v})
                await asyncio.sleep(0.2)
            await asyncio.sleep(5)
            c.stop()
            await task
        finally:
            net.ws.connect = real
            FakeWs.send = old
        return c.stats

    stats = run_virtual(body, PERIOD - 500)
    values = [int(re.search(r'"rangeValue":(\d+)', t).group(1)) for _, t in sent]
    assert values == [10, 30]  # the first at once, then the LAST of those held back
    assert sent[1][0] - sent[0][0] == 1000  # exactly the state gap of docs/sinricpro.md 7.2
    assert (stats["events"], stats["coalesced"]) == (2, 1)


@pytest.mark.parametrize("start", WRAPS)
def test_no_connect_attempt_while_the_network_is_down(start):
    # down from 0 to 10 min, then up: the first attempt within one net_poll_ms (1 s)
    link, logs = scenario(700000, start, net_up=lambda ms: ms >= 600000)
    assert link.connects[0] >= 600000 and link.connects[0] - 600000 <= 1000
    assert link.sessions == 1


@pytest.mark.parametrize("start", WRAPS)
def test_a_network_loss_ends_the_session_within_one_poll(start):
    link, logs = scenario(100000, start, net_up=lambda ms: not 40000 <= ms < 90000)
    down = [t for t, s in logs if "disconnected (network down)" in s]
    assert len(down) == 1 and 40000 <= down[0] <= 41000
    assert [t for t in link.connects if t < 90000] == [0]  # none while it stays down
    assert 90000 <= link.connects[1] <= 91000 and link.sessions == 2


@pytest.mark.parametrize("kw", [{}, {"refuse": -1}, {"pong": None},
                                {"lifetimes": [5000] * 30},
                                {"net_up": lambda ms: not 100000 <= ms < 400000}])
def test_the_loop_says_it_is_alive_within_watch_ms_whatever_the_link_does(kw):
    # the board's watchdog needs alive() at least every watch_ms (firmware/app.py)
    beats = []

    async def body(loop):
        link = Link(loop, **{k: v for k, v in kw.items() if k != "net_up"})
        clock = Clock(loop)
        net_up = kw.get("net_up")
        c = SinricClient("key", SECRET, [DEV], clock, url="ws://sinric.test/",
                         log=lambda s: None,
                         net_ready=None if net_up is None else (lambda: net_up(link.ms())))
        c.alive = lambda: beats.append(link.ms())
        real, net.ws.connect = net.ws.connect, link.connect
        try:
            task = asyncio.ensure_future(c.run())
            await asyncio.sleep(900)
            c.stop()
            await task
        finally:
            net.ws.connect = real
        return c.watch_ms

    watch = run_virtual(body, PERIOD - 300000)
    assert watch == 60000
    gaps = [b - a for a, b in zip([0] + beats, beats + [900000])]
    assert max(gaps) <= watch, max(gaps)
