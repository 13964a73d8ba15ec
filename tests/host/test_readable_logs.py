"""The board's log, as a person reads it: a boot banner, then one line per output change with
the device, old -> new and the cause (unchanged firmware on the simulated board, both doubles).
"""

import pytest
from e2e_rig import HANG, checked, sid

from firmware import VERSION

SWITCH = {"name": "lamp", "type": "switch", "sinric_id": sid(1), "yango_id": "lamp",
          "relay": 5, "button": 0, "button_active_low": True, "debounce_ms": 30,
          "power_on": "restore"}
DIMMER = {"name": "hall dimmer", "type": "dimmer", "sinric_id": sid(2), "pwm": 12}
WINDOW = {"name": "window", "type": "contact", "sinric_id": sid(3), "pin": 14,
          "debounce_ms": 30}


@pytest.fixture(scope="module")
def rig():
    yield from checked([SWITCH, DIMMER, WINDOW])


def test_the_boot_banner_says_what_runs_and_what_it_was_told(rig):
    out = rig.board.output()
    banner = [line for line in out.splitlines() if line.startswith("boot: ")]
    assert banner[0].startswith("boot: firmware %s on esp32 (" % VERSION) and \
        ", reset cause PWRON_RESET, " in banner[0] and banner[0].endswith(" bytes free")
    assert banner[1] == "boot: Wi-Fi 'e2e'; Sinric %s; Yango %s" % (
        rig.sinric.url, rig.yango.url)
    assert banner[2] == "boot: 3 device(s): lamp (switch), hall dimmer (dimmer), window " \
                        "(contact)"
    assert "e2e-password" not in out and "a751abdb" not in out and "e2e-token" not in out
    assert "lamp: on off (power-on restore)" in out  # nothing saved yet: its first state
    assert "hall dimmer: on off, level 100 (power-on off)" in out


def test_a_sinric_request_names_the_sender(rig):
    since = len(rig.board.lines)
    assert rig.request(sid(1), "setPowerState", {"state": "On"})["success"] is True
    rig.board.wait_for("lamp: on off -> on (Sinric request from portal)", HANG, since)
    rig.request(sid(2), "setPowerLevel", {"powerLevel": 40}, client_id="alexa-skill")
    rig.board.wait_for("hall dimmer: level 100 -> 40 (Sinric request from alexa-skill)", HANG,
                       since)
    since = len(rig.board.lines)
    rig.request(sid(1), "setPowerState", {"state": "On"})  # no change: no line
    rig.request(sid(1), "setPowerState", {"state": "Off"})
    i = rig.board.wait_for("lamp: on on -> off (Sinric request from portal)", HANG, since)
    assert not [line for line in rig.board.lines[since:i] if line.startswith("lamp: ")]


def test_a_button_press_is_its_own_cause(rig):
    since = len(rig.board.lines)
    rig.board.set(0, 0)
    rig.board.wait_for("lamp: on off -> on (button)", HANG, since)
    rig.board.set(0, 1)


def test_a_sensor_change_is_a_line(rig):
    since = len(rig.board.lines)
    rig.board.set(14, 0)  # the reed switch closes to ground
    rig.board.wait_for("window: open -> closed (input)", HANG, since)
    rig.board.set(14, 1)
    rig.board.wait_for("window: closed -> open (input)", HANG, since)


def test_power_on_restore_after_a_reset(rig):
    boots = len(rig.board.boots)
    rig.board.reset()
    since = rig.board.wait_boot(boots + 1, HANG)
    rig.board.wait_for("boot: firmware " + VERSION, HANG, since)
    rig.board.wait_for("lamp: on on (power-on restore)", HANG, since)
    rig.run(rig.sinric.wait_connection(2, timeout=HANG))
