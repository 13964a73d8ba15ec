"""The simulated board's control port, over real TCP, against the real MicroPython board."""

import json
import socket

import pytest
from simhelp import board


@pytest.fixture(scope="module")
def b():
    with board(svc="button") as sim:
        sim.wait_for("app: running")
        yield sim


def ask(sim, line):
    return json.loads(sim.talk(line))


def test_set_drives_an_input_and_fires_its_irq(b):
    since = len(b.lines)
    assert ask(b, "get 0") == {"gpio": 0, "mode": "in", "value": 1}  # pulled up
    assert ask(b, "set 0 0") == {"gpio": 0, "mode": "in", "value": 0}
    b.wait_for("svc: edge 0", since=since)
    assert ask(b, "set 0 1")["value"] == 1
    b.wait_for("svc: edge 1", since=since)


def test_get_and_pins_show_outputs(b):
    assert ask(b, "get 5") == {"gpio": 5, "mode": "out", "value": 0}
    pins = ask(b, "pins")
    assert pins["5"]["mode"] == "out" and pins["0"]["mode"] == "in"
    assert pins["2"]["mode"] == "out"  # the status LED
    assert ask(b, "get 40") == {"gpio": 40, "mode": None, "value": 0}  # never touched


def test_dht_wifi_info_help(b):
    assert ask(b, "dht 4 21.5 40") == {"gpio": 4, "celsius": 21.5, "humidity": 40.0}
    assert ask(b, "dht 4 fail") == {"gpio": 4, "reading": None}
    info = ask(b, "info")
    assert info["app"] == "running" and info["reset_cause"] == 1 and info["free"] > 0
    assert info["wifi"] in ("connecting", "online") and info["led"]
    assert "set <gpio> <0|1>" in ask(b, "help")["commands"]


@pytest.mark.parametrize("line, error", [
    ("", "empty command; try help"),
    ("bogus 1", "unknown command 'bogus'; try help"),
    ("set 5", "usage: set <gpio> <0|1>"),
    ("set 5 1 1", "usage: set <gpio> <0|1>"),
    ("set x 1", "gpio must be an integer, not 'x'"),
    ("set 49 1", "gpio must be 0-48"),
    ("set -1 0", "gpio must be 0-48"),
    ("set 0 2", "level must be 0-1"),
    ("set 5 1", "GPIO 5 is an output (out)"),
    ("get", "usage: get <gpio>"),
    ("get 1.5", "gpio must be an integer, not '1.5'"),
    ("pins now", "usage: pins"),
    ("dht 4 21", "usage: dht <gpio> <celsius> <humidity> | dht <gpio> fail [timeout|checksum]"),
    ("dht 4 hot 40", "celsius must be a number, not 'hot'"),
    ("dht 4 21 140", "humidity must be 0-100"),
    ("wifi sideways", "usage: wifi <up|down>"),
    ("reset now", "usage: reset"),
])
def test_bad_commands_get_an_error_line(b, line, error):
    assert ask(b, line) == {"error": error}


def test_garbage_on_the_wire_never_hurts_the_board(b):
    with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
        f = s.makefile("rwb")
        f.write(b"x" * 5000 + b"\n")  # too long
        f.write(b"\xff\xfe\n")  # not UTF-8
        f.write(b"get 5\r\n")  # CRLF from a Windows nc
        f.write(b"info\n")
        f.flush()
        replies = [json.loads(f.readline()) for _ in range(4)]
    assert replies[0] == {"error": "line too long"}
    assert "error" in replies[1]
    assert replies[2]["gpio"] == 5
    assert replies[3]["app"] == "running"
    assert ask(b, "get 5")["mode"] == "out"


def test_several_commands_on_one_connection(b):
    with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
        f = s.makefile("rwb")
        for _ in range(20):
            f.write(b"get 2\n")
        f.flush()
        replies = [json.loads(f.readline()) for _ in range(20)]
    assert all(r["gpio"] == 2 for r in replies)


def test_a_busy_port_fails_start_cleanly():
    from tools.sim.run import SimBoard

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        sim = SimBoard({"wifi": {"ssid": "x", "password": ""}}, port=s.getsockname()[1])
        with pytest.raises(OSError):
            sim.start()
        assert sim.stopped.is_set() or sim._thread is None
        assert not sim.board_dir.exists()
