# TLS on an ESP8266 is refused with a line saying why and what works instead (the heap
# figures are in `make mem`); other chips and plain URLs pass.
from config_cases import good
from support import raises

from firmware.config import ConfigError, chip_fit, validate


def _cfg(sinric_url, yango_url):
    c = validate(good())
    c["sinric"]["url"] = sinric_url
    c["yango"]["url"] = yango_url
    return c


def test_tls_on_an_esp8266_names_the_field_why_and_what_works():
    with raises(ConfigError, "sinric.url: TLS does not fit an ESP8266's 38 KB heap"):
        chip_fit(_cfg("wss://ws.sinric.pro", "https://dialogs.yango.com"), "esp8266")
    with raises(ConfigError, 'use Sinric over "ws://ws.sinric.pro"'):
        chip_fit(_cfg("ws://ws.sinric.pro", "https://dialogs.yango.com"), "esp8266")
    with raises(ConfigError, "yango.url: "):
        chip_fit(_cfg("ws://ws.sinric.pro", "https://dialogs.yango.com"), "esp8266")


def test_plain_urls_on_an_esp8266_and_tls_elsewhere_pass():
    chip_fit(_cfg("ws://ws.sinric.pro", "http://127.0.0.1:8787"), "esp8266")
    chip_fit(_cfg("wss://ws.sinric.pro", "https://dialogs.yango.com"), "esp32")
    chip_fit(_cfg("wss://ws.sinric.pro", "https://dialogs.yango.com"), "linux")
