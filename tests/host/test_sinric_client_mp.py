"""lib/sinric/client.py under real MicroPython (-X heapsize=46wK) against the server double."""

import asyncio
import json
import re
import time

from sinric_mp_rig import APP_KEY, DEV, DEV2, HEAP, acts, rig
from wsutil import run


def test_handshake_headers():
    info = {"ip": "192.168.1.50", "mac": "24:6F:28:AA:BB:CC", "platform": "ESP32",
            "SDKVersion": "0.1.0", "firmwareVersion": "1.2.3"}

    async def scenario():
        async with rig(info=info) as (server, dev):
            c = await server.wait_connection()
            await dev.wait_for(r"LOG sinric: connected to ws://127\.0\.0\.1:\d+/")
        names = dict(c.raw_headers)
        assert names["appkey"] == APP_KEY
        assert names["deviceids"] == DEV + ";" + DEV2
        assert (names["ip"], names["mac"], names["platform"]) == (
            "192.168.1.50", "24:6F:28:AA:BB:CC", "ESP32")
        assert names["SDKVersion"] == "0.1.0" and names["firmwareVersion"] == "1.2.3"
        assert server.problems == []

    run(scenario())


def test_missing_info_headers_are_not_sent():
    async def scenario():
        async with rig(info={"platform": "ESP8266"}) as (server, dev):
            c = await server.wait_connection()
        assert "ip" not in c.headers and "mac" not in c.headers
        assert "firmwareversion" not in c.headers and c.headers["platform"] == "ESP8266"

    run(scenario())


def test_nothing_is_sent_before_the_timestamp():
    async def scenario():
        async with rig(timestamp_delay=1.5) as (server, dev):
            await server.wait_until(lambda: server.connections)
            dev.send('event %s setPowerState {"state":"On"}' % DEV)
            c = await server.wait_connection()
            await server.wait_until(lambda: server.events, timeout=5)
        assert server.problems == []  # the double flags anything before the timestamp
        assert server.messages[0]["t"] >= c.timestamp_sent
        assert server.events[0]["value"] == {"state": "On"}

    run(scenario())


def test_no_timestamp_frame_means_reconnect():
    async def scenario():
        async with rig({"timestamp_timeout_ms": 400}, send_timestamp=False) as (server, dev):
            await dev.wait_for(r"LOG sinric: disconnected \(no timestamp frame \(1006 no "
                               r"message within 0\.4\d* s\)\); reconnecting in \d+ ms")
            await server.wait_until(lambda: len(server.connections) >= 2, timeout=5)
            assert server.messages == []

    run(scenario())


def test_50_signed_requests_get_50_signed_responses():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            t0 = time.monotonic()
            for i in range(50):
                state = "On" if i % 2 else "Off"
                r = await server.send_request(DEV, "setPowerState", {"state": state}, timeout=8)
                assert (r["success"], r["message"], r["value"]) == (True, "OK", {"state": state})
                assert r["deviceId"] == DEV and r["scope"] == "device"
                assert r["replyToken"] == json.loads(server.sent[-1])["payload"]["replyToken"]
            took = time.monotonic() - t0
            # and a burst of 10 at once
            rs = await asyncio.gather(*(server.send_request(DEV2, "setBrightness",
                                                            {"brightness": b}, timeout=8)
                                        for b in range(10)))
            assert [r["value"]["brightness"] for r in rs] == list(range(10))
            await dev.wait_for(r"^ACT %s setBrightness \{\"brightness\": 9\}" % DEV2)
        assert server.problems == []  # every response verified, canonical, fresh, single
        assert len(acts(dev)) == 60
        print("50 sequential requests: %.0f ms each" % (took / 50 * 1000))

    run(scenario())


def test_tampered_request_is_refused_and_not_acted_on():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            r = await server.send_request(DEV, "setPowerState", {"state": "On"},
                                          tamper={"state": "Off"})
            assert (r["success"], r["message"]) == (False, "Signature is invalid")
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: signature is "
                               r"invalid" % DEV)
            # the link survives and the next good request works
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]
        assert acts(dev) == ['ACT %s setPowerState {"state": "On"} None' % DEV]
        assert server.problems == []

    run(scenario())


def test_stale_request_is_refused():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            r = await server.send_request(DEV, "setPowerState", {"state": "On"},
                                          created_at=int(time.time()) - 120)
            assert (r["success"], r["message"]) == (False, "Request expired (120 s old)")
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: Request expired "
                               r"\(120 s old\)" % DEV)
        assert acts(dev) == []

    run(scenario())


def test_replayed_request_is_refused_and_answered_once():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]
            await server.send_text(server.sent[-1])  # the same signed bytes again
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: replayed "
                               r"replyToken %s" % (DEV, r["replyToken"]))
            # the device answers in order: a response to the replay would come before this one
            assert (await server.send_request(DEV, "setPowerState", {"state": "Off"}))["success"]
        assert server.answers[r["replyToken"]] == 1
        assert len(acts(dev)) == 2
        assert server.problems == []

    run(scenario())


def test_unknown_device_unknown_action_bad_values_and_raising_handler():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            other = "5dc1564130ffffffffffffff"
            cases = [
                (other, "setPowerState", {"state": "On"}, "Device %s not found" % other),
                (DEV, "setThermostatMode", {"thermostatMode": "COOL"},
                 'Device did not handle "setThermostatMode"'),
                (DEV, "setBrightness", {"brightness": 150}, "brightness must be an integer 0-100"),
                (DEV, "setPowerState", {"state": "Maybe"}, 'state must be "On" or "Off"'),
                (DEV, "explode", {}, 'Device failed to handle "explode"'),
                (DEV, "setPowerState", "On", "bad field: value must be an object"),
            ]
            for dev_id, action, value, message in cases:
                r = await server.send_request(dev_id, action, value)
                assert (r["success"], r["message"]) == (False, message), r
            await dev.wait_for(r"LOG sinric: handler for explode for %s raised RuntimeError: "
                               r"wiring fault" % DEV)
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: bad field: value "
                               r"must be an object" % DEV)
            await dev.wait_for(r"LOG sinric: setBrightness for %s -> failed: brightness must"
                               % DEV)
        assert acts(dev) == []
        assert server.problems == []

    run(scenario())


def test_module_scope_requests():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            r = await server.send_request(None, "health", {}, scope="module")
            assert (r["success"], r["scope"]) == (True, "module") and "deviceId" not in r
            report = json.loads(r["value"]["report"])
            assert report["freeHeap"] > 0 and report["wifiRSSI"] == -61
            assert report["reconnects"] == 0 and report["uptime"] >= 0
            r = await server.send_request(None, "setSetting", {"id": "pro.sinric::x",
                                                               "value": 5}, scope="module")
            assert (r["success"], r["value"]) == (True, {"id": "pro.sinric::x", "value": 5})
            r = await server.send_request(None, "otaUpdateAvailable", {
                "url": "http://x/fw.bin", "version": {"major": 9, "minor": 0, "patch": 0},
                "forceUpdate": False}, scope="module")
            assert r["success"] is False and "OTA" in r["message"]
            r = await server.send_request(None, "reboot", {}, scope="module")
            assert r["message"] == 'Module did not handle "reboot"'
        assert server.problems == []
        print("health report:", report)

    run(scenario())


def test_events_are_limited_and_coalesced_to_the_last_value():
    # 10 goes at once; 20 and 30 come inside its 1 s gap: only the LAST (30) may follow.
    # (The exact gap is pinned on virtual time in test_sinric_link.py.)
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            dev.send('event %s setRangeValue {"rangeValue":10} speed' % DEV)
            await server.wait_until(lambda: server.events, timeout=5)  # the first goes at once
            for v in (20, 30):
                dev.send('event %s setRangeValue {"rangeValue":%d} speed' % (DEV, v))
            dev.send('event %s setRangeValue {"rangeValue":1} tilt' % DEV)
            await server.wait_until(lambda: len(server.events) >= 3, timeout=5)
            dev.send("stats")
            _, m = await dev.wait_for(r"^STATS (.*)")
        speed = [e["value"]["rangeValue"] for e in server.events if e["instanceId"] == "speed"]
        assert speed == [10, 30]  # the cloud ends with the true value, not the first held
        tilt = [e["value"]["rangeValue"] for e in server.events if e["instanceId"] == "tilt"]
        assert tilt == [1]  # instances are limited separately
        assert all(e["cause"] == {"type": "PHYSICAL_INTERACTION"} for e in server.events)
        times = [r["t"] for r in server.messages
                 if r["payload"] and r["payload"].get("instanceId") == "speed"]
        assert times[1] - times[0] >= 0.9  # the state gap of docs/sinricpro.md 7.2
        stats = json.loads(m.group(1))
        assert (stats["events"], stats["coalesced"], stats["dropped_events"]) == (3, 1, 0)
        assert server.problems == []

    run(scenario())


def test_server_killed_and_restarted():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            await server.kill()
            i, _ = await dev.wait_for(r"LOG sinric: disconnected \(connection closed: 1006 ")
            await dev.wait_for(r"connect failed: .*; reconnecting in \d+ ms", start=i + 1)
            await asyncio.sleep(1.5)
            t_back = time.monotonic()
            await server.restart()
            await server.wait_connection(count=2, timeout=10)
            took = time.monotonic() - t_back
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]
            dev.send("stats")
            _, m = await dev.wait_for(r"^STATS (.*)")
        delays = [int(x) for x in
                  (ln.rsplit(" ", 2)[-2] for ln in dev.grep("reconnecting in"))]
        assert len(delays) >= 3 and max(delays) <= 2000
        assert delays[1] > delays[0] / 2  # exponential, jittered within [cur/2, cur]
        stats = json.loads(m.group(1))
        assert stats["reconnects"] == 1 and stats["connected"]
        print("reconnected %.2f s after the server came back; delays %s" % (took, delays))

    run(scenario())


def test_dead_link_is_detected_and_reconnected():
    # No false alarm while pongs come, the exact deadline, the missed-pong count and the
    # pong payload are pinned on virtual time in test_sinric_link.py; this is the real link.
    opts = {"ping_interval_ms": 300, "pong_timeout_ms": 200, "max_missed_pongs": 2}

    async def scenario():
        async with rig(opts) as (server, dev):
            await server.wait_connection()
            await dev.wait_for(r"LOG sinric: connected")
            server.freeze()
            await dev.wait_for(r"LOG sinric: no pong within 200 ms \(1 of 2\)")
            await dev.wait_for(r"LOG sinric: disconnected \(dead link: no pong for \d+ ms\)")
            await server.wait_connection(count=2, timeout=10)
            r = await server.send_request(DEV, "setPowerState", {"state": "Off"})
            assert r["success"]

    run(scenario())


def test_undelivered_events_expire_while_offline_and_the_state_follows_fresh():
    async def scenario():
        async with rig({"event_max_age_ms": 600, "backoff_min_ms": 1500,
                        "backoff_max_ms": 1500}) as (server, dev):
            await server.wait_connection()
            await server.kill()
            await dev.wait_for(r"LOG sinric: disconnected")
            dev.send('event %s setPowerState {"state":"On"}' % DEV)
            dev.send('event %s DoorbellPress {"state":"pressed"}' % DEV2)
            await dev.wait_for(r"LOG sinric: event setPowerState for %s dropped: undelivered "
                               r"for \d+ s; its state is reported again once connected" % DEV,
                               timeout=10)
            await server.restart()
            await server.wait_connection(count=2)
            await server.wait_until(lambda: server.events, timeout=5)
            dev.send("stats")
            _, m = await dev.wait_for(r"^STATS (.*)")
            await asyncio.sleep(0.5)
        # the stale event is not sent (it would fail the 60 s window); the state it carried
        # is, as a fresh report; the doorbell press (a moment) is not repeated
        [e] = server.events
        assert (e["action"], e["value"], e["cause"]) == (
            "setPowerState", {"state": "On"}, {"type": "PERIODIC_POLL"})
        assert json.loads(m.group(1))["dropped_events"] == 2
        assert server.problems == []  # fresh createdAt, canonical, signed

    run(scenario())


def test_wrong_app_key_is_refused_with_a_clear_log_line():
    async def scenario():
        async with rig(app_key="00000000-0000-4000-8000-000000000000") as (server, dev):
            await dev.wait_for(r"LOG sinric: disconnected \(connect failed: upgrade refused: "
                               r"HTTP/1\.1 401 Unauthorized\); reconnecting in \d+ ms")
            assert server.messages == []

    run(scenario())


def test_heap_after_connecting_in_a_small_heap():
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            await server.send_request(DEV, "setPowerState", {"state": "On"})
            dev.send("stats")
            _, m = await dev.wait_for(r"^STATS (.*)")
        free = json.loads(m.group(1))["mem_free"]
        print("heap free after connecting (-X heapsize=%s): %d bytes" % (HEAP, free))
        assert free > 8000  # room left for messages; the figure is reported, not a benchmark

    run(scenario())


def test_garbage_binary_and_unsigned_frames_are_dropped_or_refused():
    async def scenario():
        async with rig() as (server, dev):
            c = await server.wait_connection()
            await server.send_text("hello")
            await dev.wait_for(r"LOG sinric: dropped message \(not JSON: does not start with "
                               r"'\{'\): b'hello'")
            await c.ws.send(b"\x00\x01\x02")
            await dev.wait_for(r"LOG sinric: ignored a binary frame \(3 bytes\)")
            # the text of a message in a binary frame is never read as one: neither a
            # timestamp that would move the clock nor a correctly signed request
            await c.ws.send(b'{"timestamp":1700000000123}')
            await dev.wait_for(r"LOG sinric: ignored a binary frame \(27 bytes\)")
            text, _ = server.request_text(DEV, "setPowerState", {"state": "On"})
            await c.ws.send(text.encode())
            await dev.wait_for(r"LOG sinric: ignored a binary frame \(%d bytes\)" % len(text))
            text, token = server.request_text(DEV, "setPowerState", {"state": "On"})
            unsigned = text[: text.rfind(',"signature"')] + "}"
            r = await server.send_and_wait(unsigned, token)
            assert (r["success"], r["message"]) == (False, "Signature is invalid")
            await dev.wait_for(r"LOG sinric: refused setPowerState for %s: missing signature"
                               % DEV)
            r = await server.send_request(DEV, "setPowerState", {"state": "Off"})
            assert r["success"]  # still connected and serving
        assert acts(dev) == ['ACT %s setPowerState {"state": "Off"} None' % DEV]
        assert len(server.connections) == 1

    run(scenario())


def test_oversize_message_closes_1009_and_the_client_reconnects():
    async def scenario():
        async with rig() as (server, dev):
            c = await server.wait_connection()
            await server.send_text('{"x":"%s"}' % ("y" * 5000))
            await dev.wait_for(r"LOG sinric: disconnected \(connection closed: 1009 5008 bytes "
                               r"> max 4096\)")
            await server.wait_connection(count=2)
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]
        assert c.ws.close_code == 1009
        assert acts(dev) == ['ACT %s setPowerState {"state": "On"} None' % DEV]

    run(scenario())


def _raw_frame(b0, payload, b1_mask=0, extra=b""):
    # a server frame written as is (the server's library would refuse to build these)
    n = len(payload)
    head = bytes((b0, b1_mask | n)) if n < 126 else bytes((b0, b1_mask | 126, n >> 8, n & 255))
    return head + extra + payload


def test_malformed_frames_mid_session_close_1002_and_nothing_moves():
    # Each malformed frame carries a correctly signed request, or cuts into one: the link
    # closes with 1002 (RFC 6455 section 7.4.1), the client reconnects, no relay moves. The
    # frames go through the client's read loop (recv_now first, then recv) on MicroPython.
    async def scenario():
        async with rig() as (server, dev):
            text, _ = server.request_text(DEV, "setPowerState", {"state": "On"})
            req = text.encode()
            key = b"\x11\x22\x33\x44"
            masked = bytes(c ^ key[i & 3] for i, c in enumerate(req))
            bad = [
                ("reserved bit", _raw_frame(0x81 | 0x40, req)),
                ("masked frame", _raw_frame(0x81, masked, 0x80, key)),
                ("reserved opcode", _raw_frame(0x83, req)),
                ("reserved control opcode", _raw_frame(0x8B, b"x")),
                ("ping in parts", _raw_frame(0x09, b"p")),
                ("continuation of nothing", _raw_frame(0x80, req)),
                ("a new message inside a fragmented one",
                 _raw_frame(0x01, req[:100]) + _raw_frame(0x81, req[100:])),
                ("bad close payload", _raw_frame(0x88, b"\x03")),
                ("close code 999", _raw_frame(0x88, b"\x03\xe7")),
            ]
            for i, (why, frame) in enumerate(bad):
                c = await server.wait_connection(count=i + 1)
                n = len(dev.lines)
                c.ws.transport.write(frame)
                await dev.wait_for(r"LOG sinric: disconnected \(connection closed: 1002 ",
                                   start=n, timeout=10)
                await server.wait_until(lambda c=c: c.closed is not None, timeout=10)
                assert c.ws.close_code == 1002, (why, c.ws.close_code)
            await server.wait_connection(count=len(bad) + 1)
            assert acts(dev) == [], "a malformed frame moved a relay"
            r = await server.send_request(DEV, "setPowerState", {"state": "Off"})
            assert r["success"]  # reconnected and serving
        assert acts(dev) == ['ACT %s setPowerState {"state": "Off"} None' % DEV]

    run(scenario())


def test_request_split_at_small_boundaries_then_a_stream_cut_mid_frame():
    # A signed request arrives a few bytes at a time (the head, the 16-bit length and the
    # payload each cut): acted on once and answered. Then a frame is cut by the end of the
    # stream: the link is lost (1006), the client reconnects, nothing more moves.
    async def scenario():
        async with rig() as (server, dev):
            c = await server.wait_connection()
            text, token = server.request_text(DEV, "setPowerState", {"state": "On"})
            frame = _raw_frame(0x81, text.encode())
            assert frame[1] == 126  # the 16-bit length form: the length is cut too
            fut = asyncio.get_running_loop().create_future()
            server._pending[token] = fut
            i = 0
            for n in (1, 1, 1, 1, 2, 7, 100, 1, 150):
                c.ws.transport.write(frame[i : i + n])
                i += n
                await asyncio.sleep(0.05)
            c.ws.transport.write(frame[i:])
            r = await asyncio.wait_for(fut, 8)
            assert r["success"], r
            text, _ = server.request_text(DEV, "setPowerState", {"state": "Off"})
            frame = _raw_frame(0x81, text.encode())
            n = len(dev.lines)
            c.ws.transport.write(frame[: len(frame) - 5])
            await asyncio.sleep(0.1)
            c.ws.transport.close()
            await dev.wait_for(r"LOG sinric: disconnected \(connection closed: 1006 ",
                               start=n, timeout=10)
            await server.wait_connection(count=2)
        assert acts(dev) == ['ACT %s setPowerState {"state": "On"} None' % DEV]

    run(scenario())


def test_network_down_disconnects_and_waits():
    async def scenario():
        async with rig({"net_poll_ms": 100}, net=True) as (server, dev):
            await server.wait_connection()
            dev.send("net 0")
            await dev.wait_for(r"LOG sinric: disconnected \(network down\); reconnecting in")
            await server.wait_until(lambda: server.current is None)
            # (no attempts while the network is down: pinned on virtual time in
            # test_sinric_link.py)
            dev.send("net 1")
            await server.wait_connection(count=2)
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]

    run(scenario())


def test_backoff_resets_after_a_stable_connection():
    opts = {"backoff_min_ms": 300, "backoff_max_ms": 3000, "stable_ms": 800}

    def delays(dev, start=0):
        return [int(m.group(1)) for m in
                (re.search(r"reconnecting in (\d+) ms", ln) for ln in dev.lines[start:]) if m]

    async def scenario():
        async with rig(opts) as (server, dev):
            await server.wait_connection()
            await server.kill()
            i, _ = await dev.wait_for(r"reconnecting in")
            await dev.wait_for(r"reconnecting in", start=i + 1)
            await dev.wait_for(r"reconnecting in", start=i + 2)
            grown = delays(dev)
            await server.restart()
            await server.wait_connection(count=2)
            await asyncio.sleep(1.2)  # longer than stable_ms
            n = len(dev.lines)
            await server.kill()
            await dev.wait_for(r"reconnecting in", start=n)
            after = delays(dev, n)[0]
            await server.restart()
        assert grown[2] > 300 and max(grown) <= 3000  # grew while the server was away
        assert 150 <= after <= 300  # back to the first step after a stable connection

    run(scenario())


async def release(dev, since):
    # "hog 0" until the client is connected again: on a heap this full the stand-in's own
    # stdin may fail to read the line (the line is lost, the stand-in carries on)
    for _ in range(5):
        dev.send("hog 0")
        try:
            return await dev.wait_for(r"^LOG sinric: connected", start=since, timeout=5)
        except AssertionError:
            pass
    raise AssertionError("the client did not connect again once the heap was released")


def test_out_of_memory_requests_are_answered_or_the_link_is_renewed():
    # The heap runs short at each level in turn (ballast held by the stand-in): every request
    # gets exactly one response (success false when the device ran out of memory before it
    # could act), or the connection is dropped and renewed; never left unanswered on a live
    # link. Found on the ESP8266 profile at 38K: the dispatcher swallowed the MemoryError.
    async def scenario():
        async with rig() as (server, dev):
            await server.wait_connection()
            await server.send_request(DEV, "setPowerState", {"state": "On"})
            outcomes = []
            for left in range(3000, 399, -200):  # below, the stand-in's own stdin fails
                await server.wait_connection(len(server.connections))
                dev.send("hog %d" % left)
                i, _ = await dev.wait_for(r"^HOG \d+", start=len(dev.lines))
                link = server.current
                try:
                    r = await server.send_request(DEV, "setPowerState", {"state": "Off"},
                                                  timeout=3)
                    outcomes.append((left, r["success"], r["message"]))
                except (TimeoutError, ConnectionError):
                    # Unanswered is allowed only when the link was dropped for it (seen by
                    # the server: the device's log line may not fit in what is left)
                    await server.wait_until(lambda c=link: not c.live, timeout=1)
                    outcomes.append((left, None, "reconnect"))
                    await release(dev, i)
                    continue
                dev.send("hog 0")
            assert dev.grep(r"^LOG sinric: error ") == []
            r = await server.send_request(DEV, "setPowerState", {"state": "On"})
            assert r["success"]
        print("out of memory outcomes:", outcomes)
        assert all(n == 1 for n in server.answers.values())
        assert server.problems == []
        # the heap did run out along the way (else this tests nothing)
        assert any(ok is not True for _, ok, _ in outcomes)

    run(scenario())
