import json
import os

from config_cases import BAD_FILES, apply, bad_cases, good, write_file
from support import raises

from firmware import VERSION, config

ROOT = __file__.rsplit("/", 3)[0] if __file__.count("/") >= 3 else "."


def _tmp(name):
    base = os.getenv("TMPDIR") or "/tmp"
    return "%s/cfgtest-%s-%s" % (base, "".join("%02x" % b for b in os.urandom(4)), name)


def test_every_bad_variant_names_its_field():
    n = 0
    for case in bad_cases():
        n += 1
        with raises(config.ConfigError) as e:
            config.validate(apply(case, good()))
        assert str(e.value) == case[0], (str(e.value), case)
    assert n >= 60


# Real values of the fields that end up in a URL, a header or a socket address: accepted.
GOOD_FORMATS = (
    (("sinric", "url"), ("wss://ws.sinric.pro", "ws://127.0.0.1:8765/", "wss://ws.sinric.pro/x")),
    (("yango", "url"), ("https://dialogs.yango.com", "http://127.0.0.1:8787",
                        "https://dialogs.yandex.net/api/")),
    (("yango", "skill_id"), ("8E3F1C2A-0B4D-4F6E-9A1C-3D5E7F9B1C2D",)),
    (("yango", "token"), ("y0_AgAAAAB3-x.y~z+/=", "A" * 2048)),
    (("yango", "user_id"), ("u-42", "a@b.c", "x" * 64)),
    (("board", "ntp_server"), ("pool.ntp.org", "", "192.168.1.1:123", "time-a.nist.gov")),
)


def test_real_formats_are_accepted():
    for (section, key), values in GOOD_FORMATS:
        for v in values:
            cfg = good()
            cfg[section][key] = v
            assert config.validate(cfg)[section][key] == v


def test_bad_files():
    for text, msg in BAD_FILES:
        path = _tmp("config.json")
        if text is not None:
            write_file(path, text)
        try:
            with raises(config.ConfigError) as e:
                config.load(path)
            assert str(e.value) == msg.replace("config.json", path, 1), str(e.value)
        finally:
            if text is not None:
                os.remove(path)


def test_a_good_config_gets_the_readme_defaults():
    cfg = config.validate(good())
    assert cfg["wifi"]["timeout_s"] == 20
    assert cfg["sinric"]["url"] == "wss://ws.sinric.pro"
    assert cfg["sinric"]["firmware_version"] == VERSION  # the project's, firmware/__init__
    assert cfg["yango"]["url"] == "https://dialogs.yango.com"
    assert cfg["yango"]["discovery_on_boot"] is False
    b = cfg["board"]
    assert (b["status_led_active_low"], b["watchdog_s"], b["state_write_interval_s"]) == (
        False, 30, 60)
    lamp, dim, strip, blinds, lock, garage, heat, pir, window, outside, bell = cfg["devices"]
    assert lamp["power_on"] == "off" and lamp["debounce_ms"] == 50
    assert lamp["relay_active_low"] is False and lamp["button_active_low"] is True
    assert "room" not in lamp and "yango_id" not in lamp
    assert dim["freq"] == 1000 and strip["freq"] == 1000
    assert blinds["relay_active_low"] is False and "debounce_ms" not in blinds
    assert lock["contact_active_low"] is True
    assert garage["pulse_ms"] == 500 and "power_on" not in garage
    assert (heat["dht_type"], heat["target"], heat["hysteresis"], heat["interval_s"]) == (
        "dht22", 21, 0.5, 60)
    assert pir["active_low"] is False and window["active_low"] is True
    assert outside["dht_type"] == "dht22" and bell["button_active_low"] is True


def test_clouds_and_board_are_optional():
    cfg = good()
    del cfg["sinric"], cfg["yango"], cfg["board"]
    cfg = config.validate(cfg)
    assert "sinric" not in cfg and "yango" not in cfg
    assert cfg["board"]["watchdog_s"] == 30 and "status_led" not in cfg["board"]


def test_comment_keys_are_ignored_and_values_kept():
    cfg = good()
    cfg["_comment"] = "hall node"
    cfg["devices"][0]["_note"] = "over the door"
    cfg["devices"][0]["power_on"] = "restore"
    cfg["wifi"]["password"] = ""  # an open network
    cfg = config.validate(cfg)
    assert cfg["devices"][0]["power_on"] == "restore"


def test_the_example_config_validates():
    with open(ROOT + "/config.example.json") as f:
        cfg = config.validate(json.loads(f.read()))
    assert len(cfg["devices"]) == 11


def test_load_reads_and_validates_a_file():
    path = _tmp("config.json")
    with open(path, "w") as f:
        f.write(json.dumps(good()))
    try:
        cfg = config.load(path)
    finally:
        os.remove(path)
    assert cfg["devices"][0]["name"] == "lamp"


def test_a_validation_error_carries_the_parsed_json():
    path = _tmp("config.json")
    cfg = good()
    cfg["devices"][0]["relay"] = 99
    with open(path, "w") as f:
        f.write(json.dumps(cfg))
    try:
        with raises(config.ConfigError) as e:
            config.load(path)
    finally:
        os.remove(path)
    assert e.value.raw["board"]["status_led"] == 2


def test_safe_led_only_when_no_device_names_that_pin():
    cfg = good()
    assert config.safe_led(cfg) == 2
    cfg["devices"][3]["travel_ms"] = 2  # any field with that value: rather no LED
    assert config.safe_led(cfg) is None
    cfg = good()
    cfg["board"]["status_led"] = 5  # also the lamp's relay: never blink a relay
    assert config.safe_led(cfg) is None
    for broken in (None, [], {"board": 2}, {"board": {"status_led": "2"}},
                   {"board": {"status_led": 60}}, {"board": {"status_led": 1}, "devices": 5}):
        assert config.safe_led(broken) is None
    assert config.safe_led({"board": {"status_led": 1}}) == 1


def test_a_user_type_is_one_table_entry():
    from firmware import config_types as t

    t.TYPES["fan"] = (("relay", config.PIN, config.REQ), ("speeds", config.INT, 3, 1, 5),
                      t.POWER_ON)
    try:
        cfg = good()
        cfg["devices"].append({"name": "fan", "type": "fan", "yango_id": "fan", "relay": 14})
        fan = config.validate(cfg)["devices"][-1]
        assert (fan["speeds"], fan["power_on"]) == (3, "off")
        cfg = good()
        cfg["devices"].append({"name": "fan", "type": "fan", "yango_id": "fan", "relay": 14,
                               "speeds": 9})
        with raises(config.ConfigError, "devices[11].speeds: must be an integer 1-5"):
            config.validate(cfg)
    finally:
        del t.TYPES["fan"]


def _small(chip):
    """A config any chip runs: the status LED on 2, a switch on 5 with a button on 0."""
    cfg = good()
    cfg["board"]["chip"] = chip
    cfg["devices"] = cfg["devices"][:1]
    if chip == "esp8266":  # no TLS there (config.chip_fit): Sinric over ws://, no Yango
        cfg["sinric"]["url"] = "ws://ws.sinric.pro"
        del cfg["yango"]
    return cfg


def _chip_error(chip, change):
    cfg = _small(chip)
    change(cfg)
    with raises(config.ConfigError) as e:
        config.validate(cfg)
    return str(e.value)


def _dev(cfg, **fields):
    cfg["devices"].append(dict({"name": "x%d" % len(cfg["devices"]), "yango_id":
                                "x%d" % len(cfg["devices"])}, **fields))


def test_a_config_the_chip_cannot_run_is_refused_in_one_line():
    # field, GPIO and reason (firmware/chips.py, from the ports' machine_pin.c/esppwm.c/
    # machine_pwm.c/machine_wdt.c)
    cases = (
        ("esp32", lambda c: _dev(c, type="switch", relay=34),
         "devices[%d].relay: GPIO 34 is input-only on the esp32"),
        ("esp32", lambda c: _dev(c, type="switch", relay=24),
         "devices[%d].relay: GPIO 24 does not exist on the esp32"),
        ("esp32", lambda c: _dev(c, type="switch", relay=7),
         "devices[%d].relay: GPIO 7 belongs to the esp32's SPI flash"),
        ("esp32", lambda c: _dev(c, type="temperature", dht=36),
         "devices[%d].dht: GPIO 36 is input-only on the esp32"),
        ("esp8266", lambda c: _dev(c, type="switch", relay=18),
         "devices[%d].relay: GPIO 18 does not exist on the esp8266"),
        ("esp8266", lambda c: _dev(c, type="dimmer", pwm=16),
         "devices[%d].pwm: GPIO 16 has no PWM on the esp8266 (PWM pins: 0, 2, 4, 5, 12, 13, "
         "14, 15)"),
        ("esp8266", lambda c: _dev(c, type="dimmer", pwm=4, freq=5000),
         "devices[%d].freq: 5000 Hz on GPIO 4: esp8266 PWM runs at 1-1000 Hz"),
    )
    for chip, change, want in cases:
        assert _chip_error(chip, change) == want % 1, (chip, want)


def test_pwm_channels_share_what_the_chip_has():
    def two_dimmers(c):
        _dev(c, type="dimmer", pwm=4, freq=1000)
        _dev(c, type="dimmer", pwm=12, freq=500)

    assert _chip_error("esp8266", two_dimmers) == (
        "devices[2].freq: 500 Hz on GPIO 12: esp8266 PWM channels share one frequency "
        "(devices[1].freq is 1000 Hz)")
    cfg = _small("esp32")
    two_dimmers(cfg)
    config.validate(cfg)  # an ESP32 has 8 timers
    cfg = _small("esp32")
    for i, gpio in enumerate((12, 13, 14, 15, 16, 17, 18, 19, 21)):
        _dev(cfg, type="dimmer", pwm=gpio, freq=100 + i)
    with raises(config.ConfigError) as e:
        config.validate(cfg)
    assert str(e.value) == ("devices[9].freq: 108 Hz on GPIO 21: esp32 PWM channels share 8 "
                            "frequencies (devices[1].freq is 100 Hz)")
    assert config.validate(_small("esp8266"))["board"]["chip"] == "esp8266"


def test_the_esp8266_watchdog_is_fixed_at_5_s():
    cfg = _small("esp8266")
    assert config.validate(cfg)["board"]["watchdog_s"] == 5  # its default
    for ok in (0, 5):
        cfg = _small("esp8266")
        cfg["board"]["watchdog_s"] = ok
        config.validate(cfg)
    assert _chip_error("esp8266", lambda c: c["board"].update(watchdog_s=30)) == (
        "board.watchdog_s: the esp8266 watchdog has a fixed 5 s timeout: use 5 or 0")
    cfg = _small("esp32")
    assert config.validate(cfg)["board"]["watchdog_s"] == 30
    cfg["board"]["watchdog_s"] = 3600
    config.validate(cfg)


def test_an_input_without_its_pull_resistor_is_a_warning_not_an_error():
    from firmware import chips

    cfg = _small("esp32")
    _dev(cfg, type="contact", pin=34)
    _dev(cfg, type="motion", pin=35)  # a PIR drives its line: no pull needed
    config.validate(cfg)
    assert list(chips.pull_warnings(cfg, "esp32")) == [
        ("devices[1].pin", "GPIO 34 has no internal pull-up on the esp32: fit an external "
                           "resistor")]
    cfg = _small("esp8266")
    cfg["devices"][0]["button_active_low"] = False
    assert list(chips.pull_warnings(cfg, "esp8266")) == [
        ("devices[0].button", "GPIO 0 has no internal pull-down on the esp8266: fit an "
                              "external resistor")]
