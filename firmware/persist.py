# Device state persisted to flash for the power-on policy ("restore").
# Flash wears out, so writes are coalesced: the first change after a quiet spell is written at
# once, later ones at most once per interval. A write goes to a temporary file that is then
# renamed over the old one, so a power cut mid-write leaves either the old or the new state,
# never a torn file. A corrupt file is ignored with a log line (the devices fall back to their
# power_on default).
import json
import os

try:
    import asyncio
except ImportError:  # pragma: no cover
    asyncio = None

PATH = "state.json"


class StateStore:
    """name -> flat dict of JSON values (what a device's saved() returns)."""

    def __init__(self, path=PATH, interval_s=60, log=print, clock=None):
        """interval_s: least s between two writes; clock: lib/clock.Clock (None: the
        board's). The last write's tick is read with clock.since(), so a change after
        weeks without one is written at once (not "in the future" past 2^29 ms)."""
        if clock is None:
            from clock import Clock

            clock = Clock()
        self.path = path
        self.tmp = path + ".tmp"
        self.interval_ms = interval_s * 1000
        self._log = log
        self._ms = clock.ticks_ms
        self._since = clock.since
        self._data = {}
        self._dirty = False
        self._last = None  # ticks of the last write attempt
        self._wake = None  # run()'s Event, made when it starts (the app polls instead)
        self.writes = 0
        self._rename = os.rename  # tests replace it to cut the power between write and rename

    # -- reading ----------------------------------------------------------------------------
    def _read(self, path):
        """The dict in path; None when missing; raises ValueError when corrupt."""
        try:
            f = open(path)
        except OSError:
            return None
        try:
            data = json.loads(f.read())
        except (ValueError, OSError, UnicodeError, MemoryError) as e:
            raise ValueError(repr(e)) from None
        finally:
            f.close()
        if not isinstance(data, dict):
            raise ValueError("not an object")
        for v in data.values():
            if not isinstance(v, dict):
                raise ValueError("not a dict per device")
        return data

    def load(self):
        """Read the state file (falling back to a complete leftover temp file)."""
        data = None
        try:
            data = self._read(self.path)
        except ValueError as e:
            self._log("state: %s is corrupt (%s), ignored" % (self.path, e))
        try:
            tmp = self._read(self.tmp)
        except ValueError:
            tmp = None  # torn write: the power went mid-write; the old file stands
        if data is None and tmp is not None:
            self._log("state: recovered from " + self.tmp)
            data = tmp
        self._remove(self.tmp)
        self._data = data or {}
        return self._data

    def _remove(self, path):
        try:
            os.remove(path)
        except OSError:
            pass

    def get(self, name):
        return self._data.get(name)

    # -- writing ----------------------------------------------------------------------------
    def put(self, name, value, copy=True):
        """Record a device's state; written later (coalesced). A copy is kept; copy=False
        keeps value itself (a dict made for this call that the caller does not change)."""
        if self._data.get(name) == value:
            return
        self._data[name] = dict(value) if copy else value
        self._dirty = True
        if self._wake:
            self._wake.set()

    def retain(self, names):
        """Forget devices that are no longer configured (written with the next change)."""
        for k in [k for k in self._data if k not in names]:
            del self._data[k]

    @property
    def dirty(self):
        return self._dirty

    def due_in(self):
        """ms until a pending write may happen: -1 nothing pending, 0 now."""
        if not self._dirty:
            return -1
        if self._last is None:
            return 0
        left = self.interval_ms - self._since(self._last)
        return left if left > 0 else 0

    def flush(self):
        """Write now if anything changed (before a deliberate reset). True when written."""
        if not self._dirty:
            return False
        return self._write()

    def _write(self):
        self._last = self._ms()
        try:
            with open(self.tmp, "w") as f:
                f.write(json.dumps(self._data))
            self._rename(self.tmp, self.path)
        except (OSError, MemoryError) as e:  # a full flash or a tight heap: try again later
            try:  # on a tight heap the line may not fit either: the app's monitor goes on
                self._log("state: write failed (%r), retry in %d s"
                          % (e, self.interval_ms // 1000))
            except MemoryError:
                self._log("state: write failed (out of memory for the details); retrying")
            return False
        self._dirty = False
        self.writes += 1
        self._log("state: saved %d device(s)" % len(self._data))
        return True

    def poll(self):
        """Write if a write is due now (for a caller that polls instead of running run():
        the app's monitor, every 500 ms). True when written."""
        return self.due_in() == 0 and self._write()

    async def run(self):
        """Forever: each write as soon as it is due."""
        if self._wake is None:
            self._wake = asyncio.Event()
            if self._dirty:
                self._wake.set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._dirty:
                d = self.due_in()
                if d > 0:
                    await asyncio.sleep_ms(d)
                self._write()
