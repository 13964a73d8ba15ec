from net.http_client import HttpError, HttpTimeout, Response
from net.tls_context import der as _der
from net.url import parse_url
from support import raises


def test_parse_url():
    assert parse_url("http://127.0.0.1:8080/api/x?y=1") == (False, "127.0.0.1", 8080,
                                                            "/api/x?y=1")
    assert parse_url("https://dialogs.yango.com") == (True, "dialogs.yango.com", 443, "/")
    assert parse_url("http://h/") == (False, "h", 80, "/")


def test_parse_url_rejects():
    for bad in ("ftp://h/", "h/x", "http://", "http://:80/", "http://h:0/", "http://h:x/",
                "http://h:70000/", "http://u:p@h/", "http://h/a b", "http://h:/", None,
                "http://h/\r\nX: 1"):
        with raises(ValueError):
            parse_url(bad)


def test_error_types():
    assert issubclass(HttpTimeout, HttpError)
    assert issubclass(HttpError, Exception) and not issubclass(HttpError, OSError)


def test_response_json():
    assert Response(202, "Accepted", {}, b'{"request_id":"r"}').json() == {"request_id": "r"}
    assert Response(401, "", {}, b"Unauthorized").json() is None
    assert Response(500, "", {}, b"\xff\xfe").json() is None


def test_pem_to_der():
    der = b"\x30\x03\x02\x01\x05"
    pem = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n"
    assert _der(pem) == der
    assert _der(pem.encode()) == der
    assert _der(der) == der
    with raises(ValueError):
        _der("-----BEGIN CERTIFICATE-----\nMAMCAQU=\n")
