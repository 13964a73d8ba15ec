"""The Sinric Pro double judges with its own code (tools/sinric_oracle.py), never with lib/:
a mistake made on both sides by the firmware's code must still be caught."""

import ast
import asyncio
import json
import time

import canonical_json
import hmac_sha256
import pytest
import sinric.codec as sinric_codec
from mpy import ROOT
from sinric.codec import BAD_SIGNATURE, Codec, MessageError
from websockets.asyncio.client import connect
from wsutil import run

from tools import sinric_oracle as oracle
from tools.sinric_server import SinricServer

KEY = "de0b1234-1a3b-4c3d-a12e-5dab12345678"
# the public sample secret and vectors of docs/sinricpro.md §4.4
SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5d737888aea17c30a056d759"
V1 = ('{"action":"setPowerState","clientId":"alexa-skill","createdAt":1567852244,'
      '"deviceAttributes":[],"deviceId":"5d737888aea17c30a056d759","replyToken":'
      '"6ec1f778-e92f-487c-9818-bdbe3438f30e","type":"request","value":{"state":"On"}}')
V1_HMAC = "5aR5dHuVPOb1rYrWIzSbwqJX6mWMlH1EluQ2Pl7sPDg="
V3_WHOLE = "eAlfBAaAHFUvGCGGIkHxrHJK/76yGbHLwYY393eRUlg="


class WrongInnerPad(hmac_sha256.HmacSha256):
    """The firmware's HMAC with a wrong inner pad (0x37): consistent with itself only."""

    def __init__(self, key):
        super().__init__(key)
        self._ipad = bytes(b ^ 0x36 ^ 0x37 for b in self._ipad)


def test_oracle_reproduces_the_spec_vectors():
    assert oracle.hmac_b64(SECRET, V1) == V1_HMAC
    assert oracle.verify(SECRET, oracle.HEAD + V1 + ',"signature":{"HMAC":"%s"}}' % V1_HMAC)[
        "replyToken"] == "6ec1f778-e92f-487c-9818-bdbe3438f30e"
    assert oracle.sign(SECRET, json.loads(V1)).endswith('"HMAC":"%s"}}' % V1_HMAC)


@pytest.mark.parametrize("text,canonical", [
    ('{"t":23}', True), ('{"t":23.0}', False), ('{"t":0.00001}', True), ('{"t":1e-05}', False),
    ('{"t":10000000000000000}', True), ('{"t":1e+16}', False), ('{"s":"\\b"}', True),
    ('{"s":"\\u0008"}', False), ('{"s":"é"}', True), ('{"s":"\\u00e9"}', False),
    ('{"a":1, "b":2}', False), ('{"b":1,"a":2}', True), ('{"t":22.50}', False),
])
def test_canonical_form_is_json_stringify_of_json_parse(text, canonical):
    assert oracle.is_canonical(text) is canonical


def test_neither_the_oracle_nor_the_double_imports_lib():
    lib = {p.stem for p in (ROOT / "lib").rglob("*.py")}
    for name in ("sinric_oracle.py", "sinric_server.py"):
        tree = ast.parse((ROOT / "tools" / name).read_text())
        mods = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[-1] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods.update(node.module.split("."))
        assert not mods & lib, (name, mods & lib)
        assert "sys.path.insert" not in (ROOT / "tools" / name).read_text()


async def _device(url, codec, answers):
    """A CPython device built on the firmware's codec (whatever it is patched to)."""
    ws = await connect(url, additional_headers={"appkey": KEY, "deviceids": DEV})

    async def serve():
        async for raw in ws:
            if raw.startswith('{"timestamp"'):
                continue
            try:
                req = codec.verify(raw)
            except ValueError as e:
                answers.append(e)
                continue
            answers.append(req)
            await ws.send(codec.response(req, int(time.time()), value=req["value"]))

    return ws, asyncio.create_task(serve())


def _exchange(codec, send_event=None):
    """One request from the double to a device using `codec`; (problems, device answers)."""
    async def scenario():
        server = await SinricServer(KEY, SECRET, log=None).start()
        answers = []
        ws, task = await _device(server.url, codec, answers)
        try:
            await server.wait_connection()
            if send_event:
                await ws.send(send_event)
            try:
                await server.send_request(DEV, "setPowerState", {"state": "On"}, timeout=2)
            except asyncio.TimeoutError:
                pass
            await server.wait_until(lambda: answers, timeout=3)
            if send_event:
                await server.wait_until(lambda: server.problems or server.events, timeout=3)
            return server.problems, answers
        finally:
            task.cancel()
            await ws.close()
            await server.stop()

    return run(scenario())


def test_a_right_device_passes(monkeypatch):
    problems, answers = _exchange(Codec(SECRET))
    assert problems == [] and answers[0]["action"] == "setPowerState"


def test_wrong_hmac_pad_on_the_device_is_refused_by_the_double(monkeypatch):
    monkeypatch.setattr(sinric_codec, "HmacSha256", WrongInnerPad)
    wrong = Codec(SECRET)
    # the firmware's own code accepts its own wrong signatures: a lib-based double would pass
    event = wrong.event("setPowerState", {"state": "On"}, int(time.time()), DEV)
    assert wrong.verify(event)["action"] == "setPowerState"
    problems, answers = _exchange(wrong, send_event=event)
    # ... the double does not, in either direction
    assert isinstance(answers[0], MessageError) and answers[0].kind == BAD_SIGNATURE
    assert problems and all("bad message (signature is invalid)" in p for p in problems)


def test_non_canonical_floats_from_the_device_are_flagged(monkeypatch):
    # a firmware whose encoder writes 23.0 (MicroPython's spelling) signs and verifies its
    # own text fine; the double checks JSON.stringify(JSON.parse(text)) == text itself
    real = canonical_json.encode_float
    monkeypatch.setattr(canonical_json, "encode_float",
                        lambda x: repr(x) if x == int(x) else real(x))
    codec = Codec(SECRET)
    event = codec.event("currentTemperature", {"humidity": 55.5, "temperature": 23.0},
                        int(time.time()), DEV)
    assert '"temperature":23.0' in event and codec.verify(event)
    assert oracle.hmac_b64(SECRET, oracle.payload_text(event)) in event  # signed right
    problems, _ = _exchange(codec, send_event=event)
    assert len(problems) == 1 and "payload is not canonical JSON" in problems[0], problems


def test_the_oracle_tells_whole_float_spellings_apart():
    # docs/sinricpro.md V3: the Python spelling 23.0 has its own HMAC, not that of 23
    text = ('{"action":"currentTemperature","cause":{"type":"PERIODIC_POLL"},"createdAt":'
            '1700000000,"deviceId":"5d737888aea17c30a056d759","replyToken":'
            '"0b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b","type":"event","value":{"humidity":55.5,'
            '"temperature":23.0}}')
    assert oracle.hmac_b64(SECRET, text) == V3_WHOLE
    assert not oracle.is_canonical(text)
    canonical = text.replace("23.0}", "23}")
    assert oracle.hmac_b64(SECRET, canonical) == "TUErZJUQQizzR0C9Tg91MQwmKXDOw9eL0GryULAdWtY="
    assert oracle.is_canonical(canonical)


def test_truncated_or_extended_hmac_is_refused_by_the_oracle():
    good = oracle.sign(SECRET, json.loads(V1))
    mac = good[good.rfind('"HMAC":"') + 8 : -3]
    for bad in (mac[:20], mac[:-1], mac + "A", ""):
        with pytest.raises(oracle.Refused):
            oracle.verify(SECRET, good.replace(mac, bad))


def test_the_firmware_dispatcher_against_the_oracle():
    # the portable request tests sign and check with lib's codec (MicroPython has no hmac);
    # here the same dispatcher meets requests signed, and answers judged, by the oracle
    from sinric_rig import DEV, NOW, Rig
    from sinric_rig import SECRET as RIG_SECRET

    assert RIG_SECRET == SECRET
    r = Rig()
    p = dict(json.loads(V1), action="setRangeValue", createdAt=NOW, deviceId=DEV,
             replyToken="oracle-1", value={"rangeValue": 2.5})
    out = r.c.handle(oracle.sign(SECRET, p).encode())
    got = oracle.verify(SECRET, out)
    assert oracle.is_canonical(oracle.payload_text(out))
    assert (got["success"], got["replyToken"], got["value"]) == (True, "oracle-1",
                                                                {"rangeValue": 2.5})
    bad = oracle.sign(SECRET + "x", p).replace("oracle-1", "oracle-2")
    got = oracle.verify(SECRET, r.c.handle(bad.encode()))
    assert (got["success"], got["message"]) == (False, "Signature is invalid")
