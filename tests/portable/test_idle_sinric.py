# The Sinric side's stored ticks (event limiter windows, the session age that resets the
# reconnect backoff) left alone for 7 and 13 days: the next action happens on time. Fake
# ticks wrap at 2^30 like the ESP ports'.
import asyncio

from clock import Clock
from sinric.event_limiter import EventLimiter
from support import IDLE_DAYS, FakeTicks


def test_event_limiter_window_left_for_days_is_open():
    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        lim = EventLimiter(Clock(t))
        lim.offer("k", 1, 60000)
        assert lim.take()[1] == 1  # the window closes for 60 s
        t.idle(days)  # nobody pruned it meanwhile
        lim.offer("k", 2, 60000)
        assert lim.wait_ms() == 0, days
        key, item, age = lim.take()
        assert item == 2 and 0 <= age < 1000


def _sinric_delays(days):
    # the client's reconnect loop with a stub session: four quick failures, then a session
    # that lived for `days`, then stop; returns the reconnect delays it chose
    from sinric.client import SinricClient

    t = FakeTicks(start=(1 << 30) - 3000)
    c = SinricClient("key", "s" * 40, [], Clock(t), log=[].append, rand=lambda n: n - 1)
    delays = []
    runs = []

    async def session():
        runs.append(1)
        if len(runs) == 5:  # the link came up and lived for days
            up = t.ticks_ms()
            t.idle(days)
            return up, "closed"
        if len(runs) == 6:
            c.stop()
        return None, "connect failed"

    async def idle(ms):
        delays.append(ms)

    c._session = session
    c._idle = idle
    asyncio.run(c.run())
    return delays, c.backoff_min_ms


def test_sinric_session_that_lived_for_days_resets_the_backoff():
    for days in IDLE_DAYS:
        delays, least = _sinric_delays(days)
        assert delays[3] == 8000  # four quick failures in a row: the backoff grew
        assert delays[4] == least, (days, delays)  # then a stable session: back to the least


class _PingWs:
    def __init__(self):
        self.pings = []

    async def ping(self, payload):
        self.pings.append(bytes(payload))  # sent as it is now (net.ws copies it into the frame)
        raise OSError("enough")  # ends the pump


def test_keepalive_left_for_days_pings_at_once():
    from sinric.client import SinricClient

    for days in IDLE_DAYS:
        t = FakeTicks(start=(1 << 30) - 3000)
        c = SinricClient("key", "s" * 40, [], Clock(t), log=[].append)
        c._alive_at = t.ticks_ms()  # the last pong
        c._ping_at = None
        c._missed = c._pings = 0
        c._down = asyncio.Event()
        c._why = None
        c.connected = True
        t.idle(days)  # the pump was not scheduled meanwhile
        ws = _PingWs()
        asyncio.run(asyncio.wait_for(c._pump(ws), 5))
        assert ws.pings == [b"\0\0\0\1"], days  # the ping is overdue, not 5.4 days away
