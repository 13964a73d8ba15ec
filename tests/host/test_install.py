"""`make install` (tools/install.py): a blank pty board to a device answering the Sinric double.

Downloads come from a local HTTP server on 127.0.0.1 with the image's sha256 pinned, as the
real download would (nothing here reaches the internet); the pty board has no ROM bootloader,
so the flash step downloads nothing and shows the esptool command lines instead of running
them.
"""

import asyncio
import hashlib
import http.server
import json
import re
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pty_board as test_pty
import pytest
import serial
from e2e_rig import KEY, SECRET
from mpy import ROOT
from pty_board import require_socat

from tools import install
from tools.ptyboard import PtyBoard
from tools.sinric_server import SinricServer

HANG = 60  # s: hang guard, never a speed assertion
LAMP = "5dc1564130ffffffffffff01"


def esp32_image():
    """Enough of an ESP32 image for tools/flash.check_image: magic, extended header (chip id 0)
    and a partition table at 0x8000 (the image is written at 0x1000)."""
    data = bytearray(0x8000)
    data[0], data[8] = 0xE9, 0xEE
    data[0x7000:0x7002] = b"\xaa\x50"
    return bytes(data)


class Images:
    """A local download server: every GET of a known name returns its bytes."""

    def __init__(self, files):
        self.files, self.hits = files, []
        images = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                images.hits.append(self.path)
                body = images.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/firmware/" % self.httpd.server_address[1]
        self._t = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class Sinric:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._t = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro, timeout=HANG):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self):
        self._t.start()

        async def make():
            return await SinricServer(KEY, SECRET, port=0, log=None).start()

        self.server = self.run(make())
        return self

    def __exit__(self, *exc):
        self.run(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._t.join(10)


def write_config(path, sinric_url):
    path.write_text(json.dumps({
        "wifi": {"ssid": "home", "password": "pty-board-password", "timeout_s": 5},
        "sinric": {"app_key": KEY, "app_secret": SECRET, "url": sinric_url},
        "board": {"watchdog_s": 30, "state_write_interval_s": 60},
        "devices": [{"name": "lamp", "type": "switch", "sinric_id": LAMP, "relay": 5,
                     "button": 0}]}))
    return path


@pytest.fixture
def image(monkeypatch, tmp_path):
    data = esp32_image()
    name = "ESP32_GENERIC-test.bin"
    monkeypatch.setattr(install, "IMAGES", {"esp32": (name, hashlib.sha256(data).hexdigest())})
    monkeypatch.setattr(install, "CACHE", tmp_path / "images")
    monkeypatch.setattr(install, "BUILT", tmp_path / "built")  # no `make firmware` image
    return name, data


def test_install_takes_a_blank_pty_board_to_a_device_answering_sinric(tmp_path, image):
    require_socat()
    name, data = image
    lines = []
    with Images({name: data}) as images, Sinric() as sinric, \
            PtyBoard(tmp_path / "tty", tmp_path / "fs", erase=True) as board:
        config = write_config(tmp_path / "config.json", sinric.server.url)
        assert install.install(board.port, config=str(config), until="sinric: connected",
                               seconds=HANG, download_base=images.url, log=lines.append)
        sinric.run(sinric.server.wait_connection(1, timeout=HANG))
        with serial.serial_for_url(board.port, 115200, timeout=0.2) as log:
            answer = sinric.run(sinric.server.send_request(LAMP, "setPowerState",
                                                           {"state": "On"}, timeout=HANG))
            assert answer["success"] is True and answer["value"] == {"state": "On"}
            # the board says which output changed, how and why
            seen = b""
            deadline = time.monotonic() + HANG
            while b"lamp:" not in seen and time.monotonic() < deadline:
                seen += log.read(256)
            time.sleep(0.2)
            seen += log.read(256)
        assert b"lamp: on off -> on (Sinric request from portal)\n" in seen
    text = "\n".join(lines)
    for n in range(1, 8):
        assert "[%d/7]" % n in text
    # nothing is flashed on a pty board, so nothing is downloaded (it failed offline)
    assert images.hits == []
    assert "not downloaded: %s is a pseudo-terminal board" % board.port in text
    assert "is a pseudo-terminal board (no ROM bootloader)" in text
    assert " write-flash 0x1000 %s" % (tmp_path / "images" / name) in text
    assert "deploy: done, hashes verified" in text
    copies = re.findall(r"\[(\d+)/(\d+)\] copy ", text)  # one progress line per file
    assert copies and [int(a) for a, _ in copies] == list(range(1, int(copies[0][1]) + 1))
    assert "config: wrote :config.json" in text


def test_a_cached_image_is_used_and_a_wrong_hash_is_refused(tmp_path, image):
    name, data = image
    with Images({name: data}) as images:
        path = install.fetch_image("esp32", images.url, log=lambda s: None)
        assert install.fetch_image("esp32", images.url, log=lambda s: None) == path
        assert len(images.hits) == 1
    path.unlink()
    with Images({name: data + b"x"}) as images:
        with pytest.raises(install.InstallError, match="not the pinned .*not flashing it"):
            install.fetch_image("esp32", images.url, log=lambda s: None)
    assert not path.exists() and not list(path.parent.glob("*.part"))


def test_no_download_server_is_one_line_saying_what_to_do(tmp_path, image):
    with Images({}) as images:
        url = images.url
    with pytest.raises(install.InstallError, match=r"could not download .* pass FIRMWARE="):
        install.fetch_image("esp32", url, log=lambda s: None)


def test_the_image_make_firmware_built_comes_before_a_download(tmp_path, image, monkeypatch):
    built = tmp_path / "built" / "ESP32_GENERIC.bin"
    built.parent.mkdir()
    built.write_bytes(esp32_image())
    config = write_config(tmp_path / "config.json", "ws://127.0.0.1:1/")
    lines = []
    ran = []

    def stop_after_flash(argv):  # the flash "runs"; then the board is not there: stop
        ran.append(argv)
        return SimpleNamespace(returncode=1)

    with pytest.raises(install.InstallError, match="esptool failed"):
        install.install("/dev/null", chip="esp32", config=str(config), runner=stop_after_flash,
                        log=lines.append)
    assert "the image `make firmware` built" in "\n".join(lines)
    assert ran[0][-1] == "erase-flash"


def test_a_chip_without_a_pinned_hash_is_not_downloaded_blind(monkeypatch):
    monkeypatch.setattr(install, "IMAGES", {"esp8266": ("ESP8266.bin", None)})
    with pytest.raises(install.InstallError, match="no sha256 is pinned .* FIRMWARE="):
        install.fetch_image("esp8266", "http://127.0.0.1:1/", log=lambda s: None)


def port(device, vid=None, description=""):
    return SimpleNamespace(device=device, vid=vid, description=description)


def test_the_port_is_found_when_there_is_one_board(tmp_path):
    quiet = []
    ports = [port("/dev/ttyS0"), port("/dev/ttyUSB0", 0x10C4, "CP2102 USB to UART")]
    assert install.find_port(ports, None, quiet.append) == "/dev/ttyUSB0"
    assert "CP210x" in quiet[0]
    with pytest.raises(install.InstallError, match="several boards .* PORT="):
        install.find_port(ports + [port("/dev/ttyACM0", 0x303A)], None, quiet.append)
    with pytest.raises(install.InstallError, match=r"no board found \(serial ports: /dev/ttyS0\)"):
        install.find_port([port("/dev/ttyS0")], tmp_path / "none", quiet.append)
    pty = tmp_path / "tty"
    pty.write_text("")
    assert install.find_port([], pty, quiet.append) == str(pty)


def test_a_config_more_than_mpy_holds_on_a_stock_image_is_warned_of():
    # measured (docs/memory.md): from .mpy an ESP32 keeps 13 % with the demo's 4 devices and
    # both clouds and cannot hold the full example's 11; an ESP8266 holds it only frozen
    both = {"sinric": {"app_key": "k"}, "yango": {"token": "t"}}
    five = dict(both, devices=[{}] * 5)
    w = install.mpy_fit_warning(five, "esp32")
    assert w.startswith("5 devices with both clouds from .mpy on the stock ESP32 image")
    assert "`make firmware CHIP=esp32`" in w
    assert install.mpy_fit_warning(dict(both, devices=[{}] * 4), "esp32") is None
    assert install.mpy_fit_warning(dict(five, yango=None), "esp32") is None
    assert install.mpy_fit_warning(five, None) is None  # the chip unknown: nothing to say
    w = install.mpy_fit_warning({"devices": [{}]}, "esp8266")
    assert "only frozen" in w and "`make firmware CHIP=esp8266`" in w


def test_a_missing_config_stops_before_the_board_is_touched(tmp_path):
    with pytest.raises(install.InstallError, match="copy config.example.json to config.json"):
        install.install("/dev/null", config=str(tmp_path / "config.json"), log=lambda s: None)


def test_deploy_to_a_pty_board_works_without_resume(tmp_path):
    """`make deploy PORT=<pty board>` died with mpremote's Input/output error unless RESUME=1:
    its soft reset ends the unix port's process. A pseudo-terminal port now implies resume."""
    with test_pty.PtyBoard(tmp_path) as board:
        p = subprocess.run([sys.executable, "-m", "tools.board", "deploy", "--port",
                            board.port], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "deploy: done, hashes verified on the board" in p.stdout
        assert board.read("lib/canonical_json.mpy") is not None
