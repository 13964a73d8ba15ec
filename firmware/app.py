# The application: boot-loop check, config, watchdog, status LED, persistence and Wi-Fi, then
# the services (devices, cloud clients) through SERVICES. main.py calls main().
#
# Never locks a user out: a bad config or safe mode returns to the REPL (with the status LED
# blinking from a timer); a crash is logged and the board restarts after RESTART_DELAY_S (Ctrl-C
# in that window gives the REPL); repeated quick crashes end in safe mode (firmware/safemode.py).
import asyncio
import gc
import sys
import time

RESTART_DELAY_S = 10
CONFIG_PATH = "config.json"  # relative: the board's cwd is the filesystem root
STATE_PATH = "state.json"
TASK_LIMIT_MS = 10000  # the app's own tasks must check in with the watchdog this often
MONITOR_MS = 500

# The seam: services in start order, as (name, factory). factory(ctx) returns
#   None                       nothing to run (e.g. that cloud is not configured);
#   an object with async run() run as a task and kept in ctx.services[name]; if it has a
#                              .connected attribute, False there shows "cloud down" on the LED;
#   a coroutine                run as a task (kept in ctx.services[name] too).
# Factories run before Wi-Fi starts, so devices set their power-on levels first. A factory
# that raises, or a task that dies with an exception, is logged and restarts the board.
SERVICES = []

mode = "starting"  # starting, running, config_error, safe_mode, crashed, stopped
app = None  # the running App (for the REPL and the simulator)
_idle_led = None  # keeps the timer-driven LED of the idle states alive


def log(msg):
    print(msg)


class Context:
    """What a service factory gets."""

    def __init__(self, app, config, clock, wifi, hw, store, watchdog):
        self._app = app
        self.config = config  # validated config.json, defaults filled in
        self.clock = clock  # lib/clock.Clock (synced by the Sinric client)
        self.wifi = wifi  # firmware.wifi.Wifi: .state .online .up .down .subscribe(cb)
        self.hw = hw  # firmware.hardware when present (pins, PWM, DHT), else None
        self.store = store  # firmware.persist.StateStore: .get(name) .put(name, dict)
        self.watchdog = watchdog  # .watch(name, limit_ms) .checkin(name)
        self.log = log
        self.services = {}  # name -> what its factory returned

    def task(self, coro):
        return asyncio.create_task(coro)

    def while_online(self, factory, name="service"):
        """A coroutine that runs factory() while Wi-Fi is up: cancelled when the link goes,
        started afresh when it returns (for clients without a net_ready hook)."""
        return _while_online(self.wifi, factory, name)

    def restart(self, reason):
        """A deliberate restart: saves pending state first; not counted as a crash."""
        self._app.restart(reason)

    def info(self):
        """ip, mac, platform, firmwareVersion (what the Sinric handshake reports)."""
        d = {"platform": sys.platform}
        ip = self.wifi.ip()
        if ip:
            d["ip"] = ip
        mac = self.wifi.mac()
        if mac:
            d["mac"] = mac
        s = self.config.get("sinric")
        if s:
            d["firmwareVersion"] = s["firmware_version"]
        return d


async def _while_online(wifi, factory, name):
    while True:
        await wifi.up.wait()
        t = asyncio.create_task(factory())
        await wifi.down.wait()
        t.cancel()
        log("app: %s stopped: Wi-Fi down" % name)


def _hardware():
    try:
        from firmware import hardware

        return hardware
    except ImportError:
        return None


def _unload_config():
    """Drop the config modules (used once, at boot) to give their RAM back."""
    import firmware

    for name in ("config", "config_types"):
        sys.modules.pop("firmware." + name, None)
        try:
            delattr(firmware, name)
        except (AttributeError, KeyError):  # MicroPython raises KeyError
            pass
    gc.collect()


class App:
    def __init__(self, cfg, counter, boot_count, services):
        self.cfg = cfg
        self.counter = counter
        self.boot_count = boot_count  # the crash count before this boot
        self.services = services
        self.error = None
        self.wdt = None
        self.store = None
        self.led = None
        self.ctx = None

    def _on_error(self, loop, context):
        # asyncio calls this for a task that died with nobody awaiting it
        if self.error is None:
            e = context.get("exception")
            self.error = e if e is not None else RuntimeError(context.get("message"))
        self._crash.set()

    async def run(self):
        global mode
        import machine
        import network
        from clock import Clock

        from firmware.persist import StateStore
        from firmware.status_led import StatusLed
        from firmware.watchdog import Watchdog
        from firmware.wifi import Wifi

        cfg = self.cfg
        board = cfg["board"]
        self._crash = asyncio.Event()
        asyncio.get_event_loop().set_exception_handler(self._on_error)
        if board["watchdog_s"]:
            self.wdt = machine.WDT(timeout=board["watchdog_s"] * 1000)
        wd = Watchdog(self.wdt, log)
        wd.feed()
        pin = board.get("status_led")
        led = StatusLed(None if pin is None else machine.Pin(pin, machine.Pin.OUT),
                        board["status_led_active_low"])
        led.set("connecting")
        self.led = led
        self.store = store = StateStore(STATE_PATH, board["state_write_interval_s"], log)
        store.load()
        w = cfg["wifi"]
        wlan = network.WLAN(network.STA_IF)
        fails = tuple(getattr(network, n) for n in ("STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND",
                                                     "STAT_CONNECT_FAIL") if hasattr(network, n))
        wifi = Wifi(wlan, w["ssid"], w["password"], hostname=w.get("hostname"),
                    timeout_s=w["timeout_s"], set_hostname=_hostname_setter(network, wlan),
                    fail_status=fails, log=log)
        clock = Clock(time.ticks_ms, time.ticks_diff, time.ticks_add)
        self.ctx = ctx = Context(self, cfg, clock, wifi, _hardware(), store, wd)
        for name, factory in self.services:
            obj = factory(ctx)
            wd.feed()
            if obj is None:
                continue
            ctx.services[name] = obj
            run = getattr(obj, "run", None)
            asyncio.create_task(run() if run is not None else obj)
        wd.watch("app", TASK_LIMIT_MS)
        wd.watch("wifi", TASK_LIMIT_MS)
        asyncio.create_task(wd.run())
        asyncio.create_task(wifi.run(lambda: wd.checkin("wifi")))
        asyncio.create_task(led.run())
        asyncio.create_task(store.run())
        asyncio.create_task(self._monitor(wd, led, wifi, ctx))
        gc.collect()
        mode = "running"
        log("app: running %d service(s), %d bytes free" % (len(ctx.services), gc.mem_free()))
        await self._crash.wait()
        raise self.error

    async def _monitor(self, wd, led, wifi, ctx):
        from firmware import safemode

        t0 = time.ticks_ms()
        stable = False
        while True:
            wd.checkin("app")
            if not wifi.online:
                led.set("connecting")
            else:
                down = False
                for s in ctx.services.values():
                    if getattr(s, "connected", True) is False:
                        down = True
                led.set("cloud_down" if down else "online")
            if not stable and time.ticks_diff(time.ticks_ms(), t0) >= safemode.STABLE_S * 1000:
                stable = True
                self.counter.clear()
                log("app: stable for %d s; crash count cleared" % safemode.STABLE_S)
            await asyncio.sleep_ms(MONITOR_MS)

    def restart(self, reason):
        import machine

        log("app: restart (%s)" % reason)
        self._flush()
        n = self.counter.read()[0]
        if n > self.boot_count:  # this boot counted itself; a deliberate restart is no crash
            self.counter.write(self.boot_count)
        machine.reset()

    def _flush(self):
        if self.store is not None:
            try:
                self.store.flush()
            except Exception as e:  # noqa: BLE001 - a reset must still happen
                log("app: state not saved: %r" % (e,))

    def crashed(self, e):
        global mode
        mode = "crashed"
        log("app: crashed: %r" % (e,))
        sys.print_exception(e)
        self.counter.write(self.counter.read()[0], repr(e))
        self._flush()


def _hostname_setter(network, wlan):
    if hasattr(network, "hostname"):  # MicroPython 1.20+
        return network.hostname
    return lambda h: wlan.config(dhcp_hostname=h)


def _reset_after(delay_s, wdt):
    import machine

    log("app: restarting in %d s (Ctrl-C now for the REPL)" % delay_s)
    for _ in range(delay_s * 10):
        if wdt is not None:
            wdt.feed()
        time.sleep_ms(100)
    machine.reset()


def _idle(state, pin, active_low):
    global _idle_led
    from firmware import status_led

    _idle_led = status_led.make(pin, active_low, state)


def _config():
    """The validated config, or None after logging why and starting the config-error idle."""
    global mode
    from firmware import config

    try:
        cfg = config.load(CONFIG_PATH)
    except Exception as e:  # noqa: BLE001 - ConfigError, or MemoryError on a huge file
        raw = getattr(e, "raw", None)
        pin = config.safe_led(raw) if raw else None
        low = pin is not None and raw["board"].get("status_led_active_low") is True
        log("config: %s" % (e,) if isinstance(e, config.ConfigError) else "config: %r" % (e,))
        _unload_config()
        mode = "config_error"
        log("app: not started; fix config.json and reset (the REPL is free)")
        _idle("config_error", pin, low)
        return None
    _unload_config()
    return cfg


def _safe_mode(count, last):
    global mode
    mode = "safe_mode"
    log("SAFE MODE: %d quick restarts in a row (last: %s); the app is not started"
        % (count, last or "unknown"))
    log("safe mode: the REPL is free. Fix the cause, then power-cycle the board, or run"
        " `import firmware.safemode as s; s.leave()`")
    pin = low = None
    try:
        from firmware import config

        raw = config.parse(config.read(CONFIG_PATH))
        pin = config.safe_led(raw)
        low = pin is not None and raw["board"].get("status_led_active_low") is True
        del raw
    except Exception:  # noqa: BLE001,S110 - no LED then
        pass
    _unload_config()
    _idle("safe_mode", pin, low)


def main(services=None):
    """Start the board. services defaults to SERVICES."""
    global mode, app
    import machine

    from firmware import safemode

    counter = safemode.counter()
    stored, last = counter.read()
    user = (getattr(machine, "PWRON_RESET", -1), getattr(machine, "HARD_RESET", -1))
    n, note = safemode.decide(stored, machine.reset_cause(), user,
                              getattr(machine, "WDT_RESET", -1))
    if note:
        last = note
        log("app: the watchdog reset the board")
    if n == 0 and stored:
        counter.clear()
    if safemode.in_safe_mode(n):
        _safe_mode(n, last)
        return
    if n:
        log("app: quick restart %d of %d before safe mode (last: %s)"
            % (n, safemode.CRASH_LIMIT, last or "unknown"))
    cfg = _config()
    if cfg is None:
        return
    counter.write(n + 1, last)
    app = App(cfg, counter, n, SERVICES if services is None else services)
    try:
        asyncio.run(app.run())
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
        _reset_after(RESTART_DELAY_S, app.wdt)
    except KeyboardInterrupt:
        log("app: restart cancelled; the REPL is free")
