# The hardware watchdog, fed only while the firmware is healthy. The feeder is an ordinary
# asyncio task (run() here, or the app's monitor, which calls feed() on the same beat), so a
# blocked loop starves it; and it feeds only while every watched task has
# checked in within its own limit, so a task stuck on a dead socket starves it too. Either
# way machine.WDT resets the board (and the boot-loop counter notes the watchdog reset).
try:
    import asyncio
except ImportError:  # pragma: no cover
    asyncio = None


class Watchdog:
    feed_ms = 500  # well under a second: the ESP8266 ignores the timeout argument

    def __init__(self, wdt=None, log=print, clock=None):
        """wdt: machine.WDT or None; clock: lib/clock.Clock (None: the board's)."""
        if clock is None:
            from clock import Clock

            clock = Clock()
        self._wdt = wdt  # machine.WDT, or None when board.watchdog_s is 0
        self._log = log
        self._ms = clock.ticks_ms
        self._since = clock.since
        self._tasks = {}  # name -> [limit_ms, last check-in ticks]
        self.starved = None  # the task that stopped the feeding, once it happened
        self.feeds = 0

    @property
    def enabled(self):
        return self._wdt is not None

    def watch(self, name, limit_ms):
        """Feeding needs name to check in at least every limit_ms from now on."""
        self._tasks[name] = [limit_ms, self._ms()]

    def unwatch(self, name):
        self._tasks.pop(name, None)

    def checkin(self, name):
        t = self._tasks.get(name)
        if t is not None:
            t[1] = self._ms()

    def late(self):
        """(name, silent_ms) of a task past its limit, or None."""
        now = self._ms()
        for name, (limit, last) in self._tasks.items():
            silent = self._since(last, now)  # silent for days reads as late, never as back
            if silent > limit:
                return name, silent
        return None

    def feed(self):
        """Feed when healthy; True when fed. Logs once when it starts starving."""
        late = self.late()
        if late is not None:
            if self.starved is None:
                self.starved = late[0]
                self._log("watchdog: %s silent for %d ms; not feeding, the board will reset"
                          % late)
            return False
        if self.starved is not None:
            self._log("watchdog: %s is back; feeding again" % self.starved)
            self.starved = None
        if self._wdt is not None:
            self._wdt.feed()
        self.feeds += 1
        return True

    async def run(self):
        while True:
            self.feed()
            await asyncio.sleep_ms(self.feed_ms)
