"""YangoNotifier.run() says it is alive (the board's watchdog check-in) at least every
watch_ms, busy or idle, on virtual time (tests/host/vtime.py)."""

import asyncio

import pytest
from clock import Clock
from vtime import PERIOD, run_virtual
from yango.notifier import YangoNotifier

LAMP = {"id": "lamp", "capabilities": [{"type": "devices.capabilities.on_off",
                                        "reportable": True}]}


@pytest.mark.parametrize("status", [202, 503, None])
def test_the_loop_says_it_is_alive_within_watch_ms(status):
    beats = []

    async def body(loop):
        clock = Clock(loop)

        async def post(url, body, headers):
            await asyncio.sleep(4.9)  # a slow answer, inside timeout_s
            if status is None:
                raise OSError("connect failed")
            return status, b'{"request_id":"r"}'

        n = YangoNotifier("http://yango.test", "sk", "tok", "u-1", clock, post=post,
                          log=lambda s: None)
        n.declare(LAMP)
        n.alive = lambda: beats.append(round(loop.now * 1000))
        task = asyncio.ensure_future(n.run())
        await asyncio.sleep(30)
        clock.sync(1700000000)
        for i in range(20):  # busy for a while, then idle for an hour
            n.report("lamp", "devices.capabilities.on_off", "on", bool(i % 2))
            await asyncio.sleep(7)
        await asyncio.sleep(3600)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        return n.watch_ms

    watch = run_virtual(body, PERIOD - 60000)
    assert watch == 20000
    gaps = [b - a for a, b in zip([0] + beats, beats)]
    assert beats and max(gaps) <= watch, max(gaps)
    assert beats[-1] >= (30 + 140 + 3600) * 1000 - watch  # still beating at the end
