# Fake `network` for the simulated board: a station interface that connects at once unless
# the sim has taken the link down (set_link(False)), so Wi-Fi loss can be tested, and the
# access point as the chip's stock image leaves it (sim_profile): on an ESP8266 the first boot
# (modules/inisetup.py) turns it on with a published password and the SDK keeps that mode in
# flash (here: the file SIM_WIFI, which survives power cycles) until something turns it off.
# STAT_* values are the port's (esp32 modnetwork_globals.h, esp8266 network_wlan.c), from
# sim_profile.
import os

from sim_profile import P

STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
AUTH_WPA_WPA2_PSK = 4
_S = P["stat"]
STAT_IDLE = _S["STAT_IDLE"]
STAT_CONNECTING = _S["STAT_CONNECTING"]
STAT_GOT_IP = _S["STAT_GOT_IP"]
STAT_NO_AP_FOUND = _S["STAT_NO_AP_FOUND"]
STAT_WRONG_PASSWORD = _S["STAT_WRONG_PASSWORD"]
STAT_CONNECT_FAIL = _S["STAT_CONNECT_FAIL"]

_link_up = True
_hostname = "mpy-sim"
_instances = {}
# The home network the simulated board can see: "ssid:password" (SimBoard(wifi=...)). Unset:
# any network name and password connect. A wrong password ends the attempt with
# STAT_WRONG_PASSWORD and a missing network with STAT_NO_AP_FOUND, the status values
# ports/esp32/network_wlan.c and ports/esp8266/network_wlan.c report for those failures.

_home = os.getenv("SIM_HOME_WIFI")
_home = _home.split(":", 1) if _home else None


def set_link(up):
    """Sim control: take the access point away (False) or bring it back (True)."""
    global _link_up
    _link_up = bool(up)
    for w in _instances.values():
        if not up:
            w._connected = False


def hostname(name=None):
    global _hostname
    if name is None:
        return _hostname
    _hostname = name


def _ap_saved():
    """The AP's active flag as the flash keeps it (None: never set: the first boot)."""
    try:
        with open(os.getenv("SIM_WIFI") or "") as f:
            return f.read() == "1"
    except OSError:
        return None


def _ap_save(on):
    path = os.getenv("SIM_WIFI")
    if path:
        with open(path, "w") as f:
            f.write("1" if on else "0")


class WLAN:
    IF_STA = STA_IF
    IF_AP = AP_IF

    def __new__(cls, interface=STA_IF):
        w = _instances.get(interface)
        if w is None:
            w = object.__new__(cls)
            w._iface = interface
            w._active = False
            if interface == AP_IF:
                saved = _ap_saved()
                w._active = P["ap_active_first_boot"] if saved is None else saved
            w._connected = False
            w._ssid = None
            _instances[interface] = w
        return w

    def __init__(self, interface=STA_IF):
        pass

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        if self._iface == AP_IF and P["ap_active_first_boot"]:
            _ap_save(self._active)  # the ESP8266 SDK writes the Wi-Fi mode to flash
        if not on:
            self._connected = False

    def connect(self, ssid=None, key=None):
        if not self._active:
            raise OSError("STA not active")
        self._ssid = ssid
        self._fail = None
        if _home is not None and ssid != _home[0]:
            self._fail = STAT_NO_AP_FOUND
        elif _home is not None and (key or "") != _home[1]:
            self._fail = STAT_WRONG_PASSWORD
        self._connected = _link_up and self._fail is None

    def disconnect(self):
        self._connected = False

    def isconnected(self):
        if not _link_up:
            self._connected = False
        return self._connected

    def status(self, param=None):
        if param == "rssi":
            return -55 if self.isconnected() else 0
        if self.isconnected():
            return STAT_GOT_IP
        if getattr(self, "_fail", None) is not None:
            return self._fail
        return STAT_CONNECTING if self._active and self._ssid else STAT_IDLE

    def ifconfig(self, cfg=None):
        if self.isconnected():
            return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
        return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")

    def config(self, *args, **kw):
        if args == ("mac",):
            return b"\x24\x6f\x28\xaa\xbb\xcc"
        if args == ("hostname",):
            return _hostname
        if args == ("essid",) or args == ("ssid",):
            if self._iface == AP_IF:
                return "MicroPython-aabbcc"  # inisetup.py: MicroPython- + last 3 MAC bytes
            return self._ssid
        if "hostname" in kw:
            hostname(kw["hostname"])
        return None
