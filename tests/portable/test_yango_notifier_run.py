# The notifier's asyncio driver (run) with an injected post: both runtimes.
import asyncio

from clock import Clock
from wallticks import WallTicks
from yango.notifier import YangoNotifier

T0 = 1735689600
ON = "devices.capabilities.on_off"
LAMP = {"id": "lamp", "capabilities": [{"type": ON, "reportable": True}]}


def test_run_loop_survives_memory_errors_and_delivers():
    # the asyncio driver with an injected post: a MemoryError while sending, then one
    # inside take() (simulated), must neither kill the loop nor lose the state
    sent = []

    async def post(url, body, headers):
        text = "".join(body)
        sent.append(text)
        if len(sent) == 1:
            raise MemoryError("allocating 512 bytes")
        assert headers == {"Authorization": "OAuth tok", "Content-Type": "application/json"}
        return 202, b'{"request_id":"r","status":"ok"}'

    clock = Clock(WallTicks())
    clock.sync(T0)
    logs = []
    n = YangoNotifier("http://h", "sk", "tok", "u", clock, post=post, log=logs.append)
    n.initial_delay_ms = 0
    n.backoff_ms = 20
    n.gap_ms = 10
    n.states.flush_ms = 10
    n.declare(LAMP)
    take = n.states.take
    calls = []

    def flaky_take(*a):
        calls.append(1)
        if len(calls) == 2:
            raise MemoryError("in take")
        return take(*a)

    n.states.take = flaky_take

    async def main():
        task = asyncio.create_task(n.run())
        n.report("lamp", ON, "on", True)
        for _ in range(200):
            await asyncio.sleep(0.01)
            if n.stats["ok"]:
                break
        task.cancel()

    asyncio.run(main())
    assert n.stats["ok"] == 1 and n.states.pending() == 0, logs
    assert len(sent) == 2 and sent[0] == sent[1] and '"value":true' in sent[1]
    assert [x for x in logs if "ERROR in post: MemoryError" in x]
    assert [x for x in logs if "ERROR in poll: MemoryError" in x]
