"""Issue 18 on real MicroPython against the Sinric double: the fuzzing harness's smallest
inputs (replay past the old ring, a stale coalesced event after a request, an emoji in
clientId, a deeply nested value) and the reconnect probing."""

import asyncio
import json
import re

from sinric_mp_rig import DEV, acts, rig
from wsutil import run

from tools import sinric_oracle as oracle


def escaped_request(server, client_id, value, token):
    # Signed as Python's json.dumps sends it: non-ASCII as \\uXXXX (surrogate pairs), the
    # escapes signed verbatim.
    p = {"action": "setPowerState", "clientId": client_id, "createdAt": int(server.clock()),
         "deviceAttributes": [], "deviceId": DEV, "replyToken": token, "type": "request",
         "value": value}
    text = json.dumps(p, separators=(",", ":"))
    return ('{"header":{"payloadVersion":2,"signatureVersion":1},"payload":%s,'
            '"signature":{"HMAC":"%s"}}' % (text, oracle.hmac_b64(server.app_secret, text)))


def test_a_replay_after_40_other_requests_is_refused():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            first = server.sent[-1]
            for _ in range(40):  # the old 32-token ring forgot the first after 31
                await server.send_request(DEV, "setPowerState", {"state": "Off"})
            await server.send_text(first)  # verbatim, well inside the 60 s window
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: replayed "
                               r"replyToken %s" % (DEV, r["replyToken"]))
            await asyncio.sleep(0.3)
        assert server.answers[r["replyToken"]] == 1
        assert len(acts(dev)) == 41
        assert server.problems == []

    run(scenario())


def test_a_request_supersedes_a_coalesced_event_the_last_word_is_the_real_state():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            dev.send('event %s setPowerState {"state":"On"}' % DEV)  # press 1: goes at once
            await server.wait_until(lambda: server.events, timeout=5)
            dev.send('event %s setPowerState {"state":"Off"}' % DEV)  # press 2, < 1 s: waits
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["value"] == {"state": "On"}
            await dev.wait_for(r"LOG sinric: pending setPowerState event for %s superseded"
                               % DEV)
            await asyncio.sleep(1.5)  # past the 1 s gap: the stale Off would have gone
        words = [m["payload"]["value"]["state"] for m in server.messages
                 if m["payload"] and m["payload"].get("deviceId") == DEV
                 and m["payload"]["action"] == "setPowerState"]
        assert words == ["On", "On"] and words[-1] == "On"  # event On, response On
        assert server.problems == []

    run(scenario())


def test_an_emoji_in_client_id_is_echoed_as_valid_utf8_and_a_lone_surrogate_refused():
    async def scenario():
        async with rig() as (server, dev):
            c = await server.wait_connection()
            text = escaped_request(server, "alexa-\U0001f600", {"state": "On"}, "tok-emoji")
            assert "\\ud83d\\ude00" in text
            r = await server.send_and_wait(text, "tok-emoji")
            assert r["success"] and r["clientId"] == "alexa-\U0001f600"
            # a lone surrogate: refused with one clean answer, nothing acted on
            text = escaped_request(server, "alexa-\ud83d", {"state": "Off"}, "tok-lone")
            r = await server.send_and_wait(text, "tok-lone")
            assert (r["success"], r["message"]) == (
                False, "bad field: payload: lone surrogate \\ud83d in a string")
            assert r["clientId"] == "alexa-\ufffd"
            r = await server.send_request(DEV, "setPowerState", {"state": "Off"})
            assert r["success"]
        assert c.ws.close_code in (None, 1000)  # never 1007: every frame was valid UTF-8
        assert len(server.connections) == 1
        assert acts(dev) == ['ACT %s setPowerState {"state": "On"} None' % DEV,
                             'ACT %s setPowerState {"state": "Off"} None' % DEV]
        assert server.problems == []

    run(scenario())


def test_a_deeply_nested_value_is_refused_with_one_answer():
    # As the fuzzer found it: on the simulated board's 64wK heap, 1,600 nested lists (3.5 KB)
    # arrive whole, and the parser ran out of heap with no answer sent.
    async def scenario():
        async with rig(heap="64wK") as (server, dev):
            await server.wait_connection()
            text, token = server.request_text(DEV, "setPowerState", {"state": "On"})
            text = text.replace('{"state":"On"}', '{"state":%s}' % ("[" * 1600 + "]" * 1600))
            p = text[text.find('"payload":') + 10 : text.rfind(',"signature"')]
            text = text[: text.rfind(',"signature"')] + (
                ',"signature":{"HMAC":"%s"}}' % oracle.hmac_b64(server.app_secret, p))
            assert len(text) < 4096  # inside the frame limit: parsing is the danger
            r = await server.send_and_wait(text, token)
            assert (r["success"], r["message"]) == (
                False, "bad field: payload: nested deeper than 10 levels")
            await asyncio.sleep(0.3)
            r = await server.send_request(DEV, "setPowerState", {"state": "Off"})
            assert r["success"]
        assert server.answers[token] == 1
        assert acts(dev) == ['ACT %s setPowerState {"state": "Off"} None' % DEV]
        assert server.problems == []

    run(scenario())


def delays(dev, start=0):
    return [int(m.group(1)) for m in
            (re.search(r"reconnecting in (\d+) ms", ln) for ln in dev.lines[start:]) if m]


def test_after_a_long_healthy_session_an_outage_is_probed_often_a_flapping_one_is_not():
    # backoff 200 ms doubling to 6.4 s; a session of stable_ms (2 s) is long and healthy,
    # and for 5 x stable_ms after it delays stay <= 8 x backoff_min_ms
    opts = {"backoff_min_ms": 200, "backoff_max_ms": 6400, "stable_ms": 2000}

    async def scenario():
        async with rig(opts) as (server, dev):
            await server.wait_connection()
            await asyncio.sleep(2.5)  # long and healthy
            await server.kill()
            n = len(dev.lines)
            while len(delays(dev, n)) < 6:  # the old backoff's 6th delay: 3.2-6.4 s
                await dev.wait_for(r"reconnecting in", start=len(dev.lines) - 1, timeout=20)
                await asyncio.sleep(0.05)
            quick = delays(dev, n)[:6]
            await server.restart()
            await server.wait_connection(count=2, timeout=10)
            # now a flapping server: sessions shorter than stable_ms do not earn the cap
            for _ in range(2):
                await asyncio.sleep(0.1)
                m = len(dev.lines)
                await server.kill()
                await dev.wait_for(r"reconnecting in", start=m)
                await server.restart()
                await server.wait_connection(count=len(server.connections) + 1, timeout=20)
            flapping = delays(dev, n + len(quick))
        assert max(quick) <= 8 * 200, quick  # capped at 8 x backoff_min_ms
        assert max(flapping) > 8 * 200, flapping  # the full backoff for a flapping server

    run(scenario())


def test_the_network_coming_back_ends_the_backoff_wait():
    opts = {"net_poll_ms": 100, "backoff_min_ms": 20000, "backoff_max_ms": 60000}

    async def scenario():
        async with rig(opts, net=True) as (server, dev):
            await server.wait_connection()
            dev.send("net 0")
            i, m = await dev.wait_for(r"LOG sinric: disconnected \(network down\); "
                                      r"reconnecting in (\d+) ms")
            assert int(m.group(1)) >= 10000
            await asyncio.sleep(0.5)
            dev.send("net 1")
            await dev.wait_for(r"LOG sinric: network back; connecting now", start=i)
            await server.wait_connection(count=2, timeout=5)  # not after the 10-20 s wait
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]

    run(scenario())
