# The application: boot-loop check, config, watchdog, status LED, persistence and Wi-Fi, then
# the services (devices, cloud clients) through SERVICES. main.py calls main().
#
# Never locks a user out: a bad config or safe mode returns to the REPL (firmware/idle.py); a
# crash is logged and the board restarts after RESTART_DELAY_S (Ctrl-C in that window gives the
# REPL); repeated quick crashes end in safe mode (firmware/safemode.py).
import asyncio
import gc
import sys
import time

from firmware import VERSION

RESTART_DELAY_S = 10
CONFIG_PATH = "config.json"  # relative: the board's cwd is the filesystem root
STATE_PATH = "state.json"
TASK_LIMIT_MS = 10000  # the app's own tasks must check in with the watchdog this often
MONITOR_MS = 500
# The board's own pages (setup access point, local page) and the setup DNS answer. The
# simulated board moves them to free ports on 127.0.0.1 (tools/sim/run.py).
HTTP_PORT = 80
DNS_PORT = 53

# The seam: services in start order, as (name, factory). factory(ctx) returns
#   None                        nothing to run (e.g. that cloud is not configured);
#   an object with async run()  run as a task; if it has .connected, False there shows
#                               "cloud down" on the status LED; if it has watch_ms and an
#                               alive slot, the watchdog needs alive() at least every
#                               watch_ms (the app sets alive); if it has a heap_stuck
#                               slot, heap_stuck(reason) restarts the board (a heap too
#                               fragmented to connect or POST mends only by a restart);
#   a coroutine                 run as a task.
# What it returns (if not None) is kept in ctx.services[name] for the factories after it.
# Factories run before Wi-Fi starts, so devices set their power-on levels first. A factory
# that raises, or a task that dies with an exception, is logged and restarts the board; a
# factory but the devices' that runs out of memory is left out with a "not started" line.
# Left empty, the product's own list in firmware/services.py runs (devices, Sinric, Yango);
# the simulator's tests put their own services here instead.
SERVICES = []

mode = "starting"  # starting, running, config_error, safe_mode, crashed, stopped
app = None  # the running App (for the REPL and the simulator)


errors = []  # the last 5 log lines that tell of a problem, for the local page


# What marks a line that tells of a problem, as written: lower case, capitalised, upper case
# (looked for in the line itself: a lower-cased copy of every line, a change on each Sinric
# request among them, was a str per line)
_PROBLEMS = ("error", "fail", "refused", "invalid", "crash", "not started", "rejected",
             "Error", "Fail", "Refused", "Invalid", "Crash", "Not started", "Rejected",
             "ERROR", "FAIL", "REFUSED", "INVALID", "CRASH", "NOT STARTED", "REJECTED")


def log(msg):
    print(msg)
    for w in _PROBLEMS:
        if w in msg:
            errors.append(msg[:160])
            if len(errors) > 5:
                errors.pop(0)
            return


class App:
    """The running firmware, and the context (ctx) every service factory gets:
    ctx.config    the validated config.json, defaults filled in; for the factories only:
                  released once they have run (None then), so its RAM comes back
    ctx.clock     lib/clock.Clock: the one tick source and the owner of Unix time
    ctx.time      firmware.timekeeper.TimeKeeper: feeds ctx.clock (RTC, SNTP)
    ctx.wifi      firmware.wifi.Wifi: .state .online .is_online() .up .down .subscribe(cb)
    ctx.hw        the firmware.hardware module when present, else None
    ctx.store     firmware.persist.StateStore: .get(name) .put(name, dict)
    ctx.watchdog  firmware.watchdog.Watchdog: .watch(name, limit_ms) .checkin(name)
    ctx.log       log(str)
    ctx.services  name -> what the earlier factories returned
    ctx.task(coro), ctx.while_online(factory, name), ctx.restart(reason), ctx.info()
    ctx.ports     (HTTP, DNS): where the board's own pages and the setup DNS listen
    ctx.uptime_s(), ctx.errors (the last log lines that tell of a problem)
    """

    # Defaults an instance overrides only when it must: every entry of the app's dict is RAM
    # (8 bytes, and the table grows 17 -> 23 slots past 17 entries).
    _stable_s = 120  # a run this long clears the crash count (safemode)
    _error = None  # what a task died of (on_error); the monitor raises it
    _portal = None  # the setup access point beside the app (False: could not start)
    errors = errors  # the module's list: the last log lines that tell of a problem

    def __init__(self, config, counter, boot_count, stable_s=120):
        self.config = config
        if stable_s != self._stable_s:
            self._stable_s = stable_s
        self.log = log
        self.services = {}
        self.clock = self.wifi = self.hw = self.store = self.watchdog = self.led = None
        self.time = None
        self._counter = counter
        self._boot_count = boot_count  # the crash count before this boot
        self.wdt = None
        self.ports = (HTTP_PORT, DNS_PORT)  # the board's own pages and the setup DNS
        s = config.get("sinric")
        self._version = s["firmware_version"] if s else None
        self._setup_after_ms = config["wifi"]["setup_after_s"] * 1000

    # -- for services ----------------------------------------------------------------------
    def task(self, coro):
        return asyncio.create_task(coro)

    async def while_online(self, factory, name="service"):
        """(A coroutine:) runs factory() while Wi-Fi is up: cancelled when the link goes,
        started afresh when it returns (for clients without a net_ready hook)."""
        while True:
            await self.wifi.up.wait()
            t = asyncio.create_task(factory())
            await self.wifi.down.wait()
            t.cancel()
            log("app: %s stopped: Wi-Fi down" % name)

    def restart(self, reason):
        """A deliberate restart: saves pending state first; not counted as a crash."""
        import machine

        log("app: restart (%s)" % reason)
        self._flush()
        if self._counter.read()[0] > self._boot_count:  # undo this boot's own count
            self._counter.write(self._boot_count)
        machine.reset()

    def uptime_s(self):
        """Seconds since boot (int), wrap-safe (lib/clock.Clock.uptime_s)."""
        return self.clock.uptime_s()

    def info(self):
        """ip, mac, platform, SDKVersion, firmwareVersion (what the Sinric handshake
        reports)."""
        d = {"platform": sys.platform, "SDKVersion": VERSION}
        ip, mac = self.wifi.ip(), self.wifi.mac()
        if ip:
            d["ip"] = ip
        if mac:
            d["mac"] = mac
        if self._version:
            d["firmwareVersion"] = self._version
        return d

    # -- the run ---------------------------------------------------------------------------
    def on_error(self, loop, context):
        """The loop's exception handler (firmware.launch sets it): asyncio calls it for a
        task that died with nobody awaiting it; the monitor then raises what it died of."""
        if self._error is None:
            e = context.get("exception")
            self._error = e if e is not None else RuntimeError(context.get("message"))

    async def run(self, services):
        global mode
        from firmware import launch

        launch.start(self, services, sys.modules[__name__])
        # the start-up and the wiring are boot-only (firmware.launch, the product's
        # firmware.services, and the CA file lookup of a TLS config): their RAM comes back
        services = launch = None
        forget("firmware.launch", "firmware.services", "firmware.tls_ca")
        # every factory has read what it needs: the config (3-4 KB on a 4-device board) goes
        self.config = None
        # the RTC's time (after a soft reset) before any task runs; after the factories, so
        # the short-lived date code it loads leaves no hole between their long-lived objects
        self.time.start()
        gc.collect()
        wd = self.watchdog
        wd.watch("app", TASK_LIMIT_MS)
        if not isinstance(self.led, NoLed):
            asyncio.create_task(self.led.run())
        gc.collect()
        mode = "running"
        log("app: running %d service(s), %d bytes free" % (len(self.services), gc.mem_free()))
        # this task runs the monitor: it steps Wi-Fi, feeds the watchdog, writes the state
        # store and raises what a task died of (each task and its frame is RAM on a small
        # board: five less than one per job)
        await self._monitor()

    async def _monitor(self):
        """Forever, until a task dies (then it raises what the task died of, within one pass):
        Wi-Fi (each step of firmware.wifi's state machine when it asks for it), the status
        LED, the watchdog (its app check-in and the feeding: a blocked loop or a silent
        watched task starves it), the state store's writes (firmware.persist: each within
        500 ms of being due), time keeping (firmware.timekeeper: SNTP in a short task when
        due, the RTC kept in step), and the stable-run mark of the crash counter."""
        clock = self.clock
        wifi = self.wifi
        t0 = last = wifi_at = clock.ticks_ms()
        wifi_wait = 0
        stable = False
        offline_ms = 0
        setup_after_ms = self._setup_after_ms
        while True:
            if self._error is not None:  # a task died (on_error): the app crashes
                raise self._error
            now = clock.ticks_ms()
            if not clock.until(wifi_at, wifi_wait, now):  # Wi-Fi's next step is due
                wifi_wait = wifi.poll()
                wifi_at = clock.ticks_add(now, wifi_wait)
            step = clock.since(last, now)  # one pass: far below the tick wrap
            last = now
            offline_ms = 0 if self.wifi.online else offline_ms + step
            if setup_after_ms and offline_ms >= setup_after_ms and self._portal is None:
                from firmware import setup_ap  # loaded only now: a normal run never pays

                # False when it could not start: not tried again until Wi-Fi was back
                self._portal = await setup_ap.beside_app(self, offline_ms // 1000) or False
            elif self._portal is not None and self.wifi.online:
                if self._portal:
                    self._portal.stop("Wi-Fi is back")
                self._portal = None
            self.watchdog.checkin("app")
            self.watchdog.feed()
            self.store.poll()
            self.time.poll()
            if not self.wifi.online:
                self.led.set("connecting")
            else:
                down = False
                for s in self.services.values():
                    if getattr(s, "connected", True) is False:
                        down = True
                self.led.set("cloud_down" if down else "online")
            if not stable and self.clock.since(t0) >= self._stable_s * 1000:
                stable = True
                self._counter.clear()
                log("app: stable for %d s; crash count cleared" % self._stable_s)
            left = clock.until(wifi_at, wifi_wait)  # 200 ms while dialing
            await asyncio.sleep_ms(left if left < MONITOR_MS else MONITOR_MS)

    def _flush(self):
        if self.store is not None:
            try:
                self.store.flush()
            except Exception as e:  # noqa: BLE001 - a reset must still happen
                try:
                    log("app: state not saved: %r" % (e,))
                except MemoryError:
                    log("app: state not saved (out of memory)")

    def crashed(self, e):
        global mode
        mode = "crashed"
        log("app: crashed: %r" % (e,))
        sys.print_exception(e)
        self._counter.write(self._counter.read()[0], repr(e))
        self._flush()


class NoLed:
    """The status a LED would show (firmware.status_led states), on a board without one
    (board.status_led null): kept for the REPL and the simulator; nothing to drive."""

    state = "off"

    def set(self, state):
        self.state = state


def watch_service(wd, name, obj):
    """A service that can say it is alive (watch_ms + an alive slot: the cloud clients) is
    watched by wd (firmware.watchdog) under name: a task hung on a socket then stops the
    feeding and the board resets."""
    limit = getattr(obj, "watch_ms", None)
    if limit and hasattr(obj, "alive"):
        wd.watch(name, limit)
        obj.alive = lambda: wd.checkin(name)


def hostname_setter(network, wlan):
    """callable(hostname str) that names the board on DHCP (network.hostname, else wlan's)."""
    if hasattr(network, "hostname"):  # MicroPython 1.20+
        return network.hostname
    return lambda h: wlan.config(dhcp_hostname=h)


def reset_after(delay_s, wdt):
    """machine.reset() after delay_s seconds, feeding wdt (or None) meanwhile; a Ctrl-C in
    that time raises KeyboardInterrupt instead (the REPL is free)."""
    import machine

    log("app: restarting in %d s (Ctrl-C now for the REPL)" % delay_s)
    for _ in range(delay_s * 10):
        if wdt is not None:
            wdt.feed()
        time.sleep_ms(100)
    machine.reset()


def main(services=None):
    """Start the board. services defaults to SERVICES."""
    global mode, app
    from firmware import startup

    booted = startup.boot(sys.modules[__name__])
    # boot-only code (the safe-mode decision, the config check, the banner, the setup boot)
    # gives its RAM back; the counter's class lives on in firmware.crash_counter
    startup = None
    forget("firmware.startup", "firmware.safemode")
    if booted is None:
        return
    app = App(*booted)
    booted = None  # the app releases the config after its factories: hold no copy here
    try:
        if services is None:
            services = SERVICES
            if not services:
                from firmware.services import SERVICES as services
        coro = app.run(services)
        services = None  # held by the app's run only until its factories have run
        asyncio.run(coro)
    except KeyboardInterrupt:
        mode = "stopped"
        app._flush()
        log("app: stopped by Ctrl-C; the REPL is free")
        return
    except Exception as e:  # noqa: BLE001 - anything that ends the app is a crash
        try:
            app.crashed(e)
        except Exception:  # noqa: BLE001,S110 - even logging may fail when out of memory
            pass
    try:
        reset_after(RESTART_DELAY_S, app.wdt)
    except KeyboardInterrupt:
        log("app: restart cancelled; the REPL is free")


def forget(*names):
    """Unload modules used once: their RAM comes back, a later import loads them afresh.
    MicroPython raises KeyError for a missing attribute."""
    for name in names:
        sys.modules.pop(name, None)
        pkg, _, sub = name.rpartition(".")
        try:
            delattr(sys.modules[pkg], sub)
        except (AttributeError, KeyError):
            pass
    gc.collect()
