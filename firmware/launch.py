# The app's start-up (firmware/app.py App.run): the clock, the watchdog, the status LED, the
# state store, Wi-Fi and time, then the service factories. Boot-only: App.run unloads it once
# it has run, so none of this code's objects stay on the heap (nothing built here may keep a
# closure of this module: it would hold the module's globals; app.watch_service and
# app.hostname_setter make the closures that stay).
import asyncio
import gc


def start(app, services, a):
    """Build what the app runs on (app.clock, .watchdog, .led, .store, .wifi, .time, .hw)
    from app.config and run each (name, factory) of services into app.services, each
    result's task started (the contract in firmware/app.py). a: the firmware.app module
    (passed in, as firmware/startup.py gets it)."""
    import machine
    import network
    from clock import Clock

    from firmware.persist import StateStore
    from firmware.timekeeper import TimeKeeper
    from firmware.watchdog import Watchdog
    from firmware.wifi import Wifi

    log = app.log
    board = app.config["board"]
    asyncio.get_event_loop().set_exception_handler(app.on_error)
    if board["watchdog_s"]:  # first, so a factory that hangs resets the board too
        app.wdt = machine.WDT(timeout=board["watchdog_s"] * 1000)
    # the one clock: every module below measures with it, and it owns Unix time
    app.clock = clock = Clock(log=log)
    app.watchdog = wd = Watchdog(app.wdt, log, clock)
    wd.feed()
    pin = board.get("status_led")
    if pin is None:  # no LED to drive: its module, object and task would be RAM for nothing
        app.led = a.NoLed()
    else:
        from firmware.status_led import StatusLed

        app.led = StatusLed(machine.Pin(pin, machine.Pin.OUT), board["status_led_active_low"],
                            clock)
    app.led.set("connecting")
    app.store = StateStore(a.STATE_PATH, board["state_write_interval_s"], log, clock)
    app.store.load()
    w = app.config["wifi"]
    _ap_off(network, log)
    wlan = network.WLAN(network.STA_IF)
    fails = tuple(getattr(network, n) for n in ("STAT_WRONG_PASSWORD", "STAT_NO_AP_FOUND",
                                                 "STAT_CONNECT_FAIL") if hasattr(network, n))
    app.wifi = Wifi(wlan, w["ssid"], w["password"], hostname=w.get("hostname"),
                    timeout_s=w["timeout_s"], set_hostname=a.hostname_setter(network, wlan),
                    fail_status=fails, log=log, clock=clock)
    app.time = TimeKeeper(clock, app.wifi, board["ntp_server"], _rtc(machine), log)
    app.hw = _hardware()
    for name, factory in services:
        # each factory imports its stack: load it into a compacted heap, so the code
        # blocks of a small board do not land between the previous stack's garbage
        gc.collect()
        try:
            obj = factory(app)
        except MemoryError as e:
            # A service the heap cannot hold: the board runs without it, and says so, rather
            # than crash at every boot into safe mode (a config too big for the heap is not
            # a crash; the devices still answer their buttons and the local page). Every
            # later factory needs the devices, so theirs is still a crash.
            if name == "devices":
                raise
            obj = None
            gc.collect()
            log("%s: not started: out of memory (%s; %d bytes free): fewer devices, plain "
                "ws:// or http://, or the frozen image (docs/memory.md)"
                % (name, e, gc.mem_free()))
        wd.feed()
        if obj is not None:
            app.services[name] = obj
            run = getattr(obj, "run", None)
            asyncio.create_task(run() if run is not None else obj)
            a.watch_service(wd, name, obj)
            if hasattr(obj, "heap_stuck"):  # the cloud clients (see the seam in firmware.app)
                obj.heap_stuck = app.restart


def _hardware():
    try:
        from firmware import hardware

        return hardware
    except ImportError:
        return None


def _rtc(machine):
    try:
        return machine.RTC()
    except Exception:  # noqa: BLE001 - a port without one: SNTP and Sinric only
        return None


def _ap_off(network, log):
    """Turn the access point off: the ESP8266 stock image starts it on first boot with a
    published password (ports/esp8266/modules/inisetup.py) and the SDK keeps it on across
    boots; a board in station mode must not offer it."""
    try:
        ap = network.WLAN(network.AP_IF)
        if ap.active():
            ap.active(False)
            log("wifi: access point %s turned off (the stock image leaves it on)"
                % ap.config("ssid"))
    except Exception as e:  # noqa: BLE001 - a port without an AP interface
        log("wifi: cannot check the access point: %r" % (e,))
