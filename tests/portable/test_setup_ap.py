from firmware.setup_ap import dns_answer, merge
from firmware.startup import needs_setup as needed

# a query for "connectivitycheck.gstatic.com" A IN, id 0x1234, RD set
Q = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x11connectivitycheck\x07gstatic"
     + b"\x03com\x00" + b"\x00\x01\x00\x01")
IP = bytes((192, 168, 4, 1))


def test_dns_answers_every_name_with_the_ap():
    a = dns_answer(Q, IP)
    assert a[:2] == b"\x12\x34"  # same id
    assert a[2] & 0x80 and a[3] & 0x0F == 0  # a response, no error
    assert a[4:12] == b"\x00\x01\x00\x01\x00\x00\x00\x00"  # 1 question, 1 answer
    assert a[12:len(Q)] == Q[12:]  # the question echoed
    assert a[len(Q):] == b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + IP


def test_dns_ignores_what_is_not_a_plain_query():
    assert dns_answer(b"", IP) is None
    assert dns_answer(Q[:15], IP) is None  # cut inside the name
    assert dns_answer(Q[:2] + b"\x81\x80" + Q[4:], IP) is None  # a response, not a query
    assert dns_answer(Q[:4] + b"\x00\x02" + Q[6:], IP) is None  # two questions
    assert dns_answer(Q[:-2], IP) is None  # no QCLASS


def test_needed_only_for_missing_wifi_settings():
    assert needed("config.json: not found")
    assert not needed("config.json: not valid JSON")  # a broken push: not overwritten
    assert not needed("config: must be a JSON object")
    assert needed("wifi: required")
    assert needed("wifi.ssid: must be a non-empty string of at most 32 characters")
    assert not needed("devices[0].relay: must be a GPIO number 0-48")
    assert not needed("sinric.app_key: must be a UUID (8-4-4-4-12 hex digits)")


RAW = {"wifi": {"ssid": "old", "password": "old-password", "hostname": "hall"},
       "sinric": {"app_key": "k", "app_secret": "s" * 32},
       "devices": [{"name": "lamp", "type": "switch", "relay": 5}]}


def test_merge_keeps_secrets_left_empty_and_other_fields():
    c = merge(RAW, {"wifi.ssid": " new ", "wifi.password": "", "sinric.app_key": "k2",
                    "sinric.app_secret": ""})
    assert c["wifi"] == {"ssid": "new", "password": "old-password", "hostname": "hall"}
    assert c["sinric"] == {"app_key": "k2", "app_secret": "s" * 32}
    assert c["devices"] == RAW["devices"] and "yango" not in c
    assert RAW["wifi"]["ssid"] == "old"  # the stored config is not touched


def test_merge_sets_new_secrets_verbatim_and_clears_a_cloud():
    c = merge(RAW, {"wifi.ssid": "n", "wifi.password": " spaced pass ", "sinric.app_key": "",
                    "yango.skill_id": "sk", "yango.user_id": "u", "yango.token": "t"})
    assert c["wifi"]["password"] == " spaced pass "
    assert c["sinric"] == {"app_secret": "s" * 32}  # key cleared: the validator will say so
    assert c["yango"] == {"skill_id": "sk", "user_id": "u", "token": "t"}


def test_merge_from_nothing():
    c = merge({}, {"wifi.ssid": "home", "wifi.password": "pass-1234"})
    assert c == {"wifi": {"ssid": "home", "password": "pass-1234"}, "devices": []}
    assert merge({}, {"wifi.ssid": "open-net"})["wifi"]["password"] == ""
