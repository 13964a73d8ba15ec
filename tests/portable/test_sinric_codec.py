from sinric.codec import (
    BAD_FIELD,
    BAD_SIGNATURE,
    MISSING_PAYLOAD,
    MISSING_SIGNATURE,
    NOT_JSON,
    Codec,
    MessageError,
    make_uuid4,
    parse_timestamp,
)
from support import raises


class kind(raises):
    """raises(MessageError) of one kind (sinric.codec's NOT_JSON, BAD_FIELD, ...)."""

    def __init__(self, k, match=None):
        raises.__init__(self, MessageError, match)
        self.k = k

    def __exit__(self, et, ev, tb):
        r = raises.__exit__(self, et, ev, tb)
        if r and ev.kind != self.k:
            raise AssertionError("%r is a %s error, not %s" % (str(ev), ev.kind, self.k))
        return r

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
HEADER = '{"header":{"payloadVersion":2,"signatureVersion":1},"payload":'
V1_PAYLOAD = (
    '{"action":"setPowerState","clientId":"alexa-skill","createdAt":1567852244,'
    '"deviceAttributes":[],"deviceId":"5d737888aea17c30a056d759",'
    '"replyToken":"6ec1f778-e92f-487c-9818-bdbe3438f30e","type":"request",'
    '"value":{"state":"On"}}'
)
V1_HMAC = "5aR5dHuVPOb1rYrWIzSbwqJX6mWMlH1EluQ2Pl7sPDg="
V1_WIRE = HEADER + V1_PAYLOAD + ',"signature":{"HMAC":"' + V1_HMAC + '"}}'
V2_WIRE = (
    HEADER + '{"action":"setPowerState","clientId":"alexa-skill","createdAt":1567860300,'
    '"deviceId":"5d737888aea17c30a056d759","message":"OK",'
    '"replyToken":"6ec1f778-e92f-487c-9818-bdbe3438f30e","scope":"device","success":true,'
    '"type":"response","value":{"state":"On"}},'
    '"signature":{"HMAC":"I6T1/rDDRQCZcHdm3HMrClgLjkm5VfVahDN3+T7D0Q8="}}'
)
V3_PAYLOAD = (
    '{"action":"currentTemperature","cause":{"type":"PERIODIC_POLL"},"createdAt":1700000000,'
    '"deviceId":"5d737888aea17c30a056d759","replyToken":"0b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b",'
    '"type":"event","value":{"humidity":55.5,"temperature":23}}'
)
V3_HMAC = "TUErZJUQQizzR0C9Tg91MQwmKXDOw9eL0GryULAdWtY="
V3_HMAC_PY = "eAlfBAaAHFUvGCGGIkHxrHJK/76yGbHLwYY393eRUlg="
V4_WIRE = (
    HEADER + '{"action":"targetTemperature","clientId":"portal","createdAt":1700000100,'
    '"deviceAttributes":[],"deviceId":"5d737888aea17c30a056d759",'
    '"replyToken":"11111111-2222-4333-8444-555555555555","type":"request",'
    '"value":{"temperature":22.50,"label":"Caf\\u00e9"}},'
    '"signature":{"HMAC":"mXdTPq6T5qEgY1Y/4At1fp9Buv1cFXYnP13oIQSXLlI="}}'
)

codec = Codec(SECRET, uuid4=lambda: "0b7e5c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b")


def wire(payload_text, secret=SECRET):
    return HEADER + payload_text + ',"signature":{"HMAC":"' + Codec(secret)._mac.b64(
        payload_text) + '"}}'


def test_v1_hmac_and_verify():
    assert codec._mac.b64(V1_PAYLOAD) == V1_HMAC
    p = codec.verify(V1_WIRE)
    assert p["action"] == "setPowerState" and p["value"] == {"state": "On"}
    assert p["createdAt"] == 1567852244
    assert codec.verify(V1_WIRE.encode()) == p
    assert codec.verify(bytearray(V1_WIRE.encode())) == p


def test_v1_resigned_wire_is_byte_exact():
    # Our encoder reproduces the official payload text and wire message byte for byte.
    req = codec.verify(V1_WIRE)
    assert codec.sign(req) == V1_WIRE


def test_v2_response_byte_exact():
    req = codec.verify(V1_WIRE)
    out = codec.response(req, 1567860300, value={"state": "On"})
    assert out == V2_WIRE


def test_v3_whole_float_event():
    out = codec.event("currentTemperature", {"humidity": 55.5, "temperature": 23.0},
                      1700000000, device_id="5d737888aea17c30a056d759", cause="PERIODIC_POLL")
    assert out == HEADER + V3_PAYLOAD + ',"signature":{"HMAC":"' + V3_HMAC + '"}}'
    assert codec._mac.b64(V3_PAYLOAD.replace('"temperature":23}', '"temperature":23.0}')) == (
        V3_HMAC_PY)


def test_v4_raw_bytes_are_verified_not_reserialized():
    p = codec.verify(V4_WIRE)
    assert p["value"]["temperature"] == 22.5
    assert p["value"]["label"] == "Café"


def test_response_echoes_instance_and_scope():
    req = codec.verify(wire(
        '{"action":"setRangeValue","clientId":"portal","createdAt":1700000000,'
        '"deviceId":"5d737888aea17c30a056d759","instanceId":"rangeInstance1",'
        '"replyToken":"r-1","scope":"device","type":"request","value":{"rangeValue":3}}'))
    out = codec.verify(codec.response(req, 1700000001, False, "nope"))
    assert out["instanceId"] == "rangeInstance1" and out["scope"] == "device"
    assert out["success"] is False and out["message"] == "nope" and out["value"] == {}
    assert out["replyToken"] == "r-1" and out["type"] == "response"


def test_module_scope_response_has_no_device_id():
    req = codec.verify(wire('{"action":"health","clientId":"portal","createdAt":1700000000,'
                            '"replyToken":"r-2","scope":"module","type":"request","value":{}}'))
    out = codec.verify(codec.response(req, 1700000002, value={"report": "{}"}))
    assert "deviceId" not in out and out["scope"] == "module"


def test_event_shape():
    c = Codec(SECRET)
    out = c.verify(c.event("setRangeValue", {"rangeValue": 40}, 1700000000, "d" * 24,
                           instance_id="blinds"))
    assert out["instanceId"] == "blinds" and out["cause"] == {"type": "PHYSICAL_INTERACTION"}
    tok = out["replyToken"]
    assert len(tok) == 36 and tok[14] == "4" and tok[19] in "89ab"
    mod = c.verify(c.event("setSetting", {"id": "x", "value": 1}, 1700000000))
    assert mod["scope"] == "module" and "deviceId" not in mod


def test_uuid4_bits():
    u = make_uuid4(lambda n: b"\xff" * n)
    assert u == "ffffffff-ffff-4fff-bfff-ffffffffffff"
    u = make_uuid4(lambda n: bytes(n))
    assert u == "00000000-0000-4000-8000-000000000000"


def test_signature_string_inside_a_payload_value():
    # ',"signature"' can occur inside the payload (a nested key, or a string's escaped
    # text): the last occurrence is the envelope's own member.
    text = ('{"action":"setSetting","clientId":"portal","createdAt":1700000000,'
            '"deviceId":"5d737888aea17c30a056d759","replyToken":"r-3","type":"request",'
            '"value":{"id":"x,\\"signature\\":1","value":{"a":1,"signature":{"HMAC":"zz"}}}}')
    raw = wire(text)
    assert raw.count(',"signature"') == 2
    p = codec.verify(raw)
    assert p["value"]["value"] == {"a": 1, "signature": {"HMAC": "zz"}}
    assert p["value"]["id"] == 'x,"signature":1'


def test_one_byte_tamper_anywhere_in_payload():
    raw = V1_WIRE.encode()
    start = raw.find(b'"payload":') + 10
    end = raw.rfind(b',"signature"')
    rejected = 0
    for i in range(start, end):
        b = bytearray(raw)
        b[i] = b[i] ^ 0x01
        try:
            codec.verify(b)
        except MessageError:
            rejected += 1
    assert rejected == end - start


def test_wrong_secret_is_bad_signature():
    with kind(BAD_SIGNATURE, "signature is invalid"):
        codec.verify(wire(V1_PAYLOAD, secret="another-secret-that-is-long-enough-1234"))


def test_tampered_hmac_is_bad_signature():
    with kind(BAD_SIGNATURE):
        codec.verify(V1_WIRE.replace(V1_HMAC, V1_HMAC[:-2] + "A="))


def test_missing_signature_forms():
    with kind(MISSING_SIGNATURE):
        codec.verify(HEADER + V1_PAYLOAD + "}")
    with kind(MISSING_SIGNATURE):
        codec.verify(HEADER + V1_PAYLOAD + ',"signature":{}}')
    with kind(MISSING_SIGNATURE):
        codec.verify(HEADER + V1_PAYLOAD + ',"signature":{"HMAC":""}}')
    with kind(MISSING_SIGNATURE):
        codec.verify(HEADER + V1_PAYLOAD + ',"signature":{"HMAC":5}}')
    with kind(MISSING_SIGNATURE):
        codec.verify(HEADER + V1_PAYLOAD + ',"signature":"x"}')


def test_missing_payload():
    with kind(MISSING_PAYLOAD):
        codec.verify('{"header":{},"signature":{"HMAC":"' + V1_HMAC + '"}}')


def test_not_json():
    for bad in ("hello", "", b"\xff\xfe", "[1,2]"):
        with kind(NOT_JSON):
            codec.verify(bad)
    with kind(NOT_JSON):
        codec.verify(V1_WIRE[:-1])  # truncated tail


def test_truncated_messages_never_half_parse():
    for n in range(0, len(V1_WIRE)):
        with raises(MessageError):
            codec.verify(V1_WIRE[:n])


def test_signed_but_malformed_payload_fields():
    good = ('{"action":"setPowerState","clientId":"x","createdAt":1700000000,'
            '"deviceId":"5d737888aea17c30a056d759","replyToken":"r","type":"request",'
            '"value":{"state":"On"}}')
    cases = (
        (good.replace('"createdAt":1700000000', '"createdAt":"1700000000"'), "createdAt"),
        (good.replace('"createdAt":1700000000', '"createdAt":1.7e9'), "createdAt"),
        (good.replace('"createdAt":1700000000', '"createdAt":true'), "createdAt"),
        (good.replace('"createdAt":1700000000,', ""), "createdAt missing"),
        (good.replace('"action":"setPowerState"', '"action":5'), "action"),
        (good.replace('"type":"request"', '"type":"command"'), "type"),
        (good.replace('"value":{"state":"On"}', '"value":"On"'), "value"),
        (good.replace('"replyToken":"r",', ""), "replyToken"),
        (good.replace('"deviceId":"5d737888aea17c30a056d759"', '"deviceId":null'), "deviceId"),
        ("[1]", "payload is not an object"),
    )
    for text, why in cases:
        with kind(BAD_FIELD, why):
            codec.verify(wire(text))
    with kind(NOT_JSON):
        codec.verify(wire('{"action":'))


def test_unsupported_signature_version():
    raw = wire(V1_PAYLOAD).replace('"signatureVersion":1', '"signatureVersion":2')
    with kind(BAD_FIELD, "header"):
        codec.verify(raw)


def test_errors_are_value_errors_with_reasons():
    with raises(ValueError) as e:
        codec.verify("nope")
    assert str(e.value).startswith("not JSON")


def test_timestamp_frame():
    assert parse_timestamp('{"timestamp":1656248108}') == 1656248108
    assert parse_timestamp(b'{"timestamp":1656248108}') == 1656248108
    for bad in ('{"timestamp":"1"}', '{"timestamp":-1}', '{"timestamp":1.5}',
                '{"timestamp":1,"x":2}', '{"timestamp":', V1_WIRE, "", '{"timestamp":true}'):
        assert parse_timestamp(bad) is None, bad


def test_empty_secret_refused():
    with raises(ValueError):
        Codec("")


def _sig(payload_text):
    return ',"signature":{"HMAC":"' + V1_HMAC + '"}}' if payload_text == V1_PAYLOAD else (
        ',"signature":{"HMAC":"' + codec._mac.b64(payload_text) + '"}}')


def test_envelopes_with_no_header_or_a_short_header_are_read_right():
    # the signed payload is found wherever the header leaves it
    for head in ('{"payload":', '{"header":{"payloadVersion":2},"payload":',
                 '{"header":{"payloadVersion":2,"signatureVersion":1,"x":[1,2,3]},"payload":'):
        assert codec.verify(head + V1_PAYLOAD + _sig(V1_PAYLOAD))["action"] == "setPowerState"


def test_junk_around_the_signed_payload_is_refused():
    for head in ('["x","payload":', '{"header":{}!"payload":', '{"header":{} "payload":',
                 '{"header":{"signatureVersion":2},"payload":'):
        with raises(MessageError):
            codec.verify(head + V1_PAYLOAD + _sig(V1_PAYLOAD))
    with kind(NOT_JSON):  # an empty payload, even one signed right, is no payload
        codec.verify(HEADER + _sig(""))


def test_timestamp_frames_only_in_the_servers_exact_short_form():
    assert parse_timestamp('{"timestamp":1656248108' + " " * 16 + "}") == 1656248108  # 40
    assert parse_timestamp('{"timestamp":1656248108' + " " * 17 + "}") is None  # 41 bytes
    assert parse_timestamp('{ "timestamp":1656248108}') is None  # not the server's form
    assert parse_timestamp('{"timestamp":0}') is None


def test_events_need_no_reply_token_requests_do():
    ev = '{"action":"x","createdAt":5,"type":"event","value":{}}'
    assert codec.verify(wire(ev))["type"] == "event"
    with kind(BAD_FIELD, match="replyToken missing"):
        codec.verify(wire(ev.replace('"event"', '"request"')))


def test_field_errors_name_the_field():
    base = '{"action":"x","createdAt":5,"replyToken":"t","type":"request","value":{}}'
    for text, msg in ((base.replace('"t"', "7"), "bad field: replyToken must be a string"),
                      (base.replace('"request"', '"note"'), "bad field: type 'note' unknown"),
                      (base.replace(":5,", ":0,"), "createdAt must be a positive integer"),
                      (base.replace(":5,", ":-5,"), "createdAt must be a positive integer")):
        with kind(BAD_FIELD) as e:
            codec.verify(wire(text))
        assert msg in str(e.value), str(e.value)
    assert codec.verify(wire(base.replace(":5,", ":1,")))["createdAt"] == 1
    resp = '{"action":"x","createdAt":5,"message":"OK","success":true,"type":"response"}'
    assert codec.verify(wire(resp))["type"] == "response"  # no replyToken needed here


def test_headers_other_than_signature_version_1_and_junk_heads_are_refused():
    for head in ('{"header":{"signatureVersion":0},"payload":', '{"header":{}x"payload":'):
        with raises(MessageError):
            codec.verify(head + V1_PAYLOAD + _sig(V1_PAYLOAD))
    assert parse_timestamp('{"timestamp":1}') == 1


def test_event_into_writes_the_canonical_signed_event():
    # What the client sends: the event signed into the link's send buffer, byte for byte
    # the canonical text of its payload dict (module scope, device, device and instance).
    c = Codec(SECRET, uuid4=lambda: "u-1")
    for dev, inst in ((None, None), ("d" * 24, None), ("d" * 24, "blinds")):
        out = bytearray(b"xx")
        c.event_into(out, "setRangeValue", {"rangeValue": 40, "a": [1, "\u00e9"]}, 1700000000,
                     dev, "PERIODIC_POLL", inst)
        p = {"action": "setRangeValue", "cause": {"type": "PERIODIC_POLL"},
             "createdAt": 1700000000, "replyToken": "u-1", "type": "event",
             "value": {"rangeValue": 40, "a": [1, "\u00e9"]}}
        if dev is None:
            p["scope"] = "module"
        else:
            p["deviceId"] = dev
        if inst is not None:
            p["instanceId"] = inst
        assert bytes(out[2:]) == c.sign(p).encode(), (dev, inst)
        assert c.event("setRangeValue", p["value"], 1700000000, dev, "PERIODIC_POLL",
                       inst) == c.sign(p)
    out = bytearray(b"xx")
    with raises(ValueError):
        c.event_into(out, "currentTemperature", {"temperature": float("nan")}, 1, "d" * 24)
    assert out == b"xx"
