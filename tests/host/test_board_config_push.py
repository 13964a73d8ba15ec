"""`config` for real: validate, upload to :config.json.tmp, verify on the board, rename."""

import hashlib
import json
import subprocess
import sys
import time

import pytest
from mpy import ROOT
from pty_board import PtyBoard
from test_board_config_check import real_config

from tools import config_check, config_push
from tools.board_link import BoardError, Link

OLD = b'{"old": true}\n'


@pytest.fixture
def board(tmp_path):
    with PtyBoard(tmp_path) as b:
        b.write("config.json", OLD)
        yield b


def write(tmp_path, config, name="config.json", tail=""):
    p = tmp_path / name
    p.write_text(json.dumps(config, indent=2) + tail)
    return p


def cli(*args):
    return subprocess.run([sys.executable, "-m", "tools.board", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def quiet(_):
    pass


def test_a_valid_config_arrives_byte_for_byte(tmp_path, board):
    path = write(tmp_path, real_config())
    lines = []
    sha = config_push.push(Link(board.port, resume=True), path, log=lines.append)
    assert board.read("config.json") == path.read_bytes()
    assert board.read("config.json.tmp") is None
    assert sorted(board.files()) == ["config.json"]
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert lines[0].startswith("config: %s is valid (" % path)
    assert lines[1].startswith("config: wrote :config.json on %s" % board.port)


def test_the_cli_pushes_and_the_board_reads_it_back(tmp_path, board):
    path = write(tmp_path, real_config())
    p = cli("config", "--port", board.port, "--resume", "--config", str(path))
    assert p.returncode == 0, p.stdout + p.stderr
    got = board.mpremote("exec", "import json\nc = json.load(open('config.json'))\n"
                         "print(len(c['devices']), c['sinric']['app_key'])").stdout.split()
    assert got == ["11", real_config()["sinric"]["app_key"]]


@pytest.mark.parametrize("mutate,expected", [
    (lambda c: c["devices"][0].update(relay=60), "$.devices[0].relay: 60 is greater than"),
    (lambda c: c["wifi"].update(password="change-me"), "$.wifi.password: \"change-me\" is a "
                                                       "placeholder"),
    (lambda c: c["devices"][1].update(name="lamp"), '$.devices[1].name: name "lamp" is '
                                                    "already used"),
])
def test_a_bad_config_is_refused_before_anything_is_written(tmp_path, board, mutate, expected):
    c = real_config()
    mutate(c)
    path = write(tmp_path, c)
    p = cli("config", "--port", board.port, "--resume", "--config", str(path))
    assert p.returncode == 1
    assert p.stderr.startswith("error: %s is not a valid config (1 problem):\n  %s"
                               % (path, expected)), p.stderr
    assert board.read("config.json") == OLD and board.read("config.json.tmp") is None
    assert p.stdout == ""  # nothing was even said to the board


def test_the_example_itself_is_refused(board):
    p = cli("config", "--port", board.port, "--resume", "--config", "config.example.json")
    assert p.returncode == 1 and "5 problems" in p.stderr
    assert board.read("config.json") == OLD


def test_broken_json_is_refused_with_line_and_column(tmp_path, board):
    path = tmp_path / "c.json"
    path.write_text('{\n  "wifi": {"ssid": "home"\n}\n')
    p = cli("config", "--port", board.port, "--resume", "--config", str(path))
    assert p.returncode == 1 and "line 4 column 1: not valid JSON: a comma is missing" \
        in p.stderr
    assert board.read("config.json") == OLD


class Esp32Link(Link):
    """The pty board, but it answers the chip question like an ESP32 does."""

    def call(self, script, *more):
        if script == config_push._CHIP:
            return ["esp32", "Generic ESP32 module with ESP32"]
        return super().call(script, *more)


def test_pins_are_checked_against_the_boards_chip(tmp_path, board):
    c = real_config()
    c["devices"][0]["relay"] = 38  # input-only on an ESP32
    path = write(tmp_path, c)
    config_push.push(Link(board.port, resume=True), path, log=quiet)  # unix board: no chip
    board.write("config.json", OLD)
    with pytest.raises(config_check.ConfigError, match="GPIO 38 is input-only on the esp32"):
        config_push.push(Esp32Link(board.port, resume=True), path, log=quiet)
    assert board.read("config.json") == OLD and board.read("config.json.tmp") is None


def test_chip_of():
    assert config_push.chip_of("esp32", "Generic ESP32S3 module with ESP32S3") == "esp32s3"
    assert config_push.chip_of("esp32", "ESP32C3 module with ESP32C3") == "esp32c3"
    assert config_push.chip_of("esp8266", "ESP module with ESP8266") == "esp8266"
    assert config_push.chip_of("esp8266", "") == "esp8266"
    assert config_push.chip_of("linux", "") is None


def test_a_cut_cable_mid_transfer_leaves_the_old_config(tmp_path, board):
    # 40 KB of trailing whitespace keeps the JSON valid and the transfer slow enough to cut.
    path = write(tmp_path, real_config(), tail="\n" + " " * 40000 + "\n")
    size = path.stat().st_size
    proc = subprocess.Popen([sys.executable, "-m", "tools.board", "config", "--port",
                             board.port, "--resume", "--config", str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tmp = board.dir / "config.json.tmp"
    deadline = time.monotonic() + 60
    while not (tmp.exists() and tmp.stat().st_size > 0):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
        time.sleep(0.002)
    board.cut()
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1 and "error: mpremote failed" in out
    assert 0 < tmp.stat().st_size < size  # the cable was cut half-way
    assert board.read("config.json") == OLD
    # Plugged in again, the next push overwrites the leftover and lands whole.
    board.start()
    config_push.push(Link(board.port, resume=True), path, log=quiet)
    assert board.read("config.json") == path.read_bytes() and not tmp.exists()


def test_a_cut_between_upload_and_rename_leaves_the_old_config(tmp_path, board):
    path = write(tmp_path, real_config())

    def cut_after_upload(step):
        if step == "uploaded":
            board.cut()

    with pytest.raises(BoardError, match="mpremote failed"):
        config_push.push(Link(board.port, resume=True), path, on_step=cut_after_upload,
                         log=quiet)
    assert board.read("config.json") == OLD
    assert board.read("config.json.tmp") == path.read_bytes()  # whole, but never renamed
    board.start()
    config_push.push(Link(board.port, resume=True), path, log=quiet)
    assert board.read("config.json") == path.read_bytes()
    assert board.read("config.json.tmp") is None


def test_bytes_that_differ_on_the_board_are_never_renamed(tmp_path, board):
    path = write(tmp_path, real_config())
    data = path.read_bytes()

    def corrupt(step):
        if step == "uploaded":  # same size, one byte flipped: only the hash can tell
            board.write("config.json.tmp", data[:-2] + b"?" + data[-1:])

    with pytest.raises(BoardError, match="different bytes; config.json was left as it was"):
        config_push.push(Link(board.port, resume=True), path, on_step=corrupt, log=quiet)
    assert board.read("config.json") == OLD and board.read("config.json.tmp") is None


@pytest.mark.parametrize("fs", ["lfs", "fat"])
def test_replacing_a_config_on_littlefs_and_fat(tmp_path, fs):
    first, second = real_config(), real_config()
    second["devices"] = second["devices"][:2]
    with PtyBoard(tmp_path, fs=fs) as b:
        link = Link(b.port, resume=True)
        config_push.push(link, write(tmp_path, first, "a.json"), log=quiet)
        config_push.push(link, write(tmp_path, second, "b.json"), log=quiet)
        assert b.read("config.json") == (tmp_path / "b.json").read_bytes()
        assert sorted(b.files()) == ["config.json"]
