# lib/json_input.py: JSON text from the network, with the same result on both runtimes
# (MicroPython's own json.loads turns "\ud83d\ude00" into invalid UTF-8, see the module).
from json_input import LoneSurrogate, TooDeep, loads
from support import raises

EMOJI = b"\xf0\x9f\x98\x80"  # U+1F600 in UTF-8


def test_a_surrogate_pair_becomes_the_real_character():
    v = loads(b'{"c":"alexa-\\ud83d\\ude00","u":"\\uD83D\\uDE00!"}')
    assert v["c"].encode() == b"alexa-" + EMOJI
    assert v["u"].encode() == EMOJI + b"!"
    assert loads('"\\u00e9"').encode() == b"\xc3\xa9"  # str input; BMP escapes as before


def test_an_escaped_backslash_is_not_an_escape():
    assert loads(b'"\\\\ud83d"') == "\\ud83d"
    assert loads(b'"\\\\\\ud83d\\ude00"').encode() == b"\\" + EMOJI


def test_a_lone_surrogate_is_refused_or_replaced_when_lenient():
    for text in (b'"x\\ud83d"', b'"x\\ude00y"', b'"\\ud83d\\u0041"', b'"\\ud83d\\ud83d"'):
        with raises(LoneSurrogate, "lone surrogate"):
            loads(text)
    assert loads(b'"x\\ud83dy"', lenient=True).encode() == b"x\xef\xbf\xbdy"


def test_nesting_is_bounded_before_parsing():
    deep = b"[" * 1600 + b"]" * 1600  # MemoryError inside json.loads at a 38 KB heap
    with raises(TooDeep, "nested deeper than 10 levels"):
        loads(deep)
    assert loads(b"[" * 10 + b"]" * 10, 10) == [[[[[[[[[[]]]]]]]]]]
    with raises(TooDeep):
        loads(b"[" * 11 + b"]" * 11, 10)
    # brackets inside strings do not count
    assert loads(b'{"a":"[[[[[[[[[[[[{{{{","b":"\\"[[[[[[[[[[[["}')["b"] == '"[[[[[[[[[[[['


def test_lenient_reads_a_too_deep_container_as_null():
    v = loads(b'{"payload":{"replyToken":"t","value":' + b"[" * 1600 + b"]" * 1600 + b"}}",
              lenient=True)
    assert v["payload"]["replyToken"] == "t"
    assert v["payload"]["value"] == [[[[[[[[None]]]]]]]]


def test_syntax_errors_stay_value_errors():
    for text in (b"[1,", b'"\\ud83d\\ude0', b'"\\ud83d'):
        with raises(ValueError):
            loads(text)
