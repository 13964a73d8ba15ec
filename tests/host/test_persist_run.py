"""StateStore.run() (the board's write loop) on virtual time: the first change after a quiet
spell is written at once, later ones coalesced into one write per interval."""

import asyncio
import json
import types

from clock import Clock
from vtime import PERIOD, run_virtual

import firmware.persist as persist
from firmware.persist import StateStore


def test_the_write_loop_coalesces_to_one_write_per_interval(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    seen = {}

    async def body(loop):
        # the board's asyncio has sleep_ms; CPython's gets the same on this module only
        board_asyncio = types.SimpleNamespace(
            Event=asyncio.Event, sleep_ms=lambda ms: asyncio.sleep(ms / 1000))
        monkeypatch.setattr(persist, "asyncio", board_asyncio)
        s = StateStore(str(path), 60, lambda line: None, clock=Clock(loop))
        s.load()
        task = asyncio.ensure_future(s.run())

        def file():
            return json.loads(path.read_text()) if path.exists() else None

        await asyncio.sleep(1)
        s.put("lamp", {"on": True})  # after a quiet spell: written at once
        await asyncio.sleep(0.001)
        seen["first"] = (file(), s.writes)
        for i in range(5):  # five more changes within the interval
            await asyncio.sleep(2)
            s.put("lamp", {"on": bool(i % 2), "n": i})
        await asyncio.sleep(60 - 10 - 0.01)  # just before the interval ends
        seen["before"] = (file(), s.writes)
        await asyncio.sleep(0.02)
        seen["after"] = (file(), s.writes)
        await asyncio.sleep(600)  # nothing changes: nothing is written
        seen["idle"] = s.writes
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    run_virtual(body, PERIOD - 30000)  # the tick counter wraps inside the interval
    assert seen["first"] == ({"lamp": {"on": True}}, 1)
    assert seen["before"] == ({"lamp": {"on": True}}, 1)
    assert seen["after"] == ({"lamp": {"on": False, "n": 4}}, 2)
    assert seen["idle"] == 2
