# Boot-loop protection. Every boot that starts the app counts as "unproven" until it has run
# STABLE_S seconds; a crash, a watchdog reset or a panic before that leaves the count up.
# After CRASH_LIMIT unproven boots in a row the board enters safe mode: the app is not
# started and the REPL stays free. A start that only a person causes clears the count, and so
# does leave() from the REPL. Which causes those are depends on the chip (CAUSES below):
# an ESP32 reports machine.reset() and a panic as HARD_RESET (its reset button gives
# PWRON_RESET), so HARD_RESET there is never a person; on an ESP8266 it is the reset pin.
# The count lives in RTC memory where the port has it (survives resets, not power cuts, no
# flash wear), else in a small file.
from firmware.crash_counter import FILE, CrashCounter  # noqa: F401 - public here too

CRASH_LIMIT = 3
STABLE_S = 120


# sys.platform -> (causes only a person gives, causes a watchdog leaves), as machine constant
# names or numbers. esp32 modmachine.c: ESP_RST_POWERON (power-on, the EN button) ->
# PWRON_RESET; ESP_RST_SW (machine.reset()) and ESP_RST_PANIC -> HARD_RESET. esp8266
# modmachine.c: the SDK's rst_reason; HARD_RESET is REASON_EXT_SYS_RST (the reset pin),
# machine.reset() gives SOFT_RESET, a starved machine.WDT REASON_SOFT_WDT_RST (3, unnamed).
CAUSES = {"esp32": (("PWRON_RESET",), ("WDT_RESET",)),
          "esp8266": (("PWRON_RESET", "HARD_RESET"), ("WDT_RESET", 3))}
_ANY = (("PWRON_RESET", "HARD_RESET"), ("WDT_RESET",))  # another port: the old rule


def causes(platform, machine):
    """(user_causes, wdt_causes) for decide(): machine.reset_cause() values on platform."""
    c = CAUSES.get(platform, _ANY)
    return tuple(tuple(n if isinstance(n, int) else getattr(machine, n, -1) for n in t)
                 for t in c)


def decide(count, reset_cause, user_causes, wdt_causes):
    """(count to use, note) at boot. user_causes, wdt_causes: tuples of machine.reset_cause()
    values (causes()). A person's reset clears the count; a watchdog reset
    is noted because nothing could record it."""
    if reset_cause in user_causes:
        return 0, None
    if reset_cause in wdt_causes:
        return count, "watchdog reset"
    return count, None


def in_safe_mode(count):
    return count >= CRASH_LIMIT


def counter():
    """The board's counter: RTC memory when available, else the file."""
    try:
        import machine

        return CrashCounter(machine.RTC())
    except (ImportError, AttributeError, OSError, ValueError):
        return CrashCounter()


def leave(reset=True):
    """Leave safe mode from the REPL: clears the count and (by default) resets."""
    counter().write(0)
    print("safemode: cleared; the app starts on the next boot")
    if reset:
        import machine

        machine.reset()
