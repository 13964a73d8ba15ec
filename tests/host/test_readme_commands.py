"""Every `make` command the README and docs/ show exists, and the defaults they promise hold.

A newcomer types what the README says: a target renamed or dropped from the Makefile (or a
typo in the text) is a command that fails on the first try.
"""

import re
import subprocess

from mpy import ROOT

DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
# `make x ...` inside a code span, or at the start of a line of a code block
CODE_SPAN = re.compile(r"`make ([a-z][a-z0-9_.-]*)[^`]*`")
BLOCK_LINE = re.compile(r"^\s*(?:\$ )?make ([a-z][a-z0-9_.-]*)", re.M)
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def shown_targets():
    """{target: [file names that show it]}"""
    seen = {}
    for doc in DOCS:
        text = doc.read_text()
        names = set(CODE_SPAN.findall(text))
        for block in FENCE.findall(text):
            names.update(BLOCK_LINE.findall(block))
        for n in names:
            seen.setdefault(n, []).append(doc.name)
    return seen


def makefile_targets():
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9_.-]*)\s*:(?!=)", text, re.M))


def test_every_make_command_shown_is_a_makefile_target():
    shown = shown_targets()
    assert {"demo", "sim", "install", "pty-board", "check-config", "bench"} <= set(shown)
    missing = {t: files for t, files in shown.items() if t not in makefile_targets()}
    assert not missing, "shown but not in the Makefile: %s" % missing


def test_help_names_only_real_targets():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60).stdout
    named = set(re.findall(r"^make ([a-z][a-z0-9_.-]*)", out, re.M))
    assert named and named <= makefile_targets(), named - makefile_targets()


def test_sim_chip_esp8266_takes_the_esp8266_example_without_a_config(tmp_path):
    """`make sim CHIP=esp8266` with no config.json took the full (ESP32) example, which the
    board refused (watchdog 30 s, pins 18-39, TLS): the app never started."""
    def config(*args):  # the CONFIG every target takes, as make resolves it in tmp_path
        r = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"),
                            "--eval=say-config: ; @echo $(CONFIG)", "say-config", *args],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
        return r.stdout.strip()

    assert config("CHIP=esp8266") == "config.esp8266.example.json"
    assert config() == "config.example.json"
    assert config("CHIP=esp32") == "config.example.json"
    (tmp_path / "config.json").write_text("{}")
    assert config("CHIP=esp8266") == "config.json"
