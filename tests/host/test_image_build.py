"""`make firmware` (tools/image_build.py) without a toolchain: what it prints and what it would
run; with a stand-in port build: where the image lands for `make flash`. And `make deploy
FROZEN=1`: only the root files go to a board whose image has the firmware frozen."""
import subprocess
from types import SimpleNamespace

import pytest

from tools import deploy, flash, image_build


def _checkout(tmp_path, chip):
    (tmp_path / ".git").mkdir(parents=True)
    (tmp_path / "ports" / chip).mkdir(parents=True)
    (tmp_path / "ports" / chip / "Makefile").write_text("")
    return tmp_path


@pytest.mark.parametrize("chip,needle", [
    ("esp8266", "larsks/esp-open-sdk make -C"),
    ("esp32", "git clone -b v5.5.1 --recursive https://github.com/espressif/esp-idf.git"),
])
def test_a_missing_toolchain_prints_what_to_install_and_the_readme_commands(
        tmp_path, chip, needle):
    with pytest.raises(image_build.BuildError) as e:
        image_build.build(chip, _checkout(tmp_path, chip), which=lambda _: None,
                          runner=pytest.fail)
    assert needle in str(e.value)
    assert "git clone -b v1.28.0" not in str(e.value)  # the checkout is there


def test_a_missing_checkout_says_how_to_get_it(tmp_path):
    with pytest.raises(image_build.BuildError) as e:
        image_build.build("esp32", tmp_path / "none", which=lambda _: "/bin/idf.py")
    assert "git clone -b v1.28.0 https://github.com/micropython/micropython.git" in str(e.value)


@pytest.mark.parametrize("chip", ["esp8266", "esp32"])
def test_the_built_image_lands_where_make_flash_looks(tmp_path, monkeypatch, chip):
    mpy = _checkout(tmp_path / "mpy", chip)
    monkeypatch.setattr(image_build, "IMAGES", tmp_path / "images")
    ran = []

    def runner(argv):
        ran.append(argv)
        out = image_build.built_image(chip, mpy)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"\xe9image")
        return SimpleNamespace(returncode=0)

    (tmp_path / "images").mkdir()
    stock = tmp_path / "images" / (flash.CHIPS[chip][1] + ".bin")
    stock.write_bytes(b"stock")
    got = image_build.build(chip, mpy, runner=runner, which=lambda _: "/x", log=lambda _: None)
    assert got.name == flash.default_image(chip).name
    assert got.read_bytes() == b"\xe9image"
    assert (tmp_path / "images" / (flash.CHIPS[chip][1] + ".stock.bin")).read_bytes() == b"stock"
    assert "FROZEN_MANIFEST=%s" % image_build.MANIFEST in ran[-1]
    image_build.build(chip, mpy, runner=runner, which=lambda _: "/x", log=lambda _: None)
    assert (tmp_path / "images" / (flash.CHIPS[chip][1] + ".stock.bin")).read_bytes() == b"stock"


def test_make_firmware_without_a_checkout_fails_with_the_instructions(tmp_path):
    r = subprocess.run(["make", "-s", "firmware", "CHIP=esp8266",
                        "MPY_DIR=%s" % (tmp_path / "none")],
                       cwd=image_build.ROOT, capture_output=True, text=True)
    assert r.returncode != 0
    assert "git clone -b v1.28.0" in r.stdout


def test_a_frozen_deploy_sends_the_root_files_and_empties_lib_and_firmware():
    assert deploy.frozen_aware_files(frozen=True) == ["boot.py", "main.py"]
    assert "firmware/app.py" in deploy.frozen_aware_files()
    files = {"boot.py": (None, "a"), "main.py": (None, "b")}
    remote = {"boot.py": "a", "main.py": "old", "lib/clock.mpy": "c",
              "firmware/app.mpy": "d", "config.json": "e"}
    p = deploy.plan(files, remote, prune=True)
    assert p["copy"] == ["main.py"]
    assert p["remove"] == ["firmware/app.mpy", "lib/clock.mpy"]
