"""The Sinric Pro server double itself: its checks, its API and its CLI."""

import asyncio
import json
import subprocess
import sys
import time

import pytest
from canonical_json import dumps
from mpy import ROOT
from sinric.codec import Codec
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from wsutil import run

from tools.sinric_server import SinricServer, parse_value

KEY = "de0b1234-1a3b-4c3d-a12e-5dab12345678"
SECRET = "x" * 40
DEV = "5dc1564130aaaaaaaaaaaa01"
CODEC = Codec(SECRET)


async def fake_device(url, behave="good", app_key=KEY):
    """A CPython device: answers every request; `behave` picks one way to get it wrong."""
    ws = await connect(url, additional_headers={"appkey": app_key, "deviceids": DEV})
    if behave == "early":
        await ws.send(CODEC.event("setPowerState", {"state": "On"}, int(time.time()), DEV))

    async def serve():
        async for raw in ws:
            if raw.startswith('{"timestamp"'):
                continue
            req = json.loads(raw)["payload"]
            now = int(time.time()) - (300 if behave == "stale" else 0)
            text = CODEC.response(req, now, value=req["value"])
            if behave == "badsig":
                text = text.replace('"OK"', '"KO"')
            elif behave == "spaces":  # signed correctly, but not the canonical form
                p = json.loads(text)["payload"]
                body = json.dumps(p, separators=(", ", ": "))
                text = ('{"header":{"payloadVersion":2,"signatureVersion":1},"payload":%s,'
                        '"signature":{"HMAC":"%s"}}' % (body, CODEC._mac.b64(body)))
            await ws.send(text)
            if behave == "twice":
                await ws.send(text)

    return ws, asyncio.create_task(serve())


async def with_device(behave, body, **server_kw):
    server = await SinricServer(KEY, SECRET, log=None, **server_kw).start()
    ws = task = None
    try:
        ws, task = await fake_device(server.url, behave)
        await server.wait_connection()
        return await body(server)
    finally:
        if task:
            task.cancel()
        if ws:
            await ws.close()
        await server.stop()


def test_good_device_round_trip_and_records():
    async def body(server):
        r = await server.send_request(DEV, "setPowerState", {"state": "On"})
        assert (r["success"], r["value"], r["replyToken"]) == (
            True, {"state": "On"}, json.loads(server.sent[-1])["payload"]["replyToken"])
        c = server.current
        assert c.headers["appkey"] == KEY and c.headers["deviceids"] == DEV
        assert server.problems == [] and server.answers[r["replyToken"]] == 1
        assert server.messages[0]["payload"] == r

    run(with_device("good", body))


@pytest.mark.parametrize("behave,problem", [
    ("badsig", "bad message (signature is invalid)"),
    ("spaces", "payload is not canonical JSON"),
    ("stale", "createdAt is 300 s old"),
    ("twice", "second response for replyToken"),
])
def test_every_device_mistake_is_a_problem(behave, problem):
    async def body(server):
        try:
            await server.send_request(DEV, "setPowerState", {"state": "On"}, timeout=1)
        except asyncio.TimeoutError:
            pass
        await server.wait_until(lambda: server.problems, timeout=3)
        if behave == "twice":
            await server.wait_until(lambda: len(server.messages) == 2, timeout=3)
        return server.problems

    problems = run(with_device(behave, body))
    assert len(problems) == 1 and problem in problems[0], problems


def test_message_before_the_timestamp_is_a_problem():
    async def body(server):
        await server.wait_until(lambda: server.problems, timeout=3)
        return server.problems

    problems = run(with_device("early", body, timestamp_delay=0.5))
    assert problems == ["#1 sent a message before the timestamp frame"]


def test_wrong_app_key_is_refused_with_401():
    async def scenario():
        server = await SinricServer(KEY, SECRET, log=None).start()
        try:
            with pytest.raises(InvalidStatus) as e:
                await fake_device(server.url, app_key="someone-else")
            assert e.value.response.status_code == 401
            assert server.connections == []
        finally:
            await server.stop()

    run(scenario())


def test_tampered_requests_carry_the_original_signature():
    server = SinricServer(KEY, SECRET, log=None)
    text, _ = server.request_text(DEV, "setPowerState", {"state": "On"},
                                  tamper={"state": "Off"})
    assert '"value":{"state":"Off"}' in text
    with pytest.raises(ValueError, match="signature is invalid"):
        CODEC.verify(text)
    good, _ = server.request_text(DEV, "setPowerState", {"state": "On"})
    p = CODEC.verify(good)
    assert dumps(p) in good and p["clientId"] == "portal"


def test_cli_value_shorthands():
    assert parse_value("setPowerState", ["On"]) == {"state": "On"}
    assert parse_value("setBrightness", ["40"]) == {"brightness": 40}
    assert parse_value("setColor", ["255,0,10"]) == {"color": {"r": 255, "g": 0, "b": 10}}
    assert parse_value("setRangeValue", ["rangeValue=2.5"]) == {"rangeValue": 2.5}
    assert parse_value("x", ['{"a":', "[1]}"]) == {"a": [1]}
    assert parse_value("health", []) == {}
    with pytest.raises(ValueError, match="JSON value"):
        parse_value("someAction", ["5"])


def test_standalone_server_and_cli(tmp_path):
    ports = tmp_path / "ports"
    tool = [sys.executable, "-m", "tools.sinric_server"]
    proc = subprocess.Popen(tool + ["serve", "--app-key", KEY, "--app-secret", SECRET,
                                    "--port-file", str(ports)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while not ports.exists() or not ports.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        port, cport = ports.read_text().split()

        async def scenario():
            ws, task = await fake_device("ws://127.0.0.1:%s/" % port)
            loop = asyncio.get_running_loop()

            def cli(*words):
                return subprocess.run(tool + list(words[:1]) + ["--control", cport]
                                      + list(words[1:]), capture_output=True, text=True,
                                      timeout=30, cwd=ROOT)

            try:
                status = json.loads((await loop.run_in_executor(None, cli, "ctl",
                                                                "status")).stdout)
                for _ in range(50):
                    if status["connected"]:
                        break
                    await asyncio.sleep(0.1)
                    status = json.loads((await loop.run_in_executor(
                        None, cli, "ctl", "status")).stdout)
                assert status["connected"] and status["headers"]["deviceids"] == DEV
                sent = await loop.run_in_executor(None, cli, "send", DEV, "setPowerState",
                                                  "On")
                assert sent.returncode == 0, sent
                r = json.loads(sent.stdout)
                assert (r["success"], r["value"]) == (True, {"state": "On"})
                bad = await loop.run_in_executor(None, cli, "ctl", "frobnicate")
                assert bad.returncode == 1 and "unknown command" in bad.stdout
            finally:
                task.cancel()
                await ws.close()

        run(scenario())
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert "-> request setPowerState %s {\"state\":\"On\"}" % DEV in out
    assert "<- response setPowerState %s success=true 'OK' {\"state\":\"On\"}" % DEV in out
