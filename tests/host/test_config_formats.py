"""The values that end up in a URL, a header or a socket address (Sinric and Yango URLs, the
skill id, the OAuth token, the user id, the SNTP server) are checked by their real format on
the host (config.schema.json + tools/config_check.py) and on the board (firmware/config.py),
and the two agree: every bad case the board refuses (tests/portable/config_cases.jsonl) the
host refuses at the same path, and every real value both accept."""

from config_cases import apply, bad_cases, good
from test_config import GOOD_FORMATS

from firmware import config
from tools.config_check import check

FORMAT_FIELDS = ("sinric.url", "sinric.app_key", "yango.url", "yango.skill_id", "yango.token",
                 "yango.user_id", "board.ntp_server")


def _paths(cfg):
    return {p.path for p in check(cfg)}


def test_every_bad_format_the_board_refuses_the_host_refuses_at_its_path():
    n = 0
    for case in bad_cases():
        field = case[0].split(":", 1)[0]
        if field in FORMAT_FIELDS and case[1] == "set":
            n += 1
            assert "$." + field in _paths(apply(case, good())), case
    assert n >= 15


def test_real_values_pass_on_the_host_and_the_board():
    for (section, key), values in GOOD_FORMATS:
        for v in values:
            cfg = good()
            cfg[section][key] = v
            assert "$.%s.%s" % (section, key) not in _paths(cfg), v
            config.validate(cfg)


def test_a_port_out_of_range_or_a_bad_ipv4_is_named():
    for section, key, value, why in (
            ("sinric", "url", "wss://ws.sinric.pro:70000/", "port 70000 is not 1-65535"),
            ("yango", "url", "https://300.1.2.3", "300.1.2.3 is not an IPv4 address"),
            ("board", "ntp_server", "pool.ntp.org:0", "port 0 is not 1-65535")):
        cfg = good()
        cfg[section][key] = value
        msgs = [p.message for p in check(cfg) if p.path == "$.%s.%s" % (section, key)]
        assert why in msgs, msgs
