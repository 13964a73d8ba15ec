"""The chip-profile interpreters (tools/board_files.py, `make kit`): what each one is, that the
frozen ESP8266 build follows lib/ and firmware/, and the one-line skip on a user's clone."""
import os
import subprocess
import sys
import time

import pytest

from tools import board_files

ROOT = board_files.ROOT
PROBE = "import sys; from sinric import client; print(sys.maxsize, 1/3, client.__file__)"


def _esp8266():
    try:
        return board_files.locate("esp8266")
    except board_files.Unavailable as e:
        pytest.skip(str(e))


# A frozen module's __file__ is its path inside the manifest ("lib/" dropped); loaded from the
# filesystem it would carry its folder.
def test_esp8266_profile_is_32_bit_float32_with_the_firmware_frozen():
    mp = _esp8266()
    r = subprocess.run(mp.argv("-c", PROBE), env=mp.env(), capture_output=True, text=True,
                       cwd=ROOT, check=True)
    assert r.stdout.split() == ["2147483647", "0.33333334", "sinric/client.py"]
    assert mp.heap == "38K" and mp.mp_path(["x"]) == ".frozen:x"


def test_esp8266_profile_has_axtls_and_asyncio_frozen(tmp_path):
    mp = _esp8266()
    code = "import ssl, asyncio, firmware.app; print(asyncio.__file__, firmware.app.__file__)"
    # cwd without sources, as on a board: '' comes first in sys.path, and the repository's
    # firmware/ would be compiled from source instead of the frozen one being found
    r = subprocess.run(mp.argv("-c", code), env=mp.env(), capture_output=True, text=True,
                       cwd=tmp_path, check=True)
    assert r.stdout.split() == ["asyncio/__init__.py", "firmware/app.py"]


def test_esp32_profile_is_the_venv_binary_loading_from_the_filesystem():
    mp = board_files.locate("esp32")
    assert mp.path == board_files.MICROPYTHON and not mp.frozen
    assert mp.mp_path(["build/mpy/lib"]) == "build/mpy/lib:.frozen"


def _stale(binary):
    r = subprocess.run(["make", "-q", str(binary.relative_to(ROOT))], cwd=ROOT,
                       capture_output=True)
    return r.returncode != 0


@pytest.mark.parametrize("src", ["firmware/devices/switch.py", "lib/net/ws.py", "manifest.py"])
def test_a_changed_frozen_source_makes_the_esp8266_binary_stale(src):
    mp = _esp8266()
    assert not _stale(mp.path)
    path = ROOT / src
    st = path.stat()
    try:
        future = time.time() + 3600
        os.utime(path, (future, future))
        assert _stale(mp.path), src
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not _stale(mp.path)


def test_without_the_kit_each_run_says_why_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(board_files, "KIT_TAR", tmp_path / "absent.tar.xz")
    with pytest.raises(board_files.Unavailable) as e:
        board_files.locate("esp8266")
    assert "\n" not in str(e.value) and "kit" in str(e.value)
    for target in ("kit", "mptest-esp8266"):
        r = subprocess.run(["make", "-s", "--no-print-directory", target,
                            "KIT_TAR=%s" % (tmp_path / "absent.tar.xz")],
                           cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        lines = [ln for ln in r.stdout.splitlines() if "skipped" in ln]
        assert len(lines) == 1 and "ESP8266-profile" in lines[0], r.stdout


def test_the_quickstart_example_config_boots_on_the_default_esp32_profile():
    """`make sim CONFIG=config.example.json` (the README's Quickstart): 11 devices and both
    clouds start at the ESP32 heap; at the old default (38wK) they died with MemoryError."""
    import json

    from tools.sim.run import SimBoard

    cfg = json.loads((ROOT / "config.example.json").read_text())
    cfg["sinric"]["url"] = "ws://127.0.0.1:9/"  # no network here: the clouds just retry
    cfg["yango"]["url"] = "http://127.0.0.1:9"
    with SimBoard(cfg, interp=board_files.locate("esp32")) as board:
        board.wait_for("app: running", timeout=60)
        assert board.heap == "112wK"
        assert not [ln for ln in board.lines if "MemoryError" in ln or "SAFE MODE" in ln]


def test_a_users_clone_says_why_kit_tests_skip_in_one_line(tmp_path):
    """A clone without ../shared: pytest's "-q" summary said only "6 skipped" (no reason), and
    `make sim CHIP=esp8266` said it three times."""
    env = dict(os.environ, KIT_TAR=str(tmp_path / "absent.tar.xz"))
    r = subprocess.run([sys.executable, "-m", "pytest", "tests/host/test_chip_interpreters.py",
                        "-k", "esp8266_profile_is or esp8266_profile_has"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    kit = [ln for ln in r.stdout.splitlines() if "kit" in ln]
    assert len(kit) == 1 and kit[0].startswith("skipped ") and "no MicroPython source kit" in \
        kit[0], r.stdout
    r = subprocess.run(["make", "-s", "--no-print-directory", "kit", "KIT_QUIET=1"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "", r.stdout
