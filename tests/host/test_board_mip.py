"""package.json: complete, current, and installable with `mpremote mip install`."""

import hashlib
import json

import pytest
from mpy import ROOT
from pty_board import PtyBoard

from firmware import VERSION
from tools import deploy, mip_package

PACKAGE = ROOT / "package.json"


def test_package_json_is_current():
    # Fails when a board file is added, renamed or removed: run `make package-json`.
    assert PACKAGE.read_text() == mip_package.text(), "package.json is stale: make package-json"


def test_package_json_lists_every_board_file_exactly_once():
    pkg = json.loads(PACKAGE.read_text())
    sources = [src for _, src in pkg["urls"]]
    assert sorted(sources) == sorted(deploy.board_files(ROOT))
    assert len(set(sources)) == len(sources)
    assert all((ROOT / src).is_file() for src in sources)
    dests = dict((src, dest) for dest, src in pkg["urls"])
    assert dests["lib/clock.py"] == "clock.py"
    assert dests["firmware/__init__.py"] == "../firmware/__init__.py"
    assert dests["main.py"] == "../main.py" and dests["boot.py"] == "../boot.py"
    assert pkg["deps"] == [] and pkg["version"] == VERSION  # firmware/__init__.py, only there


@pytest.mark.parametrize("fs", ["lfs", "fat"])
def test_mpremote_mip_install_puts_files_where_deploy_does(tmp_path, fs):
    # The board mounts littlefs/FAT at "/" with "/lib" on sys.path, as an ESP does, so mip
    # picks /lib as its target by itself; sources come from the local package.json.
    with PtyBoard(tmp_path, fs=fs) as b:
        out = b.mpremote("mip", "install", str(PACKAGE), timeout=120).stdout
        assert "Installing: /lib/clock.py" in out and "Done" in out
        expected = {("lib/" + dest if not dest.startswith("../") else dest[3:]):
                    hashlib.sha256((ROOT / src).read_bytes()).hexdigest()
                    for dest, src in json.loads(PACKAGE.read_text())["urls"]}
        assert b.files() == expected
        got = b.mpremote("exec", "import canonical_json, firmware\n"
                         "print(canonical_json.__file__, firmware.__file__)").stdout.split()
        assert got == ["/lib/canonical_json.py", "firmware/__init__.py"]
