# yango_answer.classify: the notifier's verdict and log text for every kind of answer
# (docs/yango.md §2.1, §6.5-§6.6).
from yango.answer import DROP, OK, RETRY, STOP, UNKNOWN_USER, classify


def test_verdict_per_status():
    want = {200: OK, 202: OK, 204: OK, 299: OK, 300: DROP, 199: DROP, 400: DROP, 404: DROP,
            408: RETRY, 429: RETRY, 401: STOP, 403: STOP, 402: DROP, 499: DROP, 500: RETRY,
            502: RETRY, 503: RETRY, 504: RETRY, 599: RETRY}
    for status, verdict in want.items():
        assert classify(status, b"")[0] == verdict, status


def test_unknown_user_only_on_400():
    body = b'{"request_id":"r1","status":"error","error_code":"UNKNOWN_USER"}'
    assert classify(400, body)[0] == UNKNOWN_USER
    assert classify(404, body)[0] == DROP
    assert classify(400, body.replace(b"UNKNOWN_USER", b"INVALID_VALUE"))[0] == DROP


def test_text_names_request_id_code_and_message():
    body = (b'{"request_id":"r-9","status":"error","error_code":"INVALID_VALUE",'
            b'"error_message":"bad value"}')
    assert classify(400, body) == (DROP, "r-9", "HTTP 400 request_id=r-9 error_code="
                                   "INVALID_VALUE error_message='bad value'")
    assert classify(202, b'{"request_id":"ok-1","status":"ok"}') == (
        OK, "ok-1", "HTTP 202 request_id=ok-1")
    assert classify(202, '{"request_id":"s"}')[1] == "s"  # str bodies too


def test_plain_and_broken_bodies():
    assert classify(502, b"Bad Gateway") == (RETRY, None,
                                             "HTTP 502 request_id=None 'Bad Gateway'")
    assert classify(503, b"x" * 100)[2] == "HTTP 503 request_id=None %r" % ("x" * 60)
    assert classify(200, b"fine")[2] == "HTTP 200 request_id=None"  # no body text on success
    assert classify(500, b"\xff\xfe")[2] == "HTTP 500 request_id=None '(not UTF-8)'"
    assert classify(500, b"{not json")[2] == "HTTP 500 request_id=None '{not json'"
    assert classify(500, b"[1]")[2] == "HTTP 500 request_id=None '[1]'"
    assert classify(500, b'{"error_code":"X"}')[2] == (
        "HTTP 500 request_id=None error_code=X error_message=None")
    assert classify(500, b'{"error_message":"m"}')[2] == (
        "HTTP 500 request_id=None error_code=None error_message='m'")
    assert classify(500, b"")[2] == "HTTP 500 request_id=None"


def test_verdicts_are_distinct():
    assert len({OK, RETRY, DROP, STOP, UNKNOWN_USER}) == 5


def test_body_text_only_for_non_2xx_and_json_only_when_it_starts_with_a_brace():
    assert classify(299, b"x")[2] == "HTTP 299 request_id=None"
    assert classify(300, b"x")[2] == "HTTP 300 request_id=None 'x'"
    assert classify(199, b"x")[2] == "HTTP 199 request_id=None 'x'"
    assert classify(500, b' {"request_id":"r"}')[1] is None
    assert classify(500, b'|{"request_id":"r"}')[1] is None


def test_unknown_user_code_means_nothing_outside_a_400():
    body = b'{"request_id":"r1","status":"error","error_code":"UNKNOWN_USER"}'
    assert classify(202, body)[0] == OK
    assert classify(399, body)[0] == DROP
    assert classify(401, body)[0] == STOP


def test_an_escaped_pair_in_the_message_reads_as_the_character():
    body = b'{"request_id":"r2","error_code":"X","error_message":"bad \\ud83d\\ude00"}'
    v, rid, text = classify(400, body)
    assert (v, rid) == (DROP, "r2")
    assert text.endswith("error_message=%r" % ("bad \U0001f600",)), text


def test_a_plain_answer_loads_no_json_parser_code():
    # every state POST is answered: the lenient parser (lib/json_input.py, ~3.5 KB from .mpy
    # on the 64-bit profile) must not stay resident for escape-free answers (issue 11)
    import sys

    sys.modules.pop("json_input", None)
    assert classify(202, b'{"request_id":"ok-2","status":"ok"}')[1] == "ok-2"
    assert classify(400, b'{"request_id":"r","error_message":"\\"q\\""}')[2].endswith(
        "error_message='\"q\"'")
    assert "json_input" not in sys.modules
