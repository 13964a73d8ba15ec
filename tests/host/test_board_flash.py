"""The flash command lines and the image checks, without hardware."""

import struct
import subprocess
import sys

import pytest

from tools import board, flash
from tools.flash import FlashError


def esp32_family_image(chip_id, offset, app_only=False, size=0x20000):
    """A bootloader-first image as micropython.org ships them (partition table at 0x8000)."""
    data = bytearray(size)
    data[0:4] = bytes([0xE9, 3, 2, 0x20])
    struct.pack_into("<I", data, 4, 0x400806A8)
    data[8] = 0xEE
    struct.pack_into("<H", data, 12, chip_id)
    if not app_only:
        data[0x8000 - offset:0x8000 - offset + 2] = b"\xaa\x50"
    return bytes(data)


def esp8266_image():
    data = bytearray(0x9000)
    data[0:4] = bytes([0xE9, 1, 0, 0x40])
    struct.pack_into("<I", data, 4, 0x40100004)
    struct.pack_into("<II", data, 8, 0x40100000, 0x100)
    return bytes(data)


IMAGES = {
    "esp32": lambda: esp32_family_image(0, 0x1000),
    "esp32s2": lambda: esp32_family_image(2, 0),
    "esp32s3": lambda: esp32_family_image(9, 0),
    "esp32c3": lambda: esp32_family_image(5, 0),
    "esp8266": esp8266_image,
}


@pytest.mark.parametrize("chip,offset,extra", [
    ("esp8266", "0x0", ["--flash-size=detect"]),
    ("esp32", "0x1000", []),
    ("esp32s2", "0x0", []),
    ("esp32s3", "0x0", []),
    ("esp32c3", "0x0", []),
])
def test_erase_then_write_at_the_chips_offset(chip, offset, extra):
    runs = flash.flash_commands("/dev/ttyUSB0", chip, "fw.bin", baud=921600)
    base = [sys.executable, "-m", "esptool", "--chip", chip, "--port", "/dev/ttyUSB0",
            "--baud", "921600"]
    assert runs == [base + ["erase-flash"], base + ["write-flash"] + extra + [offset, "fw.bin"]]


def test_no_erase_writes_only_and_baud_defaults_to_460800():
    runs = flash.flash_commands("COM3", "ESP32-S3", "x.bin", erase=False)
    assert runs == [[sys.executable, "-m", "esptool", "--chip", "esp32s3", "--port", "COM3",
                     "--baud", "460800", "write-flash", "0x0", "x.bin"]]


def test_esptool_5_accepts_the_command_lines():
    # esptool parses the argv (no port is opened for --help): catches renamed options.
    for argv in flash.flash_commands("/dev/null", "esp8266", "fw.bin"):
        p = subprocess.run(argv[:-2] + ["--help"] if "write-flash" in argv else argv + ["--help"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run([sys.executable, "-m", "esptool", "write-flash", "--help"],
                       capture_output=True, text=True, timeout=60)
    assert "--flash-size" in p.stdout and "detect" in p.stdout


def test_unknown_chip_is_refused():
    with pytest.raises(FlashError, match="chip 'esp32c6' is not supported: use one of esp8266"):
        flash.flash_commands("/dev/ttyUSB0", "esp32c6", "fw.bin")


@pytest.mark.parametrize("chip", sorted(IMAGES))
def test_good_images_pass_and_name_their_chip(tmp_path, chip):
    p = tmp_path / "fw.bin"
    p.write_bytes(IMAGES[chip]())
    assert flash.check_image(p, chip) == chip


def test_missing_image_says_what_to_download_and_where(tmp_path):
    with pytest.raises(FlashError) as e:
        flash.check_image(tmp_path / "nope.bin", "esp32")
    msg = str(e.value)
    assert "nope.bin does not exist" in msg
    assert "https://micropython.org/download/ESP32_GENERIC/" in msg
    assert "save it as %s" % (tmp_path / "nope.bin") in msg
    with pytest.raises(FlashError, match="is a folder"):
        flash.check_image(tmp_path, "esp32")


def test_default_image_path_names_the_board():
    assert str(flash.default_image("esp32c3")) == "images/ESP32_GENERIC_C3.bin"
    assert "https://micropython.org/download/ESP8266_GENERIC/" in flash.download_hint("esp8266")


@pytest.mark.parametrize("content,kind", [
    (b"UF2\n" + bytes(100), "a UF2 file"),
    (b"\x7fELF" + bytes(100), "an ELF file"),
    (b"<!DOCTYPE html><html>404</html>", "an HTML page"),
    (b"\x00" * 100, "not an ESP image"),
])
def test_wrong_magic_byte_is_refused(tmp_path, content, kind):
    p = tmp_path / "fw.bin"
    p.write_bytes(content)
    with pytest.raises(FlashError) as e:
        flash.check_image(p, "esp32s3")
    msg = str(e.value)
    assert kind in msg and "an ESP image starts with 0xE9" in msg
    assert "micropython.org/download/ESP32_GENERIC_S3/" in msg


def test_empty_image_is_refused(tmp_path):
    p = tmp_path / "fw.bin"
    p.write_bytes(b"")
    with pytest.raises(FlashError, match="is empty"):
        flash.check_image(p, "esp32")


@pytest.mark.parametrize("image_chip,board_chip", [
    ("esp32s3", "esp32"), ("esp32", "esp32c3"), ("esp8266", "esp32"), ("esp32c3", "esp8266")])
def test_image_for_another_chip_is_refused(tmp_path, image_chip, board_chip):
    p = tmp_path / "fw.bin"
    p.write_bytes(IMAGES[image_chip]())
    with pytest.raises(FlashError) as e:
        flash.check_image(p, board_chip)
    msg = str(e.value)
    assert "built for %s but the board is %s" % (image_chip.upper(), board_chip.upper()) in msg
    assert "micropython.org/download/%s/" % flash.CHIPS[board_chip][1] in msg


def test_esp32_c6_image_is_named(tmp_path):
    p = tmp_path / "fw.bin"
    p.write_bytes(esp32_family_image(13, 0))
    with pytest.raises(FlashError, match="built for ESP32C6 but the board is ESP32S3"):
        flash.check_image(p, "esp32s3")


def test_app_only_image_is_refused(tmp_path):
    p = tmp_path / "fw.app-bin"
    p.write_bytes(esp32_family_image(0, 0x1000, app_only=True))
    with pytest.raises(FlashError, match=r"app-only image \(\.app-bin\)"):
        flash.check_image(p, "esp32")


class Runner:
    def __init__(self, rc=0):
        self.argvs, self.rc = [], rc

    def __call__(self, argv):
        self.argvs.append(argv)
        return subprocess.CompletedProcess(argv, self.rc)


def test_run_flash_detects_the_chip_checks_the_image_then_erases_and_writes(tmp_path):
    port = tmp_path / "ttyUSB0"
    port.touch()
    image = tmp_path / "fw.bin"
    image.write_bytes(IMAGES["esp32"]())
    runner, lines = Runner(), []
    runs = board.run_flash(str(port), firmware=str(image), detect=lambda p: "esp32",
                           runner=runner, log=lines.append)
    assert runner.argvs == runs
    assert [r[-3:] for r in runs] == [["--baud", "460800", "erase-flash"],
                                      ["write-flash", "0x1000", str(image)]]
    assert lines[1] == "flash: found ESP32" and lines[-1].startswith("flash: done. Next: make "
                                                                     "deploy PORT=")


def test_run_flash_never_erases_with_a_bad_image(tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(IMAGES["esp32s3"]())
    runner = Runner()
    with pytest.raises(FlashError, match="built for ESP32S3 but the board is ESP32C3"):
        board.run_flash("/dev/null", "esp32c3", str(image), runner=runner, log=lambda s: None)
    assert runner.argvs == []


def test_run_flash_defaults_to_the_images_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FlashError) as e:
        board.run_flash("/dev/null", "esp32s2", runner=Runner(), log=lambda s: None)
    assert "images/ESP32_GENERIC_S2.bin does not exist" in str(e.value)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "ESP32_GENERIC_S2.bin").write_bytes(IMAGES["esp32s2"]())
    runs = board.run_flash("/dev/null", "esp32s2", runner=Runner(), log=lambda s: None)
    assert runs[-1][-2:] == ["0x0", "images/ESP32_GENERIC_S2.bin"]


def test_run_flash_reports_an_esptool_failure(tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(esp8266_image())
    runner = Runner(rc=2)
    with pytest.raises(FlashError, match="hold the BOOT button"):
        board.run_flash("/dev/null", "esp8266", str(image), runner=runner, log=lambda s: None)
    assert len(runner.argvs) == 1  # stopped after the failed erase


def test_flash_cli_dry_run_prints_the_commands(tmp_path, capsys):
    image = tmp_path / "fw.bin"
    image.write_bytes(esp8266_image())
    assert board.main(["flash", "--port", "/dev/null", "--chip", "esp8266", "--firmware",
                       str(image), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "esptool --chip esp8266 --port /dev/null --baud 460800 erase-flash" in out
    assert "write-flash --flash-size=detect 0x0 %s" % image in out


def test_flash_cli_missing_port_lists_ports(capsys):
    assert board.main(["flash", "--port", "/dev/ttyNOPE9"]) == 1
    err = capsys.readouterr().err
    assert "error: serial port /dev/ttyNOPE9 does not exist: is the board plugged in?" in err


def test_erase_argv():
    assert board.run_erase("/dev/null", "ESP32", runner=Runner(), log=lambda s: None)[3:] == [
        "--chip", "esp32", "--port", "/dev/null", "--baud", "460800", "erase-flash"]


def test_a_quoted_tilde_in_firmware_is_expanded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "fw.bin").write_bytes(esp8266_image())
    assert board.main(["flash", "--port", "/dev/null", "--chip", "esp8266", "--firmware",
                       "~/fw.bin", "--dry-run"]) == 0
    assert "0x0 %s" % (tmp_path / "fw.bin") in capsys.readouterr().out
