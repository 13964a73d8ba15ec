# The boot-loop count of firmware/safemode.py: (count, last reason) kept where a reset does
# not clear it. Its own module because the running app keeps a counter (to clear it once the
# run is stable) while the rest of safemode.py is needed only at boot and is unloaded.
try:
    from micropython import const
except ImportError:  # CPython
    const = lambda x: x  # noqa: E731

FILE = "crashes.txt"
_MAGIC = b"SMc1"
_MAX_REASON = const(100)


class CrashCounter:
    """(count, last reason) in RTC memory (rtc with .memory()) or in a file."""

    def __init__(self, rtc=None, path=FILE):
        self._rtc = rtc if rtc is not None and hasattr(rtc, "memory") else None
        self._path = path

    def _raw(self):
        if self._rtc is not None:
            return bytes(self._rtc.memory())
        try:
            with open(self._path, "rb") as f:
                return f.read(4 * _MAX_REASON + 8)
        except OSError:
            return b""

    def read(self):
        raw = self._raw()
        if len(raw) < 5 or raw[:4] != _MAGIC:
            return 0, ""  # never written, or RTC memory garbage after power-up
        try:
            reason = raw[5:].decode()
        except UnicodeError:
            reason = ""
        return raw[4], reason

    def write(self, count, reason=""):
        data = _MAGIC + bytes((min(count, 255),)) + reason[:_MAX_REASON].encode()
        if self._rtc is not None:
            self._rtc.memory(data)
            return
        try:
            with open(self._path, "wb") as f:
                f.write(data)
        except OSError as e:
            print("safemode: cannot write %s: %s" % (self._path, e))

    def clear(self):
        if self.read() != (0, ""):
            self.write(0)
