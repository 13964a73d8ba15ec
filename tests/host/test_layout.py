"""The layout rules (docs/development.md "Layout"): no board module named like a MicroPython
built-in, no import cycles, host tools that never import from tests/,
one (lowercase) case for class knobs."""

import ast
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
