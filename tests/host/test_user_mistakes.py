"""Mistakes a user makes with the host tools end in an `error:` line saying what to do,
never in a Python traceback (each case runs the tool as `make` runs it, as a process)."""

import json
import socket
import subprocess
import sys

import pytest
from mpy import ROOT

PY = sys.executable


def run(*argv, timeout=60):
    p = subprocess.run([PY, *argv], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr, p.stderr


def busy_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_one_error(rc, out, err, *needles):
    assert rc != 0, out
    assert "Traceback" not in out, out
    first = [line for line in err.splitlines() if line.startswith("error:")]
    assert first, out
    for n in needles:
        assert n in first[0] or n in err, out


def test_sinric_server_started_twice():
    s, port = busy_port()
    with s:
        rc, out, err = run("-m", "tools.sinric_server", "serve", "--port", str(port),
                           "--app-key", "k", "--app-secret", "s")
    assert_one_error(rc, out, err, "127.0.0.1:%d is already in use" % port, "SINRIC_PORT=")


def test_sinric_server_control_port_taken():
    s, port = busy_port()
    with s:
        rc, out, err = run("-m", "tools.sinric_server", "serve", "--control-port", str(port),
                           "--app-key", "k", "--app-secret", "s")
    assert_one_error(rc, out, err, "127.0.0.1:%d is already in use" % port)


def test_yango_server_started_twice():
    s, port = busy_port()
    with s:
        rc, out, err = run("-m", "tools.yango_server", "--port", str(port))
    assert_one_error(rc, out, err, "127.0.0.1:%d is already in use" % port, "YANGO_PORT=")


def test_send_with_no_double_listening():
    rc, out, err = run("-m", "tools.sinric_server", "send", "--control", str(free_port()),
                       "5dc1564130aaaaaaaaaaaa01", "setPowerState", "On")
    assert_one_error(rc, out, err, "nothing listens on the control port",
                     "start `make sinric-server` first")


def test_repl_without_a_terminal(tmp_path):
    port = tmp_path / "ttyUSB0"
    port.write_text("")
    rc, out, err = run("-m", "tools.board", "repl", "--port", str(port))
    assert_one_error(rc, out, err, "needs a terminal")


@pytest.mark.parametrize("argv", [
    ("-m", "tools.board", "check-config", "{missing}"),
    ("-m", "tools.install", "--config", "{missing}", "--port", "/dev/ttyUSB0"),
    ("-m", "tools.sinric_server", "serve", "--config", "{missing}"),
    ("-m", "tools.yango_server", "--config", "{missing}"),
    ("-m", "tools.yango_devices", "{missing}"),
])
def test_a_missing_config(tmp_path, argv):
    missing = str(tmp_path / "config.json")
    rc, out, err = run(*(a.replace("{missing}", missing) for a in argv))
    assert rc != 0 and "Traceback" not in out, out
    assert "config.json" in err, out


def test_a_config_that_is_not_json(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text('{"sinric": {"app_key": "k",}}')
    rc, out, err = run("-m", "tools.sinric_server", "serve", "--config", str(bad))
    assert_one_error(rc, out, err, "is not valid JSON")


@pytest.mark.parametrize("command", ["deploy", "config", "logs", "repl"])
def test_a_port_that_does_not_exist(command):
    rc, out, err = run("-m", "tools.board", command, "--port", "/dev/ttyUSB97")
    assert_one_error(rc, out, err, "/dev/ttyUSB97 does not exist", "plugged in")


def test_a_file_that_is_no_serial_port(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello")
    rc, out, err = run("-m", "tools.board", "logs", "--port", str(f), "--seconds", "1")
    assert_one_error(rc, out, err, "is it the board's serial port?")


def test_install_with_the_example_config_says_to_copy_it():
    rc, out, err = run("-m", "tools.install", "--config", "config.example.json")
    assert_one_error(rc, out, err, "copy config.example.json to config.json")


def test_install_on_a_missing_port(tmp_path):
    cfg = json.loads((ROOT / "tools" / "demo" / "config.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    rc, out, err = run("-m", "tools.install", "--config", str(path), "--port", "/dev/ttyUSB97",
                       "--no-flash")
    assert_one_error(rc, out, err, "/dev/ttyUSB97 does not exist")
