"""The firmware's runtime on the simulated board (real MicroPython, restarts included):
bad configs, power-on state, Wi-Fi loss, the watchdog, crashes and safe mode."""

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from config_cases import BAD_FILES, apply, bad_cases, good
from simhelp import board, config

from firmware.config import safe_led
from firmware.startup import needs_setup as needed
from tools import board_files
from tools.sim.run import POWERON, RESET, WATCHDOG


def eventually(fn, timeout=10):
    """fn()'s first truthy value, polling (a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def outputs(pins):
    return sorted(int(g) for g, p in pins.items() if p["mode"] in ("out", "pwm"))


def idles_with_config_error(cfg=None, text=None, missing=False):
    """Boot a bad config; returns (its config line, the board's pins, info). Without usable
    Wi-Fi settings the board starts its setup access point instead (firmware/setup_ap.py):
    then the line is the error as the setup line quotes it."""
    sim = board(None if missing else cfg, config_text=text)
    with sim:
        i = sim.wait_for(re.compile("^(config: |setup: access point )"))
        if sim.lines[i].startswith("setup: "):
            sim.wait_for("setup: page ready", since=i)
            info, pins, line = sim.info(), sim.pins(), sim.lines[i]
            assert "Traceback" not in sim.output() and len(sim.boots) == 1
            assert "no usable Wi-Fi settings (" in line, line
            why = line.split("no usable Wi-Fi settings (", 1)[1].rsplit(")", 1)[0]
            return "config: " + why, pins, info
        i = sim.wait_for("config: ")
        sim.wait_for("sim: main.py returned", since=i)
        info = sim.info()
        pins = sim.pins()
        line = sim.lines[i]
        assert "app: not started; fix config.json and reset (the REPL is free)" in sim.output()
        assert len(sim.boots) == 1 and "Traceback" not in sim.output()
    return line, pins, info


def test_every_bad_config_is_named_and_nothing_is_actuated():
    cases = [(c[0], apply(c, good())) for c in bad_cases()]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda c: idles_with_config_error(c[1]), cases))
    for (msg, cfg), (line, pins, info) in zip(cases, results):
        assert line == "config: " + msg
        assert info["app"] == ("setup" if needed(msg) else "config_error")
        # the status LED blinks "config error" when no device claims its pin; nothing else
        # is driven (the setup access point drives nothing at all)
        led = [2] if safe_led(cfg) == 2 and not needed(msg) else []
        assert outputs(pins) == led, (msg, pins)


def test_bad_files_too(tmp_path):
    for text, msg in BAD_FILES:
        if isinstance(text, tuple):
            text = text[0] + " " * text[1] + text[2]
        line, pins, info = idles_with_config_error(text=text, missing=text is None)
        assert line == "config: " + msg
        assert outputs(pins) == []
        assert info["app"] == ("setup" if needed(msg) else "config_error")


def test_config_error_blinks_the_led_and_the_repl_answers():
    cfg = good()
    cfg["devices"][0]["relay"] = 60
    with board(cfg) as sim:
        sim.wait_for("sim: main.py returned")
        seen = set()
        deadline = time.monotonic() + 10
        while seen != {0, 1} and time.monotonic() < deadline:
            seen.add(sim.get(2)["value"])  # triple blink from a machine.Timer
            time.sleep(0.05)
        assert seen == {0, 1}
        since = len(sim.lines)
        sim.repl("print(6 * 7)")
        sim.wait_for("42", since=since)
        assert outputs(sim.pins()) == [2]


def test_power_on_state_survives_restarts_and_writes_are_coalesced():
    with board(config(state_write_interval_s=60), svc="record") as sim:
        sim.wait_for("svc: phase 2 recorded")
        assert "svc: saved null" in sim.output(1)
        assert sim.output(1).count("state: saved 1 device(s)") == 1  # phase 2 is coalesced
        assert json.loads(sim.path("state.json").read_text()) == {
            "rec": {"boots": 1, "phase": 1}}
        sim.reset()  # deliberate: pending state is flushed first
        sim.wait_boot(2)
        i = sim.wait_for("svc: saved ", since=sim.boots[1].first_line)
        assert json.loads(sim.lines[i][len("svc: saved "):]) == {"boots": 1, "phase": 2}
        assert sim.boots[1].kind == RESET
        assert "app: restart (control port)" in sim.output(1)
        sim.wait_for("svc: phase 2 recorded", since=i)
        sim.power_cycle()  # no flush: the coalesced phase 2 of boot 2 is lost, by design
        i = sim.wait_for("svc: saved ", since=sim.boots[2].first_line)
        assert json.loads(sim.lines[i][len("svc: saved "):]) == {"boots": 2, "phase": 1}
        assert sim.boots[2].kind == POWERON
        assert "quick restart" not in sim.output()  # deliberate restarts are not crashes


def test_a_power_cut_between_temp_write_and_rename_keeps_the_old_state():
    with board(config(state_write_interval_s=1), svc="torn") as sim:
        sim.wait_for("svc: power cut now")
        assert sim.path("state.json.tmp").exists()
        assert json.loads(sim.path("state.json").read_text()) == {"rec": {"v": "old"}}
        sim.power_cycle()
        i = sim.wait_for("svc: saved ", since=sim.boots[1].first_line)
        assert json.loads(sim.lines[i][len("svc: saved "):]) == {"v": "old"}
        assert not sim.path("state.json.tmp").exists()


def test_a_corrupt_state_file_is_ignored_with_a_log_line(tmp_path):
    (tmp_path / "state.json").write_text('{"rec": {"boots": 4, "ph')
    with board(svc="record", board_dir=tmp_path) as sim:
        sim.wait_for("svc: saved null")
        out = sim.output()
        assert "state: state.json is corrupt (" in out and "), ignored" in out
        sim.wait_for("state: saved 1 device(s)")
        assert json.loads((tmp_path / "state.json").read_text())["rec"]["boots"] == 1


def test_wifi_loss_and_return_restart_a_dependent_service():
    with board(svc="wifi_watch") as sim:
        sim.wait_for("svc: client up (generation 1)")
        assert eventually(lambda: sim.info()["led"] == "online")
        since = len(sim.lines)
        sim.wifi(False)
        sim.wait_for("wifi: link lost", since=since)
        sim.wait_for("svc: client cancelled", since=since)
        sim.wait_for("app: client stopped: Wi-Fi down", since=since)
        sim.wait_for("wifi: no connection within 5 s; retry in", since=since)
        assert sim.info()["wifi"] in ("down", "connecting")
        assert eventually(lambda: sim.info()["led"] == "connecting")
        sim.wifi(True)
        sim.wait_for("svc: client up (generation 2)", since=since)
        assert sim.info()["wifi"] == "online"
        out = "\n".join(sim.lines[since:])
        assert out.index("svc: wifi down") < out.index("svc: wifi online")


def test_a_disconnected_cloud_shows_on_the_led():
    with board(svc="cloud") as sim:
        sim.wait_for("wifi: online")
        assert eventually(lambda: sim.info()["led"] == "cloud_down")


def test_a_crashed_task_is_logged_and_the_board_restarts():
    with board(svc="crash_task", max_boots=2) as sim:
        sim.wait_boot(2)
        sim.wait_for("app: quick restart 1 of 3 before safe mode (last: ValueError('task boom',))",
                     since=sim.boots[1].first_line)
        out = sim.output(1)
        assert "app: crashed: ValueError('task boom',)" in out
        assert "Traceback" in out and "_raise_later" in out
        assert "app: restarting in 1 s (Ctrl-C now for the REPL)" in out
        assert sim.boots[1].kind == RESET


def test_the_watchdog_fires_when_the_loop_is_blocked():
    with board(config(watchdog_s=5), svc="block", max_boots=2) as sim:
        sim.wait_for("svc: blocking the loop")
        sim.wait_boot(2, timeout=30)
        assert "machine.WDT: not fed for 5000 ms: watchdog reset" in sim.output(1)
        assert sim.boots[0].returncode == -9 and sim.boots[1].kind == WATCHDOG
        sim.wait_for("app: the watchdog reset the board", since=sim.boots[1].first_line)
        sim.wait_for("(last: watchdog reset)", since=sim.boots[1].first_line)


def test_the_watchdog_fires_when_a_watched_task_stops_checking_in():
    with board(config(watchdog_s=5), svc="stuck", max_boots=2) as sim:
        sim.wait_for("watchdog: stuck silent for ")
        sim.wait_boot(2, timeout=30)
        assert sim.boots[1].kind == WATCHDOG


def cloud_config(**board):
    cfg = config(watchdog_s=5, **board)
    cfg["devices"][0]["sinric_id"] = "5dc1564130aaaaaaaaaaaa01"
    cfg["sinric"] = {"app_key": "00000000-0000-4000-8000-000000000000", "app_secret": "s" * 40,
                     "url": "ws://127.0.0.1:9/", "firmware_version": "1.0.0"}
    cfg["yango"] = {"skill_id": "00000000-0000-4000-8000-00000000000b", "token": "token",
                    "user_id": "user-1", "url": "http://127.0.0.1:9"}
    return cfg


def _interp(chip):
    try:
        return board_files.locate(chip)
    except board_files.Unavailable as e:
        pytest.skip(str(e))


# Both chip profiles (tools/board_files.py): the ESP32's interpreter and heap, and the frozen
# ESP8266 build at 38K.
@pytest.mark.parametrize("chip", ["esp32", "esp8266"])
@pytest.mark.parametrize("cloud", ["sinric", "yango"])
def test_a_hung_cloud_task_resets_the_board_through_the_watchdog(cloud, chip):
    mp = _interp(chip)
    with board(cloud_config(), svc="devices,%s=hung_%s" % (cloud, cloud), module="simhang",
               max_boots=2, interp=mp, heap=mp.heap) as sim:
        sim.wait_for("svc: %s " % cloud)
        sim.wait_for("watchdog: %s silent for " % cloud, timeout=30)
        sim.wait_boot(2, timeout=30)
        assert "machine.WDT: not fed for 5000 ms: watchdog reset" in sim.output(1)
        assert sim.boots[1].kind == WATCHDOG
        assert "watchdog: app silent" not in sim.output(1)  # it was the cloud task


STUCK = {"sinric": "5 connects ran out of memory since the link was last up",
         "yango": "5 POSTs ran out of memory since the last answer"}


@pytest.mark.parametrize("cloud", sorted(STUCK))
def test_a_heap_too_fragmented_for_a_cloud_restarts_the_board(cloud):
    # a heap that cannot hold a connection stays so: the board restarts (state saved), and
    # the restart is deliberate: no crash counted towards safe mode
    with board(cloud_config(), svc="devices,%s=oom_%s" % (cloud, cloud), module="simoom",
               max_boots=2) as sim:
        sim.wait_for("svc: %s " % cloud)
        sim.wait_boot(2, timeout=40)
        first = sim.output(1)
        assert "app: restart (%s: %s)" % (cloud, STUCK[cloud]) in first
        assert first.count("MemoryError: memory allocation failed, allocating 263 bytes") >= 4
        sim.wait_for("app: running", since=sim.boots[1].first_line)
        assert "quick restart" not in sim.output(2)


def test_a_service_the_heap_cannot_hold_is_left_out_and_the_board_runs():
    # a config too big for the heap (the full example over TLS from .mpy on an ESP32) ran
    # out of memory in the Yango factory at every boot and ended in safe mode
    with board(config(), svc="devices,big=no_heap,after", module="simoom", max_boots=2) as sim:
        sim.wait_for("app: running")
        out = sim.output(1)
        assert ("big: not started: out of memory (memory allocation failed, allocating 4096 "
                "bytes; ") in out
        assert "svc: the next service runs" in out and "crash" not in out
        time.sleep(1)
        assert len(sim.boots) == 1 and sim.info()["app"] == "running"
    # the devices are every later service's: without them it is still a crash
    with board(config(), svc="devices=no_heap", module="simoom", max_boots=2) as sim:
        sim.wait_for("app: crashed: MemoryError('memory allocation failed, allocating 4096 "
                     "bytes',)")


def test_the_agent_outlives_a_full_heap_and_never_takes_the_app_down():
    # The agent is a task on the board's loop: its death would reach the app's exception
    # handler as the app's own (it did: the full example from .mpy on a 32-bit ESP32 heap
    # "crashed" in the agent's reply; so did the simulator's timer task). On a board there
    # is no agent: the app runs on. On the kit's 1.28 interpreter (the ports' version): the
    # venv's 1.29 unix binary segfaults when a task reading stdin through
    # asyncio.StreamReader meets a full heap, which says nothing of the firmware.
    try:
        mp = board_files.locate("esp32", word32=True)
    except board_files.Unavailable as e:  # no kit: one line
        pytest.skip(str(e))
    with board(config(), svc="devices,hog", module="simoom", max_boots=2, interp=mp,
               heap=mp.heap) as sim:
        i = sim.wait_for("svc: heap full")
        for _ in range(3):  # control lines the full heap cannot take
            sim.repl("@sim:x info")
        sim.wait_for("svc: heap given back", since=i)
        assert sim.info()["app"] == "running"  # the control port answers again
        out = sim.output(1)
        assert "sim: agent out of memory: a control line was lost" in out
        assert "crash" not in out and len(sim.boots) == 1

def test_the_watchdog_is_fed_while_healthy():
    with board(config(watchdog_s=5), svc="wifi_watch") as sim:
        sim.wait_for("svc: client up")
        time.sleep(6)
        assert len(sim.boots) == 1 and "machine.WDT" not in sim.output()


def test_repeated_crashes_end_in_safe_mode_with_the_repl_free():
    with board(svc="crash") as sim:
        i = sim.wait_for("SAFE MODE: 3 quick restarts in a row (last: "
                         "RuntimeError('boom at start',)); the app is not started", timeout=40)
        assert [b.kind for b in sim.boots] == [POWERON, RESET, RESET, RESET]
        sim.wait_for("sim: main.py returned", since=i)
        assert "s.leave()" in sim.lines[i + 1]
        assert sim.info()["app"] == "safe_mode"
        assert outputs(sim.pins()) == [2]  # only the LED, blinking "safe mode"
        since = len(sim.lines)
        sim.repl("print(1 + 1)")
        sim.wait_for("2", since=since)
        time.sleep(1.5)
        assert len(sim.boots) == 4  # no boot loop: it stays put
        # leaving from the REPL: the app is tried again
        sim.repl("import firmware.safemode as s; s.leave()")
        sim.wait_boot(5)
        sim.wait_for("app: crashed: RuntimeError('boom at start',)", since=sim.boots[4].first_line)
        assert "quick restart" not in sim.output(5)


def test_a_power_cycle_leaves_safe_mode():
    with board(svc="crash") as sim:
        sim.wait_for("SAFE MODE", timeout=40)
        n = sim.power_cycle()
        sim.wait_for("app: crashed", since=sim.boots[n - 1].first_line)
        assert "SAFE MODE" not in sim.output(n)


def test_a_stable_run_clears_the_crash_count(tmp_path):
    # One board, so its RTC memory (the crash count) carries over from boot to boot.
    knobs = {"firmware.app.RESTART_DELAY_S": 1, "firmware.safemode.STABLE_S": 2}
    (tmp_path / "crashes").write_text("2")  # crash on the first two boots
    with board(svc="crash_while_flagged", module="simhang", knobs=knobs, board_dir=tmp_path,
               max_boots=4) as sim:
        sim.wait_boot(3, timeout=30)
        since = sim.boots[2].first_line
        sim.wait_for("app: quick restart 2 of 3 before safe mode", since=since)
        sim.wait_for("app: stable for 2 s; crash count cleared", since=since, timeout=20)
        (tmp_path / "crashes").write_text("1")  # one more crash after the stable run
        sim.wait_boot(4, timeout=30)
        since = sim.boots[3].first_line
        sim.wait_for("app: running", since=since)
        # a crash after a proven run starts no count; without the clearing this fourth boot
        # would have counted 3 and gone to safe mode
        assert "SAFE MODE" not in sim.output(4) and "quick restart" not in sim.output(4)
        assert [b.kind for b in sim.boots] == [POWERON] + [RESET] * 3


def test_ctrl_c_stops_the_app_saves_state_and_frees_the_repl():
    with board(config(state_write_interval_s=60), svc="record,wifi_watch") as sim:
        sim.wait_for("svc: phase 2 recorded")
        assert sim.interrupt() == {"interrupt": True}
        i = sim.wait_for("app: stopped by Ctrl-C; the REPL is free")
        sim.wait_for("sim: main.py returned", since=i)
        assert json.loads(sim.path("state.json").read_text()) == {
            "rec": {"boots": 1, "phase": 2}}  # the coalesced write was flushed
        assert sim.info()["app"] == "stopped"
        since = len(sim.lines)
        sim.wifi(False)  # the app's tasks are stopped: nobody notices
        sim.repl("print('at the repl')")
        sim.wait_for("at the repl", since=since)
        time.sleep(1.5)
        assert "wifi: link lost" not in "\n".join(sim.lines[since:])
        assert sim.command("interrupt") == '{"error": "the app is not running"}'
        assert len(sim.boots) == 1
