"""package.json for `mpremote mip install github:<owner>/<repo>` (and on-board `mip.install`).

mip installs every entry of "urls" at <target>/<dest>, where the target is /lib unless
--target says otherwise, and fetches relative sources next to package.json. So lib/ files
get plain names (-> /lib/...), and firmware/, boot.py and main.py climb out of /lib with
"../" (-> /firmware/..., /boot.py, /main.py): one command installs a complete board.
Run `python -m tools.mip_package` (make package-json) after adding or removing a board file;
a test fails while package.json is stale.
"""

import json

from firmware import VERSION
from tools.board_files import ROOT, board_files

PATH = ROOT / "package.json"


def dest_of(rel):
    """Where mip puts a project file, relative to its /lib target."""
    return rel[len("lib/"):] if rel.startswith("lib/") else "../" + rel


def package(root=ROOT, version=VERSION):
    return {"urls": [[dest_of(rel), rel] for rel in board_files(root)], "deps": [],
            "version": version}


def text(root=ROOT):
    pkg = package(root)
    urls = ",\n".join("    " + json.dumps(u) for u in pkg["urls"])
    return '{\n  "urls": [\n%s\n  ],\n  "deps": [],\n  "version": %s\n}\n' % (
        urls, json.dumps(pkg["version"]))


if __name__ == "__main__":
    PATH.write_text(text())
    print("wrote %s (%d files)" % (PATH.name, len(package()["urls"])))
