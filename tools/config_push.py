"""Push a config.json to a board atomically.

Order of events, so that no failure leaves a board with half a config:
1. validate locally (schema, rules, placeholder secrets): a bad file never leaves the host;
2. ask the board what chip it is and check the pins against that chip;
3. upload to :config.json.tmp;
4. on the board, in one script: check size and sha256 of the tmp file against the host's,
   then os.rename() it over :config.json (littlefs replaces atomically; MicroPython's FAT
   driver removes the old file first, so a board should fall back to config.json.tmp when
   config.json is missing). A mismatch deletes the tmp file and changes nothing.
A cut cable during 3 leaves only a partial config.json.tmp, which the next push overwrites.
"""

import hashlib
import re

from tools import config_check
from tools.board_link import HASH_FUNCS, MARK, BoardError

TARGET = "config.json"
TMP = TARGET + ".tmp"

_COMMIT = HASH_FUNCS + """
import os
_ok = False
try:
    _size = os.stat(%(tmp)r)[6]
except OSError:
    _size = -1
if _size == %(size)d and _h(%(tmp)r) == %(sha)r:
    os.rename(%(tmp)r, %(target)r)
    if hasattr(os, 'sync'):
        os.sync()
    _ok = _h(%(target)r) == %(sha)r
else:
    try:
        os.remove(%(tmp)r)
    except OSError:
        pass
print(%(mark)r + json.dumps({'ok': _ok, 'size': _size}))
"""

_CHIP = "import os, sys, json\n_m = ''\ntry:\n    _m = os.uname().machine\nexcept Exception:\n" \
        "    pass\nprint(%r + json.dumps([sys.platform, _m]))\n" % MARK


def chip_of(platform, machine):
    """'esp32s3', 'esp8266', … from sys.platform and os.uname().machine; None elsewhere."""
    m = re.search(r"with (ESP\w+)", machine or "")
    if m:
        return m.group(1).lower()
    return platform if platform in config_check.CHIP_PINS else None


def push(link, path, on_step=None, log=print):
    """Validate `path` and write it as :config.json on the board behind `link`.

    on_step(name) is called after 'checked', 'uploaded' and 'committed' (tests cut the
    link there). Raises ConfigError before anything is written, BoardError on a failure.
    """
    step = on_step or (lambda name: None)
    data, _ = config_check.load(path)
    platform, machine = link.call(_CHIP)
    chip = chip_of(platform, machine)
    # a board that is no ESP (the pty board) has no pins to warn about
    data, _ = config_check.load(path, chip=chip, warn=chip and (
        lambda w: log("config: warning: " + w)))
    step("checked")
    log("config: %s is valid (%d bytes%s)" % (path, len(data), ", pins checked for " + chip
                                               if chip else ""))
    link.run(["fs", "cp", str(path), ":" + TMP])
    step("uploaded")
    sha = hashlib.sha256(data).hexdigest()
    result = link.call(_COMMIT % {"tmp": TMP, "target": TARGET, "size": len(data), "sha": sha,
                                  "mark": MARK})
    if not result["ok"]:
        raise BoardError("the board received %d of %d bytes or different bytes; %s was left "
                         "as it was: try again (a loose cable?)"
                         % (result["size"], len(data), TARGET))
    step("committed")
    log("config: wrote :%s on %s (sha256 %s…)" % (TARGET, link.port, sha[:12]))
    return sha
