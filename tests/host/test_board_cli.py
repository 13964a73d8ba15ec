"""The CLI's other commands: logs (read-only follow), repl, check-config."""

import io
import re
import subprocess
import sys

from mpy import ROOT
from pty_board import PtyBoard

from tools import board, install
from tools.board_link import Link

CHATTY = """
import sys, time, select
p = select.poll()
p.register(sys.stdin, select.POLLIN)
for i in range(100):
    print('tick', i)
    if p.poll(0):
        print('GOT INPUT')
    time.sleep_ms(20)
"""


def test_logs_follows_the_output_with_timestamps_and_sends_nothing(tmp_path, capsys):
    script = tmp_path / "chatty.py"
    script.write_text(CHATTY)
    with PtyBoard(tmp_path, script=script) as b:
        out = io.StringIO()
        board.follow_logs(b.port, seconds=1.0, out=out)
    # it says it is waiting before the board says anything
    assert capsys.readouterr().err.startswith("logs: waiting for %s to say something" % b.port)
    lines = out.getvalue().splitlines()
    assert len(lines) > 10
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d \| tick \d+", line) for line in lines), lines
    ticks = [int(line.rsplit(" ", 1)[1]) for line in lines]
    assert ticks == list(range(ticks[0], ticks[0] + len(ticks)))  # nothing lost or garbled


def test_logs_cli_on_a_missing_port(capsys):
    assert board.main(["logs", "--port", "/dev/ttyNOPE7", "--seconds", "1"]) == 1
    assert "serial port /dev/ttyNOPE7 does not exist" in capsys.readouterr().err


def test_repl_hands_the_terminal_to_mpremote(tmp_path, monkeypatch):
    port = tmp_path / "tty"
    port.touch()
    seen = []
    monkeypatch.setattr(board.os, "execvp", lambda f, argv: seen.append(argv))
    monkeypatch.setattr(board.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(board.sys.stdout, "isatty", lambda: True, raising=False)
    assert board.main(["repl", "--port", str(port)]) == 0
    assert seen[0][1:] == ["connect", str(port), "repl"]
    assert Link(str(port), resume=True).argv(["repl"])[1:] == ["connect", str(port), "resume",
                                                               "repl"]


def test_link_chains_commands_with_plus(tmp_path):
    link = Link("socket://127.0.0.1:1")
    assert link.argv(["exec", "x"], ["fs", "cp", "a", ":b"])[1:] == [
        "connect", "socket://127.0.0.1:1", "exec", "x", "+", "fs", "cp", "a", ":b"]


def test_no_port_and_no_board_lists_the_ports(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(install, "PTY_BOARD_PORT", tmp_path / "no-pty-board")
    assert board.main(["deploy", "--port", ""]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no board found (serial ports: ")
    assert "make pty-board" in err and "PORT=" in err


def test_no_port_finds_the_running_pty_board_as_install_does(capsys, monkeypatch, tmp_path):
    """`make logs` (deploy, config, repl) without PORT= said "no serial port given" while
    `make install` found the same pty board: each step finds the board the same way."""
    tty = tmp_path / "tty"
    tty.touch()
    monkeypatch.setattr(install, "PTY_BOARD_PORT", tty)
    ports = []
    monkeypatch.setattr(board, "follow_logs", lambda port, *a: ports.append(port))
    assert board.main(["logs", "--port", ""]) == 0
    assert ports == [str(tty)]
    assert "found the pty board at %s" % tty in capsys.readouterr().err
    # flash and erase need a ROM bootloader: a pty board is not taken for them
    assert board.main(["erase", "--port", ""]) == 1
    assert "no board found" in capsys.readouterr().err


def test_check_config_cli(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "tools.board", "check-config", *a],
                                    cwd=ROOT, capture_output=True, text=True, timeout=60)
    p = run("config.example.json")
    assert p.returncode == 1 and "5 problems" in p.stderr and "$.wifi.password" in p.stderr
    good = tmp_path / "c.json"
    good.write_text('{"wifi": {"ssid": "home", "password": ""}, "devices": ['
                    '{"name": "a", "type": "switch", "yango_id": "a", "relay": 5}]}')
    p = run(str(good), "--chip", "esp8266")
    assert p.returncode == 0 and p.stdout.strip() == "%s is valid for esp8266" % good
    p = subprocess.run([sys.executable, "-m", "tools.board", "check-config", str(good)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr  # runs as a plain script too


def test_the_pty_board_says_why_it_reset_in_words():
    """It printed "pty board: reset (exit -10)" after every machine.reset(), like a crash."""
    import signal

    from tools import ptyboard

    assert ptyboard.reset_why(-signal.SIGUSR1) == "machine.reset()"
    assert ptyboard.reset_why(ptyboard.RESET_EXIT) == "machine.reset()"
    assert ptyboard.reset_why(-signal.SIGKILL) == "watchdog"
    assert "status 3" in ptyboard.reset_why(3) and "signal 11" in ptyboard.reset_why(-11)


def test_deploy_frozen_is_asked_insisted_or_refused_from_the_cli(tmp_path, monkeypatch):
    """deploy asks the board when FROZEN= is not given; FROZEN=0 went through make as
    --frozen (any non-empty value did) and the CLI had no way to say "every file" any more."""
    tty = tmp_path / "tty"
    tty.touch()
    seen = []
    monkeypatch.setattr(board.deploy, "deploy", lambda *a, frozen: seen.append(frozen))
    for extra in ([], ["--frozen"], ["--no-frozen"]):
        assert board.main(["deploy", "--port", str(tty), *extra]) == 0
    assert seen == [None, True, False]
    flags = []
    for value in ("", "1", "0"):
        p = subprocess.run(["make", "-n", "--no-print-directory", "deploy", "PORT=" + str(tty),
                            "FROZEN=" + value], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
        lines = p.stdout.replace("\\\n", " ").splitlines()  # the recipe's continuations joined
        line = [x for x in lines if "tools.board deploy" in x]
        assert p.returncode == 0 and len(line) == 1, p.stdout + p.stderr
        flags.append([w for w in line[0].split() if w.startswith("--") and "frozen" in w])
    assert flags == [[], ["--frozen"], ["--no-frozen"]]
