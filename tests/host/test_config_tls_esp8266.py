"""`make check-config CHIP=esp8266` refuses TLS with the board's own reason and what works
instead; plain URLs and other chips pass that rule."""
import json

from tools import config_check


def _cfg(sinric, yango):
    c = json.loads(open(config_check.ROOT / "tools" / "demo" / "config.json").read())
    c["devices"] = [d for d in c["devices"] if d["type"] != "motion"]  # GPIO 35: no ESP8266
    c["sinric"]["url"], c["yango"]["url"] = sinric, yango
    c["board"]["watchdog_s"] = 5  # the ESP8266's watchdog is fixed at 5 s (30 is refused)
    return c


def _tls_lines(problems):
    return [str(p) for p in problems if "TLS does not fit" in str(p)]


def test_wss_and_https_are_refused_on_an_esp8266_with_what_works_instead():
    got = _tls_lines(config_check.check(_cfg("wss://ws.sinric.pro", "https://x.test"),
                                        chip="esp8266"))
    assert [g.split(":")[0] for g in got] == ["$.sinric.url", "$.yango.url"]
    assert all('use Sinric over "ws://ws.sinric.pro"' in g for g in got)


def test_the_default_sinric_url_is_tls_and_is_refused_too():
    c = _cfg("ws://ws.sinric.pro", "http://127.0.0.1:8787")
    del c["sinric"]["url"]
    assert len(_tls_lines(config_check.check(c, chip="esp8266"))) == 1


def test_plain_urls_on_an_esp8266_and_tls_on_an_esp32_pass():
    assert config_check.check(_cfg("ws://ws.sinric.pro", "http://127.0.0.1:8787"),
                              chip="esp8266") == []
    assert _tls_lines(config_check.check(_cfg("wss://ws.sinric.pro", "https://x.test"),
                                         chip="esp32")) == []
