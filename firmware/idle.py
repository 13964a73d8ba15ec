# The two states in which the app does not start: a bad config and safe mode. Each logs why
# and how to get out, blinks the status LED from a machine.Timer (no asyncio loop runs), and
# returns, so main.py ends and the REPL is free. No pin but the status LED is touched, and the
# LED only when no device field names its GPIO (a broken config may map it onto a relay).
from firmware import config, status_led

_led = None  # keeps the timer-driven LED alive


def _blink(state, raw):
    global _led
    pin = config.safe_led(raw) if raw else None
    low = pin is not None and raw["board"].get("status_led_active_low") is True
    _led = status_led.make(pin, low, state)


def config_error(e):
    """e: the ConfigError (or the MemoryError of a huge file) from config.load()."""
    print(("config: %s" if isinstance(e, config.ConfigError) else "config: %r") % (e,))
    print("app: not started; fix config.json and reset (the REPL is free)")
    _blink(status_led.CONFIG_ERROR, getattr(e, "raw", None))


def safe_mode(count, last, path):
    print("SAFE MODE: %d quick restarts in a row (last: %s); the app is not started"
          % (count, last or "unknown"))
    print("safe mode: the REPL is free. Fix the cause, then power-cycle the board, or run"
          " `import firmware.safemode as s; s.leave()`")
    raw = None
    try:
        raw = config.parse(config.read(path))
    except Exception:  # noqa: BLE001,S110 - no LED then
        pass
    _blink(status_led.SAFE_MODE, raw)
