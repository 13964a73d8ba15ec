from canonical_json import EncodeError, dumps
from support import raises

# An ESP8266 (and the ESP32 images) compute in float32: the shortest text that reads back as
# the same float32 is shorter than a double's.
FLOAT32 = float("16777217") == 16777216.0


def test_keys_sorted_and_compact():
    assert dumps({"b": 1, "a": [1, 2], "c": {"z": None, "y": True}}) == (
        '{"a":[1,2],"b":1,"c":{"y":true,"z":null}}'
    )


def test_whole_floats_are_integers():
    assert dumps(23.0) == "23"
    assert dumps(-23.0) == "-23"
    assert dumps(1000000.0) == "1000000"
    assert dumps(1e16) == "10000000000000000"
    assert dumps(1e22) == "10000000000000000000000"
    assert dumps(-0.0) == "0"
    assert dumps(0.0) == "0"


def test_no_exponent_form():
    assert dumps(1e-05) == "0.00001"
    assert dumps(-1e-05) == "-0.00001"
    assert dumps(2.5e-07) == "0.00000025"
    assert dumps(1.5e-3) == "0.0015"
    assert dumps(123456.789) == ("123456.79" if FLOAT32 else "123456.789")


def test_shortest_float_text():
    assert dumps(22.5) == "22.5"
    assert dumps(55.5) == "55.5"
    assert dumps(0.1) == "0.1"
    assert dumps(round(23.14159, 1)) == "23.1"
    assert dumps(round(47.126, 2)) == "47.13"
    assert dumps(0.1 + 0.2) == ("0.3" if FLOAT32 else "0.30000000000000004")


def test_inf_nan_rejected():
    for bad in (float("inf"), float("-inf"), float("nan")):
        with raises(EncodeError, "inf/nan"):
            dumps({"v": [bad]})


def test_string_escapes():
    assert dumps("a\"b\\c") == '"a\\"b\\\\c"'
    assert dumps("\b\f\n\r\t") == '"\\b\\f\\n\\r\\t"'
    assert dumps("\x01\x1f") == '"\\u0001\\u001f"'
    assert dumps("x\by\\u0008") == '"x\\by\\\\u0008"'
    assert dumps("a/b") == '"a/b"'
    assert dumps("\x7f") == '"\x7f"'


def test_non_ascii_left_as_utf8():
    assert dumps("Café é ü 温度") == '"Café é ü 温度"'
    assert dumps({"é": "ü"}) == '{"é":"ü"}'
    assert dumps("é").encode() == b'"\xc3\xa9"'


def test_scalars_and_nesting():
    assert dumps(True) == "true"
    assert dumps(False) == "false"
    assert dumps(None) == "null"
    assert dumps([]) == "[]"
    assert dumps({}) == "{}"
    assert dumps([1, [2, [3, {"a": [{}]}]]]) == '[1,[2,[3,{"a":[{}]}]]]'
    assert dumps((1, 2)) == "[1,2]"
    assert dumps({"t": True, "f": False, "n": None, "i": 0}) == (
        '{"f":false,"i":0,"n":null,"t":true}'
    )


def test_big_ints_exact():
    assert dumps(2**64 + 1) == "18446744073709551617"
    assert dumps(-(10**20)) == "-100000000000000000000"
    assert dumps(1567852244) == "1567852244"


def test_bool_is_not_int():
    assert dumps([True, 1, False, 0]) == "[true,1,false,0]"


def test_bad_types_rejected():
    with raises(EncodeError):
        dumps({1: "a"})
    with raises(EncodeError):
        dumps({"a": b"bytes"})
    with raises(EncodeError):
        dumps(object())
