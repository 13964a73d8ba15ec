# A Sinric URL no retry can fix stops the client with one clear line instead of reconnecting
# forever with backoff.
import asyncio
import gc

from clock import Clock
from sinric.client import SinricClient
from support import FakeTicks


def test_an_unusable_url_stops_the_client_with_one_line():
    c = None
    for url in ("ws://ws sinric pro/", "wss://ws.sinric.pro:99999", "http://ws.sinric.pro"):
        logs = c = None  # the last client is garbage before the next is made (a board's heap)
        gc.collect()
        logs = []
        c = SinricClient("key", "s" * 40, [], Clock(FakeTicks()), url=url, log=logs.append)
        asyncio.run(asyncio.wait_for(c.run(), 5))  # returns: it does not retry
        assert c.stats["failures"] == 1 and c.fatal, logs
        errors = [x for x in logs if "ERROR" in x]
        assert len(errors) == 1 and "sinric.url" in errors[0] and "stopped" in errors[0], logs
        assert not [x for x in logs if "reconnecting" in x]
