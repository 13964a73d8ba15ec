"""The simulated board plays an ESP32 or an ESP8266 as MicroPython 1.28's ports behave
(tools/sim/fakes/sim_profile.py), and the firmware works on both: the watchdog, safe mode
after a crash loop, the stock access point, failing sensors, a missing asyncio, and the
product's own chip table (firmware/chips.py) held against the fakes' behaviour."""

import json
import os
import subprocess
import time

import pytest
from e2e_rig import Rig, sid
from simhelp import board, config

from firmware import chips, safemode
from tools.sim.run import BUTTON, CHIPS, MICROPYTHON, POWERON, PROFILES, RESET, ROOT, interpreter

CHIP_IDS = pytest.mark.parametrize("chip", CHIPS)


def probe(chip):
    """What the fake machine of chip accepts, GPIO by GPIO, asked on MicroPython."""
    script = r"""
import json, machine
P = machine.Pin
out = {}
for g in range(49):
    r = {}
    for what, make in (("exists", lambda: P(g)), ("out", lambda: P(g, P.OUT)),
                       ("pull_up", lambda: P(g, P.IN, P.PULL_UP)),
                       ("irq", lambda: P(g, P.IN).irq(lambda p: None)),
                       ("pwm", lambda: machine.PWM(P(g), freq=1000, duty_u16=0).deinit())):
        try:
            make()
            r[what] = True
        except Exception:
            r[what] = False
    out[g] = r
pw = []
for f in (1, 1000, 1001, 40000000, 40000001):
    try:
        p = machine.PWM(machine.Pin(4), freq=f, duty_u16=0)
        pw.append(p.freq())
        p.deinit()
    except ValueError:
        pw.append(None)
wdt = []
for t in (5000, 30000):
    try:
        machine.WDT(timeout=t)
        wdt.append(t)
    except ValueError:
        pass
rtc = machine.RTC()
mem = None
for n in (492, 493, 2048, 2049):
    try:
        rtc.memory(bytes(n))
        mem = n
    except ValueError:
        pass
print(json.dumps({"pins": out, "pwm_freq": pw, "wdt": wdt, "rtc": mem,
                  "pull_down": hasattr(machine.Pin, "PULL_DOWN")}))
"""
    env = dict(os.environ, SIM_CHIP=chip, MICROPYPATH=str(ROOT / "tools/sim/fakes"))
    env.pop("SIM_ROOT", None)
    r = subprocess.run([str(MICROPYTHON), "-c", script], env=env, capture_output=True,
                       text=True, timeout=60, check=True)
    return json.loads(r.stdout.splitlines()[-1])


@CHIP_IDS
def test_the_product_chip_table_agrees_with_the_port_fakes(chip):
    """firmware/chips.py is the product's knowledge; the fakes follow the port sources on
    their own. Every fact the config check relies on must match what the fake does."""
    got = probe(chip)
    c = chips.CHIPS[chip]
    pins = {int(g): r for g, r in got["pins"].items()}
    assert sorted(g for g, r in pins.items() if r["exists"]) == sorted(c[chips._PINS])
    assert sorted(g for g, r in pins.items() if r["exists"] and not r["out"]) == \
        sorted(c[chips._INPUT_ONLY])
    assert sorted(g for g, r in pins.items() if r["exists"] and not r["irq"]) == \
        sorted(c[chips._NO_IRQ])
    pwm = sorted(g for g, r in pins.items() if r["pwm"])
    want = c[chips._PWM] or [g for g in c[chips._PINS] if g not in c[chips._INPUT_ONLY]]
    assert pwm == sorted(want)
    lo, hi = c[chips._PWM_FREQ]
    one, thousand, over1k, top, over = got["pwm_freq"]
    assert one == lo and thousand == 1000
    if chip == "esp8266":  # esppwm.c clamps instead of refusing
        assert over1k == hi == 1000 and top == hi
    else:
        assert over1k == 1001 and top == hi and over is None
    assert got["wdt"] == ([c[chips._WDT_MS]] if c[chips._WDT_MS] else [5000, 30000])
    assert got["rtc"] == c[chips._RTC_MEM]
    # pulls: the ESP8266 has no PULL_DOWN at all; GPIO16 refuses a pull; ESP32 34-39 accept
    # one silently and float (the product lists both as "no pull")
    p = PROFILES[chip]
    no_pull = set(p["pull_error"]) | set(p["pull_ignored"])
    assert sorted(no_pull) == sorted(c[chips._NO_PULL])
    assert got["pull_down"] == (chip == "esp32")
    assert sorted(g for g, r in pins.items() if r["exists"] and not r["pull_up"]) == \
        sorted(p["pull_error"])


@CHIP_IDS
def test_the_boot_loop_reset_causes_agree_with_the_port_fakes(chip):
    """firmware/safemode.py: a person's reset clears the crash count, nothing else does."""
    p = PROFILES[chip]

    class M:
        pass

    for name, number in p["causes"].items():
        setattr(M, name, number)
    user, wdt = safemode.causes(chip, M)
    kinds = p["restart"]
    assert {kinds[POWERON], kinds[BUTTON]} == set(user)
    for kind in ("reset", "panic", "watchdog", "soft"):
        assert kinds[kind] not in user, kind  # machine.reset() and a panic are no person
    assert kinds["watchdog"] in wdt


@CHIP_IDS
def test_the_default_config_boots_and_its_watchdog_is_taken(chip):
    """ESP8266: machine.WDT accepts only 5000 ms (machine_wdt.c); the old default (30 s)
    raised ValueError on every boot and ended in safe mode."""
    cfg = config()
    del cfg["board"]["watchdog_s"]
    with board(cfg, chip=chip, svc="wifi_watch") as sim:
        sim.wait_for("svc: client up")
        time.sleep(6)  # past the ESP8266's fixed 5 s: the feeding works
        assert len(sim.boots) == 1 and sim.info()["app"] == "running"
        assert sim.info()["chip"] == chip


def test_an_esp8266_refuses_a_watchdog_it_cannot_do():
    with board(config(watchdog_s=30), chip="esp8266") as sim:
        sim.wait_for("sim: main.py returned")
        assert "config: board.watchdog_s: the esp8266 watchdog has a fixed 5 s timeout: " \
               "use 5 or 0" in sim.output()


@CHIP_IDS
def test_a_crash_loop_ends_in_safe_mode_and_moves_no_output(chip):
    """ESP32 reports machine.reset() and a panic as HARD_RESET (modmachine.c): they must not
    clear the crash count as a person's reset does. Outputs: only power_on moves them."""
    cfg = config()
    cfg["devices"].append({"name": "heater", "type": "switch", "yango_id": "heater",
                           "relay": 4, "power_on": "off"})
    with board(cfg, chip=chip, svc="devices,crash_task") as sim:
        sim.wait_for("SAFE MODE: 3 quick restarts in a row", timeout=40)
        sim.wait_for("sim: main.py returned", since=sim.boots[3].first_line)
        assert sim.output(1).count("devices: lamp, heater") == 1
        assert [b.kind for b in sim.boots] == [POWERON, RESET, RESET, RESET]
        causes = [b.cause for b in sim.boots]
        assert causes == [PROFILES[chip]["restart"][k] for k in (POWERON, RESET, RESET, RESET)]
        assert sim.info()["app"] == "safe_mode"
        # the relays (5: power_on off by default, 4: off) were never energised; only the
        # status LED (2) blinks
        assert [(b, g, v) for b, g, v in sim.pin_log if g != 2] == []
        n = sim.press_reset()  # a person: the count is cleared, the app runs again
        sim.wait_for("app: crashed", since=sim.boots[n - 1].first_line)
        assert "quick restart" not in sim.output(n) and "SAFE MODE" not in sim.output(n)


@CHIP_IDS
def test_power_on_on_is_the_only_output_change_across_crashes(chip):
    cfg = config()
    cfg["devices"][0]["power_on"] = "on"
    with board(cfg, chip=chip, svc="devices,crash_task") as sim:
        sim.wait_for("SAFE MODE", timeout=40)
        lamp = [(b, v) for b, g, v in sim.pin_log if g == 5]
        assert lamp == [(1, 1), (2, 1), (3, 1)]  # on at each app start; safe mode: untouched


def test_the_esp8266_stock_access_point_is_turned_off_and_stays_off():
    """ports/esp8266/modules/inisetup.py starts the AP with the published password
    "micropythoN" on first boot, and the SDK keeps it on across boots."""
    with board(config(), chip="esp8266") as sim:
        sim.wait_for("wifi: online")
        assert "wifi: access point MicroPython-aabbcc turned off" in sim.output(1)
        assert sim.info()["ap"] is False
        n = sim.power_cycle()
        sim.wait_for("wifi: online", since=sim.boots[n - 1].first_line)
        assert sim.info()["ap"] is False and "access point" not in sim.output(n)


def test_an_esp32_starts_with_no_access_point():
    with board(config(), chip="esp32") as sim:
        sim.wait_for("wifi: online")
        assert sim.info()["ap"] is False and "access point" not in sim.output()


def test_an_image_without_asyncio_says_so():
    with board(config(), chip="esp8266", image="1M", knobs={}) as sim:
        sim.wait_for("sim: main.py returned")
        out = sim.output()
        assert "main: this MicroPython image has no asyncio (the ESP8266 1 MB and 512 KB " \
               "images lack it); flash the ESP8266_GENERIC image for 2 MB+ flash" in out
        assert "firmware not installed" not in out


THERMO = sid(21)


@CHIP_IDS
@pytest.mark.parametrize("failure", ["timeout", "checksum"])
def test_a_failing_sensor_turns_the_heater_off_and_is_reported(chip, failure):
    """The dht driver raises OSError on a timeout but a plain Exception on a checksum error
    (drivers/sensor/dht/dht.py): either way, 3 in a row turn the heater off and the fault
    goes to Sinric (pushNotification) and Yango (on_off false)."""
    dev = {"name": "heating", "type": "thermostat", "sinric_id": THERMO, "yango_id": "heating",
           "relay": 13, "dht": 4, "target": 21, "hysteresis": 0.5, "interval_s": 2,
           "power_on": "on"}
    with Rig([dev], chip=chip) as r:
        r.board.dht(4, 18.0, 40)
        r.wait_pin(13, lambda p: p["value"] == 1)
        r.wait_yango("heating", "on_off", "on", True)
        m = r.events_mark()
        r.board.query("dht 4 fail " + failure)
        e = r.wait_event(THERMO, "pushNotification", m)
        assert e["value"] == {"alert": "heating: temperature sensor not answering"}
        assert e["cause"] == {"type": "ALERT"}
        assert r.board.get(13)["value"] == 0
        r.wait_yango("heating", "on_off", "on", False)
        out = r.board.output()
        assert "heating: sensor read failed (3 in a row)" in out
        assert "Traceback" not in out and len(r.board.boots) == 1
        r.board.dht(4, 18.0, 40)  # back: heating again
        r.wait_pin(13, lambda p: p["value"] == 1)
        r.wait_yango("heating", "on_off", "on", True)
        assert r.sinric.problems == [] and r.yango.violations == []


def _ranges(numbers):
    numbers, out, start = sorted(numbers), [], None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(start) if start == n else "%d-%d" % (start, n))
            start = None
    return ", ".join(out)


def test_the_readme_supported_boards_table_matches_the_chips():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Supported boards"):]
    rows = {}
    for line in section.splitlines()[4:]:
        if not line.startswith("| ESP"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].lower()] = cells
    assert set(rows) == set(chips.CHIPS)
    for chip, cells in rows.items():
        c = chips.CHIPS[chip]
        gpios, pwm, wdt, heap = cells[4], cells[5], cells[6], cells[7]
        assert gpios.startswith(_ranges(c[chips._PINS]) + ";"), chip
        if c[chips._INPUT_ONLY]:
            assert "%s input only" % _ranges(c[chips._INPUT_ONLY]) in gpios
        assert "%s SPI flash" % _ranges(c[chips._FLASH]) in gpios
        lo, hi = c[chips._PWM_FREQ]
        assert pwm.endswith("%d channels, %s, %d-%d Hz" % (
            c[chips._PWM_CHANNELS], "one frequency" if c[chips._PWM_FREQS] == 1 else
            "%d frequencies" % c[chips._PWM_FREQS], lo, hi)), chip
        pins = c[chips._PWM]
        assert pwm.startswith("any output pin" if pins is None else
                              ", ".join(str(p) for p in pins)), chip
        fixed = c[chips._WDT_MS]
        assert wdt.startswith("fixed %d s" % (fixed // 1000) if fixed else "any timeout")
        assert heap == "about %d KB" % (c[chips._HEAP] // 1000), chip
        assert PROFILES[chip]["wdt_fixed_ms"] == fixed  # the fakes play the same chip
    assert "ESP8266_GENERIC" in rows["esp8266"][2] and "lack asyncio" in rows["esp8266"][2]
    assert "asyncio" not in PROFILES["esp8266"]["frozen"]  # ... of the 1M/512K images


def test_a_config_for_another_chip_is_refused_on_the_board():
    cfg = config()
    cfg["board"]["chip"] = "esp8266"
    with board(cfg, chip="esp32") as sim:
        sim.wait_for("sim: main.py returned")
        assert "config: board.chip: this config is for the esp8266, but the board is an esp32" \
            in sim.output()


@CHIP_IDS
def test_make_sim_boots_the_example_config_of_each_chip(chip):
    path = ROOT / ("config.esp8266.example.json" if chip == "esp8266" else
                   "config.example.json")
    heap = interpreter(chip)[1]  # what make sim gives it
    with board(json.loads(path.read_text()), chip=chip, knobs={}, heap=heap) as sim:
        sim.wait_for("app: running", timeout=30)
        assert sim.info()["chip"] == chip and len(sim.boots) == 1


def test_make_check_config_says_what_the_board_says():
    """tools/config_check.py (make check-config CHIP=...) and the board's validator take the
    same limits from firmware/chips.py, in the same words."""
    from tools import config_check as cc

    cfg = {"wifi": {"ssid": "home", "password": ""}, "board": {"watchdog_s": 30},
           "devices": [{"name": "a", "type": "dimmer", "yango_id": "a", "pwm": 4,
                        "freq": 5000}]}
    got = [str(p).split(" (")[0] for p in cc.check(cfg, "esp8266")]
    assert got == ["$.board.watchdog_s: the esp8266 watchdog has a fixed 5 s timeout: use 5 or 0",
                   "$.devices[0].freq: 5000 Hz on GPIO 4: esp8266 PWM runs at 1-1000 Hz"]
    assert cc.check(cfg, "esp32") == []
    cfg["board"]["chip"] = "esp8266"  # the config's own chip, without CHIP=
    assert len(cc.check(cfg)) == 2
    assert [str(p).split(":")[0] for p in cc.check(cfg, "esp32")][0] == "$.board.chip"


def test_an_esp8266_watchdog_reset_is_noted_though_no_constant_names_its_cause():
    """A starved machine.WDT on the ESP8266 resets through the SDK's soft watchdog: reset
    cause 3 (REASON_SOFT_WDT_RST), not machine.WDT_RESET (1)."""
    with board(config(watchdog_s=5), chip="esp8266", svc="block", max_boots=2) as sim:
        sim.wait_for("svc: blocking the loop")
        sim.wait_boot(2, timeout=30)
        assert sim.boots[1].kind == "watchdog" and sim.boots[1].cause == 3
        sim.wait_for("app: the watchdog reset the board", since=sim.boots[1].first_line)
