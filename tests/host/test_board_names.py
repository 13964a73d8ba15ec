"""No board module is named like a module the stock ESP images already have: a file of ours
would shadow it (lib/websocket.py hid the built-in `websocket`, and WebREPL broke)."""

from mpy import ROOT

# MicroPython 1.28: MP_REGISTER_MODULE in py/, extmod/, shared/, ports/esp32, ports/esp8266
BUILT_IN = {
    "_asyncio", "_espnow", "_onewire", "_thread", "_webrepl", "array", "binascii",
    "bluetooth", "btree", "builtins", "cmath", "collections", "cryptolib", "deflate", "errno",
    "esp", "esp32", "framebuf", "gc", "hashlib", "heapq", "io", "json", "lwip", "machine",
    "marshal", "math", "micropython", "network", "os", "platform", "random", "re", "select",
    "socket", "string", "struct", "sys", "time", "tls", "uctypes", "vfs", "weakref",
    "websocket",
}
# Frozen: ports/esp32/modules, ports/esp8266/modules, the ports' boards/manifest.py (asyncio,
# bundle-networking, dht, onewire, ...) and ESP8266_GENERIC/manifest_2MiB.py
FROZEN = {
    "_boot", "apa102", "apa106", "espnow", "flashbdev", "inisetup", "port_diag", "asyncio",
    "mip", "ntptime", "ssl", "requests", "urequests", "webrepl", "webrepl_setup", "aioespnow",
    "dht", "ds18x20", "neopixel", "onewire", "umqtt", "upysh", "ssd1306",
}


def board_names():
    """Top-level import names the deployed files create (lib/ is on the board's path)."""
    names = {"firmware"}
    for p in (ROOT / "lib").iterdir():
        if p.suffix == ".py":
            names.add(p.stem)
        elif p.is_dir() and not p.name.startswith((".", "_")):
            names.add(p.name)
    return names


def test_no_board_module_shadows_a_module_of_the_esp_images():
    clash = sorted(board_names() & (BUILT_IN | FROZEN | {"u" + n for n in BUILT_IN}))
    assert clash == [], "named like a MicroPython module of the ESP images: %s" % clash


def test_the_check_sees_a_clash():
    assert "websocket" in BUILT_IN and "asyncio" in FROZEN and "sinric_client" not in BUILT_IN
