# A Yango config value that cannot make a request (the replayed report: "skill_id": "Home
# Assistant") stops sending with one clear line; it is not retried as a network error
# every minute, forever.
import asyncio

from clock import Clock
from wallticks import WallTicks
from yango.notifier import YangoNotifier

ON = "devices.capabilities.on_off"
LAMP = {"id": "lamp", "capabilities": [{"type": ON}]}


def test_an_unusable_url_stops_sending_with_one_line():
    clock = Clock(WallTicks())
    clock.sync(1735689600)
    logs = []
    # the real HTTP path: the URL is refused locally, before any socket is opened
    n = YangoNotifier("http://127.0.0.1:9", "Home Assistant", "tok", "u", clock,
                      log=logs.append)
    n.initial_delay_ms = 0
    n.backoff_ms = 10
    n.states.flush_ms = 10
    n.declare(LAMP, [(ON, "on", True)])
    n.report_all()

    async def main():
        t = asyncio.create_task(n.run())
        for _ in range(50):  # long enough for several retries, were there any
            await asyncio.sleep(0.01)
        t.cancel()

    asyncio.run(main())
    errors = [x for x in logs if "ERROR" in x]
    assert n.stats["requests"] == 1 and n.stats["retries"] == 0, logs
    assert n.stopped == "config" and len(errors) == 1, logs
    assert "unusable URL" in errors[0] and "sending stopped" in errors[0]
    assert n.states.pending() == 1  # kept: a corrected config sends it
