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


def _stuck_run(answers, most):
    # post() answers in turn (an exception raised, or a status); returns ((heap_stuck
    # reason, posts made by then) pairs, posts made, log lines) once the answers are used up
    # or heap_stuck came
    stuck, logs, posts = [], [], []

    async def post(url, body, headers):
        posts.append(1)
        a = answers.pop(0)
        if isinstance(a, BaseException):
            raise a
        return a, b'{"request_id":"r","status":"ok"}'

    clock = Clock(WallTicks())
    clock.sync(T0)
    n = YangoNotifier("http://h", "sk", "tok", "u", clock, post=post, log=logs.append)
    n.initial_delay_ms = 0
    n.backoff_ms = n.gap_ms = n.states.flush_ms = 5
    n.memory_failures_max = most
    n.heap_stuck = lambda why: stuck.append((why, len(posts)))
    n.declare(LAMP)

    async def main():
        task = asyncio.create_task(n.run())
        for i in range(400):
            n.report("lamp", ON, "on", i % 2 == 0)  # always something to send
            await asyncio.sleep(0.01)
            if stuck or not answers:
                break
        task.cancel()

    asyncio.run(main())
    return stuck, len(posts), logs


def test_posts_that_run_out_of_memory_ask_for_a_restart():
    # a heap too fragmented for a POST stays so: the board restarts (heap_stuck) once
    # memory_failures_max POSTs ran out of memory since the last answer; a network failure
    # neither counts nor clears the count; the states wait meanwhile. Not before a first
    # answer: a heap fresh from boot that cannot POST would only restart in a loop.
    oom = MemoryError("memory allocation failed, allocating 257 bytes")
    stuck, posts, logs = _stuck_run([oom, oom, oom, oom, 202, oom, OSError(113), oom, oom,
                                     oom], 3)
    # counted from the answer on: the 9th POST, not the 3rd
    assert stuck == [("yango: 3 POSTs ran out of memory since the last answer", 9)], logs
    assert len([x for x in logs if "ERROR in post: MemoryError" in x]) >= 7, logs


def test_network_failures_are_not_the_heap():
    stuck, posts, logs = _stuck_run([OSError(113)] * 6, 3)
    assert stuck == [] and posts == 6, logs


def test_a_report_wakes_the_idle_loop_and_a_cancel_still_ends_it():
    # run() sleeps up to idle_ms when nothing is due; a report() that is due sooner wakes it
    # at once, and a cancel of the task ends run()
    sent = []
    EV = "devices.properties.event"
    door = {"id": "door", "properties": [{"type": EV, "reportable": True, "parameters": {
        "instance": "open", "events": [{"value": "opened"}, {"value": "closed"}]}}]}

    async def post(url, body, headers):
        sent.append("".join(body))
        return 202, b'{"request_id":"r","status":"ok"}'

    clock = Clock(WallTicks())
    clock.sync(T0)
    n = YangoNotifier("http://h", "sk", "tok", "u", clock, post=post, log=lambda s: None)
    n.initial_delay_ms = 0
    n.gap_ms = 0
    n.idle_ms = 60000  # without the kick the loop would sleep for a minute
    n.declare(door, [(EV, "open", "closed")])
    ended = []

    async def main():
        task = asyncio.create_task(n.run())
        for _ in range(100):  # nothing is due (a stateful event's first value is its
            await asyncio.sleep(0.01)  # baseline): the loop goes to sleep for idle_ms
            if n._until is not None and n._clock.until(n._until, 60000) > 50000:
                break
        assert n._until is not None and not sent, (n.stats, sent)  # asleep
        n.report("door", EV, "open", "opened")
        for _ in range(50):
            await asyncio.sleep(0.01)
            if n.stats["ok"] == 1:
                break
        task.cancel()
        for _ in range(50):
            await asyncio.sleep(0.01)
            if task.done():
                break
        ended.append(task.done())

    asyncio.run(main())
    assert n.stats["ok"] == 1 and '"value":"opened"' in sent[-1], (n.stats, sent)
    assert ended[-1] is True
