"""No leak and no fragmentation creep in the Sinric link (issue 11): on both chip profiles the
heap after 10,100 requests and events, collected at an idle moment, is what it was after
100, within a one-time 32 bytes (see below), and the same to the byte over the last 4,000;
the biggest hole does not shrink.
lib/sinric/client.py on the real interpreter (tests/host/mp_sinric_device.py) against the server
double over 127.0.0.1; the ESP8266 profile is the kit's 32-bit build with lib/ frozen, at its
38 KB heap."""

import asyncio

import pytest
from sinric_mp_rig import DEV, rig
from wsutil import run

from tools import board_files

IN_FLIGHT = 10
# Events go out as fast as the link takes them (no 1 s state gap); the replay memory holds
# every request of the run (its ring is made at start: part of the baseline, not growth).
OPTS = {"state_gap_ms": 0, "seen_tokens": 1024, "max_age_s": 1, "backoff_min_ms": 200,
        "backoff_max_ms": 2000}


def _interp(chip):
    try:
        return board_files.locate(chip)
    except board_files.Unavailable as e:
        pytest.skip(str(e))


async def _heap(dev):
    i = len(dev.lines)
    dev.send("heap")
    _, m = await dev.wait_for(r"^HEAP (\d+)", start=i)
    _, b = await dev.wait_for(r"max free sz: (\d+)", start=i)
    return int(m.group(1)), int(b.group(1))


async def _requests(server, n):
    answered = [0]

    async def worker(k):
        for i in range(n // IN_FLIGHT):
            r = await server.send_request(DEV, "setPowerState",
                                          {"state": "On" if (i + k) % 2 else "Off"}, timeout=10)
            answered[0] += 1
            assert r["success"] or r["message"].startswith("Too many requests"), r

    await asyncio.gather(*(worker(k) for k in range(IN_FLIGHT)))
    return answered[0]


async def _events(server, dev, n):
    i = len(dev.lines)
    dev.send("events %d %s" % (n, DEV))
    _, m = await dev.wait_for(r"^EVENTS (\d+)", start=i, timeout=120)
    await server.wait_until(lambda: len(server.events) >= int(m.group(1)), timeout=10)


@pytest.mark.parametrize("chip", ["esp32", "esp8266"])
def test_heap_after_10000_requests_and_events_is_the_heap_after_100(chip):
    interp = _interp(chip)

    async def scenario():
        async with rig(opts=OPTS, devices=(DEV,), fast=False, interp=interp,
                       log=None) as (server, dev):
            await server.wait_connection(timeout=30)
            await _requests(server, 100)
            await _events(server, dev, 100)
            series = [await _heap(dev)]  # (free bytes, biggest hole in blocks)
            for _ in range(10):
                await _requests(server, 1000)
                await _events(server, dev, 1000)
                series.append(await _heap(dev))
            assert dev.grep(r"^LOG sinric: (error|disconnected)") == []
            assert len(server.connections) == 1 and server.problems == []
            print("%s heap after 100, 1,100 ... 10,100 requests and events: %s" % (chip, series))
            # No leak: the last five readings (6,100 to 10,100) hold the same bytes, to the
            # byte, and none holds more than 32 bytes over the reading after 100. Those 32
            # bytes (two blocks on the ESP8266 profile, never on the ESP32 one) appear in
            # some runs, once, at a random point of the run, and never grow after it: a
            # one-time step (not found yet), not a leak, which would add up reading by
            # reading (0.5 bytes a request would be 5 KB here).
            free = [f for f, _ in series]
            assert free[6:] == [free[6]] * 5, series
            assert min(free) >= free[0] - 32, series
            # No fragmentation creep: the biggest hole does not shrink with the run. It moves
            # from one reading to the next with where the moment's live temporaries (the
            # pump's timer, the command being read) happen to sit, and with where the last
            # automatic collection found the heap: measured 54-159 blocks on the ESP8266
            # profile and about 2,000-3,300 on the ESP32 one, no trend; a leak of fragments
            # would take a little from every reading, so their best is compared, with room
            # for the noise: a creep of the 0.5 bytes a request seen once would be 4.5 KB
            # here, more than the ESP8266 profile's whole hole (about 2.5 KB).
            best = max(h for _, h in series[1:6])
            assert max(h for _, h in series[6:]) >= best // 2, series

    run(scenario(), timeout=600)
