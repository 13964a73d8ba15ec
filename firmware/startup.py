# The boot up to the app (firmware/app.py main()): the safe-mode decision, the config check,
# the setup access point when there are no usable Wi-Fi settings, the banner. Loaded for the
# boot only: main() unloads it (and firmware.safemode) before the app starts, so a running
# board keeps none of this code (its bytecode, from .mpy, is in RAM).
import sys
import time


def boot(a):
    """a: the firmware.app module (its log, mode, paths, ports and knobs; passed in, as this
    module must not import it back). Returns (config, crash counter, crash count before this
    boot, stable_s) when the app is to start; None when this boot ends in safe mode, the
    config-error idle or the setup access point (a.mode says which)."""
    import machine

    from firmware import safemode

    user, wdt = safemode.causes(sys.platform, machine)
    counter = safemode.counter()
    stored, last = counter.read()
    n, note = safemode.decide(stored, machine.reset_cause(), user, wdt)
    if note:
        last = note
        a.log("app: the watchdog reset the board")
    if n == 0 and stored:
        counter.clear()
    if safemode.in_safe_mode(n):
        from firmware import idle

        a.mode = "safe_mode"
        idle.safe_mode(n, last, a.CONFIG_PATH)
        return None
    if n:
        a.log("app: quick restart %d of %d before safe mode (last: %s)"
              % (n, safemode.CRASH_LIMIT, last or "unknown"))
    cfg, err = _load_config(a)
    reason = _setup_reason(cfg, err)
    if reason:
        from firmware import setup_ap

        a.mode = "setup"
        try:
            setup_ap.setup_boot(counter, n, last, reason, a.log, (a.HTTP_PORT, a.DNS_PORT))
        except KeyboardInterrupt:
            a.mode = "stopped"
            a.log("app: stopped by Ctrl-C; the REPL is free")
        except Exception as e:  # noqa: BLE001 - a crash of the setup boot: counted, restart
            a.log("app: crashed: %r" % (e,))
            sys.print_exception(e)
            a.reset_after(a.RESTART_DELAY_S, None)
        return None
    if cfg is None:
        return None
    _banner(a, cfg, machine)
    counter.write(n + 1, last)
    return cfg, counter, n, safemode.STABLE_S


def _load_config(a):
    """(the validated config, None); (None, the error) when the board has no usable Wi-Fi
    settings (the setup access point follows); (None, None) once the config-error idle has
    started."""
    from firmware import config

    try:
        return config.load(a.CONFIG_PATH), None
    except Exception as e:  # noqa: BLE001 - ConfigError, or MemoryError on a huge file
        if needs_setup(e, a.CONFIG_PATH):
            return None, e
        from firmware import idle

        a.mode = "config_error"
        idle.config_error(e)  # while firmware.config (and its ConfigError) is loaded
        return None, None
    finally:  # used once: give the RAM back
        a.forget("firmware.config", "firmware.config_types", "firmware.config_fields",
                  "firmware.chips", "net.url")


def needs_setup(error, path="config.json"):
    """True when a config.load() error means the board has no Wi-Fi settings to use: no
    config.json at all, or its wifi section missing or invalid. A file that is there but
    broken otherwise keeps the config-error state: the setup page would write over what the
    user pushed."""
    msg = str(error)
    return msg == path + ": not found" or msg.startswith("wifi")


def button_held(pin):
    """True when `pin` (a machine.Pin input with pull-up) reads low for 20 samples 10 ms
    apart (a bounce or a floating line is not a press)."""
    for _ in range(20):
        if pin.value():
            return False
        time.sleep_ms(10)
    return True


def _setup_reason(cfg, err):
    """Why this boot runs the setup access point instead of the app, or None. Imports
    nothing: a normal boot must not pay for the setup page."""
    if cfg is None:
        return "there are no usable Wi-Fi settings (%s)" % (err,) if err else None
    pin = cfg["board"].get("setup_button")
    if pin is not None:
        import machine

        if button_held(machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)):
            return "GPIO %d was held at boot" % pin
    return None


def _banner(a, cfg, machine):
    from firmware import banner

    try:
        for line in banner.lines(cfg, machine):
            a.log(line)
    except Exception as e:  # noqa: BLE001 - a banner never stops a boot
        a.log("boot: banner failed: %r" % (e,))
    finally:
        a.forget("firmware.banner")
