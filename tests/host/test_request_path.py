"""The Sinric request path of the firmware on the simulated board (real MicroPython): ten
requests in flight are all answered, once each, in the order sent, and the response is on
the wire before the state file is written (persistence never holds a response back).

The request timeline probe of `make bench` (tools/bench/mp/bench_timeline.py) is preloaded:
it prints "BENCH tl ..." once a response is written and "BENCH write ..." after each state
file write, so the order of those lines is the order of the two events. No timing is asserted.
"""

import asyncio
import json

from tools.sim.run import FAST, SimBoard
from tools.sinric_server import SinricServer

KEY = "de0b1234-1a3b-4c3d-a12b-5dab12345678"
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5dc1564130aaaaaaaaaaaa01"
RELAY = 5
HANG = 20  # s: a hang guard, not a speed target


def config(url):
    return {"wifi": {"ssid": "t", "password": "password1"},
            "sinric": {"app_key": KEY, "app_secret": SECRET, "url": url},
            "board": {"watchdog_s": 30, "state_write_interval_s": 60},
            "devices": [{"name": "lamp", "type": "switch", "sinric_id": DEV, "relay": RELAY,
                         "button": 0}]}


def test_ten_in_flight_answered_in_order_and_responses_precede_the_state_write():
    async def scenario():
        server = await SinricServer(KEY, SECRET, log=None).start()
        board = SimBoard(config(server.url), heap="96wK", knobs=FAST,
                         extra_path=["tools/bench/mp"], preload=["bench_timeline"],
                         env={"BENCH_TIMELINE": "1"})
        try:
            await asyncio.to_thread(board.start)
            await server.wait_connection(timeout=HANG)
            # one change after a quiet spell: the store writes it at once, in its own task
            mark = len(board.lines)
            r = await server.send_request(DEV, "setPowerState", {"state": "On"}, timeout=HANG)
            assert r["success"] and r["value"] == {"state": "On"}
            await asyncio.to_thread(board.wait_for, "BENCH write", HANG, mark)
            out = [x.split()[1] for x in board.lines[mark:] if x.startswith("BENCH ")]
            assert out.index("tl") < out.index("write"), out
            assert json.loads(board.path("state.json").read_text())["lamp"] == {"on": True}

            states = ["Off", "On"] * 5
            mark, first = len(board.lines), len(server.sent)
            rs = await asyncio.gather(*(server.send_request(
                DEV, "setPowerState", {"state": s}, timeout=HANG) for s in states))
            assert [x["value"]["state"] for x in rs] == states
            assert all(x["success"] for x in rs)
            sent = [json.loads(t)["payload"]["replyToken"] for t in server.sent[first:]]
            answered = [m["payload"]["replyToken"] for m in server.messages
                        if m["payload"] and m["payload"]["type"] == "response"
                        and m["payload"]["replyToken"] in sent]
            assert answered == sent  # each once, in the order the frames arrived
            assert not server.problems
            await asyncio.sleep(0.2)
            assert sum(x.startswith("BENCH tl") for x in board.lines[mark:]) == 10
            assert board.get(RELAY)["value"] == 1  # the last one sent: On
            assert len(board.boots) == 1
        finally:
            await asyncio.to_thread(board.stop)
            await server.stop()

    asyncio.run(scenario())


def test_the_allocation_probe_leaves_room_for_back_to_back_requests():
    # The bench's allocation run (bench_timeline.py without BENCH_TIMELINE) holds the
    # automatic GC off from a frame's first bytes to the next collection. Frames that come
    # in before the reader is idle used to share one window, GC off throughout: their garbage
    # filled the heap, a MemoryError dropped the link and the requests in flight went
    # unanswered. Each frame now closes the window before it with a collection.
    async def scenario():
        server = await SinricServer(KEY, SECRET, log=None).start()
        board = SimBoard(config(server.url), heap="96wK", knobs=FAST,
                         extra_path=["tools/bench/mp"], preload=["bench_timeline"])
        try:
            await asyncio.to_thread(board.start)
            await server.wait_connection(timeout=HANG)
            mark = len(board.lines)
            n = 60
            rs = await asyncio.gather(*(server.send_request(
                DEV, "setPowerState", {"state": "On" if i % 2 else "Off"}, timeout=HANG)
                for i in range(n)), return_exceptions=True)
            assert all(isinstance(r, dict) and r["success"] for r in rs), rs
            await asyncio.sleep(0.2)
            lines = board.lines[mark:]
            assert not [x for x in lines if "sinric: dis" in x or "rror" in x], lines
            windows = [x.split()[2:] for x in lines if x.startswith("BENCH alloc")]
            # one frame a window (0: the connect's, whose timestamp frame is not a request)
            assert windows and max(int(f) for _, f in windows) == 1, windows
            assert len(server.connections) == 1 and not server.problems
        finally:
            await asyncio.to_thread(board.stop)
            await server.stop()

    asyncio.run(scenario())
