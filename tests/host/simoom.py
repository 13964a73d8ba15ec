# A test service for the simulated board: the product's clouds on a heap that became too
# fragmented for their connections (after the first connect or POST, every one runs out of
# memory, as a 44wK test board's reconnects once did for good). SIMSVC as in simhang.py.
import asyncio

from simplug import plug

_calls = [0]


class _Answer:
    """What the first connect or POST gets: a link that is up (the server's timestamp frame)
    and then lost; an HTTP 202."""

    binary = False
    status = 202
    body = b'{"request_id":"r","status":"ok"}'

    def __init__(self):
        self.frames = [b'{"timestamp":1700000000}']

    def recv_now(self):  # nothing read in place: the client's reader goes on to recv()
        return None

    def readable(self):
        return None

    async def recv(self, timeout=None):
        if self.frames:
            return self.frames.pop()
        from net.ws import ConnectionClosed

        raise ConnectionClosed(1006)

    def abort(self):
        pass


async def _no_room(*args, **kw):
    _calls[0] += 1
    if _calls[0] == 1:
        return _Answer()
    raise MemoryError("memory allocation failed, allocating 263 bytes")


def oom_sinric(ctx):
    import net.ws
    from sinric.client import SinricClient

    from firmware import services

    net.ws.connect = _no_room
    SinricClient.backoff_min_ms, SinricClient.backoff_max_ms = 100, 200  # test time
    print("svc: sinric connects run out of memory")
    return services.sinric(ctx)


def oom_yango(ctx):
    from net import http_client
    from yango.notifier import YangoNotifier

    from firmware import services

    http_client.request = _no_room
    YangoNotifier.initial_delay_ms = YangoNotifier.backoff_ms = 100  # test time
    ctx.clock.sync(1700000000)  # no Sinric here: the notifier has something to send
    print("svc: yango POSTs run out of memory")
    n = services.yango(ctx)

    async def flip():  # a state change every 300 ms: always something to POST
        on = False
        while True:
            await asyncio.sleep_ms(300)
            on = not on
            n.report("lamp", "devices.capabilities.on_off", "on", on)

    asyncio.create_task(flip())
    return n


def no_heap(ctx):
    """A service whose stack the heap cannot hold."""
    raise MemoryError("memory allocation failed, allocating 4096 bytes")


def hog(ctx):
    """A firmware that fills the heap with 64-byte blocks once it runs (what is left is holes
    too small for a control reply), holds it for 2 s, then gives it back."""
    import gc

    async def fill():
        held = []
        await asyncio.sleep_ms(500)
        try:
            while True:
                held.append(bytearray(64))
        except MemoryError:
            pass
        print("svc: heap full")
        await asyncio.sleep_ms(2000)
        held = None
        gc.collect()
        print("svc: heap given back")

    asyncio.create_task(fill())


def after(ctx):
    print("svc: the next service runs")


def devices(ctx):
    from firmware import services

    return services.devices(ctx)


plug(globals())
