"""The layout rules (docs/development.md "Layout"): no board module named like a MicroPython
built-in, no import cycles, host tools that never import from tests/ (nor run or preload
anything there), sys.path edited only where there is a reason, board modules that use each
other's public surface only, one (lowercase) case for class knobs."""

import ast
import re
import subprocess

from mpy import ROOT

from tools.board_files import MICROPYTHON, board_sources

# Modules the ESP ports bring besides the unix port's built-ins (help("modules") below): their
# C modules and what ports/esp32/boards/manifest.py, ports/esp8266/boards/manifest.py and
# bundle-networking freeze (MicroPython 1.28).
ESP_MODULES = {
    "network", "esp", "esp32", "espnow", "aioespnow", "btree", "bluetooth", "neopixel",
    "onewire", "ds18x20", "dht", "ntptime", "webrepl", "webrepl_setup", "upysh", "umqtt",
    "mip", "requests", "urequests", "inisetup", "flashbdev", "apa102", "apa106", "_boot",
    "port_diag", "machine", "ssl", "tls", "websocket", "socket", "select", "asyncio",
}


def _module_name(rel):
    """'lib/net/ws.py' -> 'net.ws'; 'firmware/app.py' -> 'firmware.app'."""
    parts = rel[:-3].split("/")
    if parts[0] == "lib":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _board_modules():
    return {_module_name(rel): ROOT / rel for rel in board_sources() if "/" in rel}


def _imports(path, name):
    """Every module name path imports, anywhere in the file (lazy imports included)."""
    pkg = name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = pkg + ("." + base if base else "")
            out.add(base)
            out.update(base + "." + a.name for a in node.names)  # "from net import ws"
    return out


def test_no_board_module_is_named_like_a_micropython_builtin():
    r = subprocess.run([str(MICROPYTHON), "-c", "help('modules')"], capture_output=True,
                       text=True, check=True)
    builtins = {w.split("/")[0] for w in r.stdout.split() if w[0].isalpha() or w[0] == "_"}
    builtins |= ESP_MODULES
    clashes = sorted(n for n in _board_modules() if n.split(".")[0] in builtins)
    assert clashes == [], clashes


def test_board_modules_import_no_cycles():
    mods = _board_modules()
    graph = {n: sorted(m for m in _imports(p, n) if m in mods and m != n)
             for n, p in mods.items()}
    state = {}

    def visit(n, path):
        if state.get(n) == "done":
            return
        assert state.get(n) != "open", "import cycle: " + " -> ".join(path + [n])
        state[n] = "open"
        for m in graph[n]:
            visit(m, path + [n])
        state[n] = "done"

    for n in sorted(graph):
        visit(n, [])
    assert graph["sinric.client"] and graph["firmware.config"]  # the walk saw the imports


def test_host_tools_never_import_from_tests():
    bad = []
    for path in sorted((ROOT / "tools").rglob("*.py")):
        for m in _imports(path, "tools." + path.stem):
            top = m.split(".")[0]
            if top == "tests" or (ROOT / "tests" / "host" / (top + ".py")).exists() or \
                    (ROOT / "tests" / "portable" / (top + ".py")).exists():
                bad.append("%s imports %s" % (path.relative_to(ROOT), m))
    assert bad == [], bad


def _code_strings(path):
    """Every string constant of path's code (docstrings left out)."""
    tree = ast.parse(path.read_text())
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs]


# tools/mutate.py runs the test suite against each mutant: naming tests is its job.
RUNS_TESTS = {"tools/mutate.py"}


def test_host_tools_name_no_path_in_tests():
    """Not even as a script to run, a folder for the path or a module to preload on the
    simulated board: what a tool needs lives in tools/ (tests may use tools, never the
    other way round)."""
    bad = []
    for path in sorted((ROOT / "tools").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in RUNS_TESTS:
            continue
        bad += ["%s: %r" % (rel, v) for v in _code_strings(path)
                if v == "tests" or v.startswith("tests/") or "/tests/" in v]
    assert bad == [], bad


# The files that may change sys.path, and why; anything else runs as a module from the
# project root (`python -m tools.x`), where tools/__init__.py sets the path.
SYS_PATH_EDITS = {
    "tools/__init__.py": "the one place for host tools: lib/ after the project root",
    "tools/yango_devices.py": "the simulated board's fakes by their board names",
    "tools/mutate.py": "pytest's path for a plain interpreter in the mutated copy",
    "tools/sim/launcher.py": "a board image without asyncio: .frozen off the board's path",
    "tests/portable/fakehw.py": "the simulated board's fakes by their board names",
    "tests/mp_run.py": "MicroPython has no pytest: the portable tests after MICROPYPATH",
    "tests/host/pty_board.py": "the board's own path, as an ESP port has it (mip's /lib)",
}
_EDIT = re.compile(r"sys\.path(\.(insert|append|extend|remove)\(|\[[^\]]*\]\s*=|\s*[+]?=[^=])")


def test_sys_path_is_changed_only_where_there_is_a_reason():
    edits = set()
    for top in ("tools", "tests"):
        for path in (ROOT / top).rglob("*.py"):
            if _EDIT.search(path.read_text()):
                edits.add(path.relative_to(ROOT).as_posix())
    assert edits == set(SYS_PATH_EDITS), sorted(edits ^ set(SYS_PATH_EDITS))


# Where a board module touches another object's _private name, and why (all else goes
# through public names: a module split from another for RAM still calls it publicly).
PRIVATE_REACH = {
    # the connect half of net.ws, dropped after each connect: it fills the connection's
    # streams as they open, so that connect()'s abort() on a timeout closes what did open
    ("lib/net/handshake.py", "ws"),
    # MicroPython's asyncio has no public way for an awaitable to wait on a socket
    ("lib/net/ws.py", "_core"),
    # module functions with the module's own objects
    ("firmware/inputs.py", "i"),
    ("firmware/app.py", "app"),
}


def _private_reach(rel, tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and \
                not node.attr.startswith("__") and not (isinstance(node.value, ast.Name)
                                                        and node.value.id in ("self", "cls")):
            out.add((rel, ast.unparse(node.value), node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            out.update((rel, node.module, a.name) for a in node.names
                       if a.name.startswith("_") and not a.name.startswith("__"))
    return out


def test_board_modules_use_each_others_public_names():
    bad = []
    for rel in board_sources():
        if rel.endswith(".py"):
            for where, obj, name in sorted(_private_reach(rel, ast.parse((ROOT / rel)
                                                                         .read_text()))):
                if (where, obj) not in PRIVATE_REACH:
                    bad.append("%s: %s.%s" % (where, obj, name))
    assert bad == [], bad


def test_the_private_reach_check_sees_one():
    tree = ast.parse("from sinric.codec import _loads\nd._tokens = None\nself._x = 1\n"
                     "self.ws._s = None\n")
    assert _private_reach("x.py", tree) == {("x.py", "sinric.codec", "_loads"),
                                           ("x.py", "d", "_tokens"), ("x.py", "self.ws", "_s")}


def test_class_tunables_are_lowercase():
    """One case for every board class's knobs: per-instance settings (connect_timeout_ms,
    flush_ms, ...) are lowercase attributes, overridable by keyword or attribute; an
    UPPERCASE class attribute would read as a module constant nobody may change."""
    upper = []
    for name, path in sorted(_board_modules().items()):
        for cls in ast.walk(ast.parse(path.read_text())):
            if not isinstance(cls, ast.ClassDef):
                continue
            for st in cls.body:
                targets = st.targets if isinstance(st, ast.Assign) else \
                    [st.target] if isinstance(st, ast.AnnAssign) else []
                upper += ["%s.%s.%s" % (name, cls.name, t.id) for t in targets
                          if isinstance(t, ast.Name) and t.id.isupper()]
    assert upper == [], upper


def test_the_yango_names_are_spelled_alike_everywhere():
    # the device classes keep their own copies: a board without Yango never loads
    # yango.payloads (firmware.devices.discovery takes base's)
    import yango.payloads as payloads

    from firmware.devices import base, discovery

    for name in ("ON_OFF", "RANGE", "COLOR", "MODE", "FLOAT", "EVENT"):
        assert getattr(discovery, name) == getattr(payloads, name) == getattr(base, name), name
