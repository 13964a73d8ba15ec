"""`deploy` for real: mpremote through a pty to the MicroPython unix port (see pty_board)."""

import hashlib
import shutil
import subprocess
import sys
import time

import pytest
from mpy import ROOT
from pty_board import PtyBoard

from tools import deploy
from tools.board_link import BoardError, Link


def project(tmp_path):
    """A copy of the repo's board files to deploy (tests change it)."""
    root = tmp_path / "project"
    for rel in deploy.board_files(ROOT):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, root / rel)
    return root


@pytest.fixture
def board(tmp_path):
    with PtyBoard(tmp_path) as b:
        yield b


def quiet(_):
    pass


def test_mpy_flags_follow_the_boards_version_and_arch():
    assert deploy.mpy_cross_args(6 | 3 << 8 | 10 << 10) == ["-march=xtensawin"]  # ESP32
    assert deploy.mpy_cross_args(6 | 3 << 8 | 9 << 10) == ["-march=xtensa"]  # ESP8266
    assert deploy.mpy_cross_args(6 | 3 << 8 | 11 << 10) == ["-march=rv32imc"]  # ESP32-C3
    assert deploy.mpy_cross_args(6 | 2 << 8 | 10 << 10) == ["-b", "6.2", "-march=xtensawin"]
    assert deploy.mpy_cross_args(6 | 1 << 8) == ["-b", "6.1"]
    assert deploy.mpy_cross_args(6) == ["-b", "6"]
    with pytest.raises(BoardError, match=r"older than 1.19\): flash a current firmware"):
        deploy.mpy_cross_args(5)


@pytest.mark.parametrize("mpy", [0x2B06, 0x2A06, 0x2906, 0x0B06])
def test_compiled_files_carry_the_boards_version(tmp_path, mpy):
    src = tmp_path / "m.py"
    src.write_text("import micropython\n@micropython.native\ndef f():\n    return 1\n")
    out = deploy.compile_file(src, tmp_path / "m.mpy", "m.py", deploy.mpy_cross_args(mpy))
    header = out.read_bytes()[:4]
    assert header[0] == ord("M") and header[1] == mpy & 0xFF
    assert header[2] == (mpy >> 8) & 0xFF  # sub-version and arch, as the board wants them


def test_board_files_and_targets():
    files = deploy.board_files(ROOT)
    assert files[:2] == ["boot.py", "main.py"]
    assert "lib/canonical_json.py" in files and "firmware/__init__.py" in files
    assert all(not f.endswith((".mpy", ".pyc")) and "__pycache__" not in f for f in files)
    assert deploy.target_of("lib/clock.py") == "lib/clock.mpy"
    assert deploy.target_of("main.py") == "main.py"
    assert deploy.target_of("lib/clock.py", compiled=False) == "lib/clock.py"


def test_plan_copies_changes_and_removes_shadows_and_leftovers():
    files = {"lib/a.mpy": ("x", "1"), "lib/b.mpy": ("x", "2"), "main.py": ("x", "3")}
    remote = {"lib/a.mpy": "1", "lib/b.mpy": "9", "main.py": None, "lib/a.py": "7",
              "lib/b.py": None, "lib/old.mpy": "5", "lib/c.mpy.tmp": "6", "other.txt": "8"}
    p = deploy.plan(files, remote)
    assert p == {"copy": ["lib/b.mpy", "main.py"], "remove": ["lib/a.py", "lib/c.mpy.tmp"],
                 "orphans": ["lib/old.mpy"], "unchanged": ["lib/a.mpy"]}
    assert deploy.plan(files, remote, prune=True)["remove"] == [
        "lib/a.py", "lib/c.mpy.tmp", "lib/old.mpy"]


def test_deploy_compiles_copies_and_the_board_imports_the_mpy(tmp_path, board):
    root = project(tmp_path)
    lines = []
    p = deploy.deploy(Link(board.port, resume=True), root, log=lines.append)
    targets = [deploy.target_of(r) for r in deploy.board_files(root)]
    assert sorted(p["copy"]) == sorted(targets)
    assert "MicroPython 1.29.0 on linux" in lines[0] and ".mpy 6.3 x64" in lines[0]
    on_board = board.files()
    assert sorted(on_board) == sorted(targets)  # no .tmp left, nothing else
    assert (board.dir / "boot.py").read_bytes() == (root / "boot.py").read_bytes()
    assert (board.dir / "lib" / "clock.mpy").read_bytes()[:2] == b"M\x06"
    built = deploy.build(root, 0x0B06)
    assert on_board == {t: sha for t, (_, sha) in built.items()}
    # The board imports the .mpy files from /lib and the firmware package and runs them.
    out = board.mpremote("exec", "import sys\nfrom hmac_sha256 import HmacSha256\n"
                         "import canonical_json, firmware\n"
                         "print(canonical_json.__file__, firmware.__file__)\n"
                         "print(HmacSha256(b'k').b64(canonical_json.dumps({'b': 1, 'a': 2})))"
                         ).stdout.split()
    assert out[:2] == ["lib/canonical_json.mpy", "firmware/__init__.mpy"]
    import hmac

    from hmac_sha256 import b64encode
    assert out[2] == b64encode(hmac.new(b"k", b'{"a":2,"b":1}', "sha256").digest())


def test_second_deploy_copies_only_what_changed(tmp_path, board):
    root = project(tmp_path)
    link = Link(board.port, resume=True)
    deploy.deploy(link, root, log=quiet)
    assert deploy.deploy(link, root, log=quiet)["copy"] == []
    before = board.files()
    mtimes = {p: (board.dir / p).stat().st_mtime_ns for p in before}
    with open(root / "lib" / "clock.py", "a") as f:
        f.write("\nEXTRA = 1\n")
    (root / "main.py").write_text((root / "main.py").read_text() + "# changed\n")
    lines = []
    p = deploy.deploy(link, root, log=lines.append)
    assert p["copy"] == ["lib/clock.mpy", "main.py"]
    n = len(deploy.board_files(ROOT))
    assert "deploy: 2 of %d files changed" % n in "\n".join(lines)
    after = board.files()
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == ["lib/clock.mpy", "main.py"]
    untouched = [k for k in after if k not in changed]
    assert all((board.dir / k).stat().st_mtime_ns == mtimes[k] for k in untouched)
    assert board.mpremote("exec", "import clock; print(clock.EXTRA)").stdout.strip() == "1"


def test_a_new_module_in_a_new_folder_creates_the_folder(tmp_path, board):
    root = project(tmp_path)
    (root / "firmware" / "extra" / "deeper").mkdir(parents=True)
    (root / "firmware" / "extra" / "__init__.py").write_text("")
    (root / "firmware" / "extra" / "deeper" / "__init__.py").write_text("KINDS = ('x',)\n")
    deploy.deploy(Link(board.port, resume=True), root, log=quiet)
    assert (board.dir / "firmware" / "extra" / "deeper" / "__init__.mpy").is_file()
    out = board.mpremote("exec", "from firmware.extra.deeper import KINDS; print(KINDS)").stdout
    assert out.strip() == "('x',)"


def test_a_stale_py_that_would_shadow_the_mpy_is_removed(tmp_path, board):
    root = project(tmp_path)
    board.write("lib/clock.py", b"raise ImportError('stale source')\n")
    board.write("lib/unknown.py", b"X = 1\n")
    lines = []
    p = deploy.deploy(Link(board.port, resume=True), root, log=lines.append)
    assert p["remove"] == ["lib/clock.py"] and p["orphans"] == ["lib/unknown.py"]
    assert board.read("lib/clock.py") is None and board.read("lib/unknown.py") == b"X = 1\n"
    assert "lib/unknown.py is on the board but not in the project" in "\n".join(lines)
    board.mpremote("exec", "import clock")
    p = deploy.deploy(Link(board.port, resume=True), root, prune=True, log=quiet)
    assert p["remove"] == ["lib/unknown.py"] and board.read("lib/unknown.py") is None


def test_source_mode_copies_py_and_removes_the_mpy(tmp_path, board):
    root = project(tmp_path)
    link = Link(board.port, resume=True)
    deploy.deploy(link, root, log=quiet)
    p = deploy.deploy(link, root, compiled=False, log=quiet)
    assert "lib/clock.py" in p["copy"] and "lib/clock.mpy" in p["remove"]
    assert board.read("lib/clock.py") == (root / "lib" / "clock.py").read_bytes()
    assert board.read("lib/clock.mpy") is None


def test_dry_run_writes_nothing(tmp_path, board):
    root = project(tmp_path)
    p = deploy.deploy(Link(board.port, resume=True), root, dry_run=True, log=quiet)
    assert len(p["copy"]) == len(deploy.board_files(ROOT)) and board.files() == {}


def test_a_cut_cable_during_the_upload_leaves_the_old_code_whole(tmp_path, board):
    root = project(tmp_path)
    link = Link(board.port, resume=True)
    deploy.deploy(link, root, log=quiet)
    before = board.files()
    # A big change so the upload takes a while; cut the cable once the first .tmp appears.
    # 20 KB of text in 40 strings: the board's heap, fragmented by the running firmware,
    # need not hold one 20 KB object when the test imports it at the end.
    for name in ("clock.py", "sinric/codec.py"):
        with open(root / "lib" / name, "a") as f:
            f.write("\nBIG = %r\n" % (tuple("%03d" % i + "x" * 497 for i in range(40)),))
    proc = subprocess.Popen([sys.executable, "-m", "tools.board", "deploy", "--port",
                             board.port, "--resume", "--root", str(root)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not list(board.dir.rglob("*.tmp")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
        time.sleep(0.005)
    board.cut()
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 1 and "error: mpremote failed" in out
    after = {k: v for k, v in board.files().items() if not k.endswith(".tmp")}
    assert after == before  # every deployed file is still the old, whole one
    # Back on the cable: the next deploy cleans the leftovers and brings the change.
    board.start()
    p = deploy.deploy(link, root, log=quiet)
    assert p["copy"] == ["lib/clock.mpy", "lib/sinric/codec.mpy"]
    assert not list(board.dir.rglob("*.tmp"))
    assert board.mpremote("exec", "import clock; print(sum(len(s) for s in clock.BIG))"
                          ).stdout.strip() == "20000"


def test_deploy_cli_against_the_pty_board(tmp_path, board):
    root = project(tmp_path)
    argv = [sys.executable, "-m", "tools.board", "deploy", "--port", board.port, "--resume",
            "--root", str(root)]
    first = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "deploy: done, hashes verified on the board" in first.stdout
    second = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "deploy: up to date (%d files)" % len(deploy.board_files(ROOT)) in second.stdout


def test_deploy_to_a_board_that_is_not_there_says_so(tmp_path):
    with pytest.raises(BoardError, match="does not exist: is the board plugged in"):
        Link(str(tmp_path / "ttyNOPE"))


def test_hashes_on_the_board_match_hashlib(tmp_path, board):
    board.write("lib/x.bin", bytes(range(256)) * 9)
    got = board.files()
    assert got == {"lib/x.bin": hashlib.sha256(bytes(range(256)) * 9).hexdigest()}
    link = Link(board.port, resume=True)
    from tools.board_link import info_script
    assert link.call(info_script(["lib/x.bin", "nope"]))["hashes"] == {
        "lib/x.bin": got["lib/x.bin"], "nope": None}


@pytest.mark.parametrize("fs", ["lfs", "fat"])
def test_deploy_onto_littlefs_and_fat_roots(tmp_path, fs):
    root = project(tmp_path)
    with PtyBoard(tmp_path, fs=fs) as b:
        link = Link(b.port, resume=True)
        deploy.deploy(link, root, log=quiet)
        with open(root / "lib" / "clock.py", "a") as f:
            f.write("\nEXTRA = 2\n")
        assert deploy.deploy(link, root, log=quiet)["copy"] == ["lib/clock.mpy"]
        built = deploy.build(root, 0x0B06)
        assert b.files() == {t: sha for t, (_, sha) in built.items()}
        out = b.mpremote("exec", "import clock, firmware; print(clock.EXTRA, clock.__file__)")
        assert out.stdout.split() == ["2", "/lib/clock.mpy"]


def test_frozen_deploy_refuses_a_board_without_the_frozen_firmware(tmp_path, board):
    """`make deploy FROZEN=1` on a board running a stock image removed :lib and :firmware and
    said "done": the board was left with nothing to run. It now asks the board first."""
    root = project(tmp_path)
    link = Link(board.port, resume=True)
    deploy.deploy(link, root, log=quiet)
    before = board.files()
    with pytest.raises(deploy.DeployError, match="no firmware frozen in .*make firmware"):
        deploy.deploy(link, root, frozen=True, log=quiet)
    assert board.files() == before  # nothing removed


def test_a_deploy_asks_the_board_and_never_shadows_a_frozen_image(tmp_path, board,
                                                                    monkeypatch):
    """`make install` after `make firmware` flashed the frozen image, then deployed every .mpy
    in front of it ('' comes before '.frozen' on the ports' sys.path): the board ran its
    code from RAM again. Without FROZEN=, a deploy asks the board which image it runs."""
    root = project(tmp_path)
    link = Link(board.port, resume=True)
    p = deploy.deploy(link, root, log=quiet)  # a stock image: every file
    assert p["frozen"] is False and any(t.startswith("lib/") for t in board.files())
    monkeypatch.setattr(deploy, "has_frozen_firmware", lambda link: True)  # now the image
    lines = []
    p = deploy.deploy(link, root, log=lines.append)
    assert p["frozen"] is True and "frozen in: boot.py and main.py only" in lines[0]
    assert not any(t.startswith(("lib/", "firmware/")) for t in board.files())
    p = deploy.deploy(link, root, frozen=False, log=quiet)  # said outright: every file again
    assert p["frozen"] is False and any(t.startswith("lib/") for t in board.files())


def test_frozen_firmware_is_read_from_the_images_module_list():
    class Board:  # what help('modules') prints on an image built by `make firmware`
        port = "/dev/ttyUSB0"

        def __init__(self, text):
            self.text = text

        def run(self, *commands):
            assert commands == (["exec", "help('modules')"],)
            return self.text

    frozen = "__main__   firmware/app   gc\nfirmware/config   sinric/client   sys\n"
    assert deploy.has_frozen_firmware(Board(frozen))
    assert not deploy.has_frozen_firmware(Board("__main__   gc   machine\nsys   uasyncio\n"))
