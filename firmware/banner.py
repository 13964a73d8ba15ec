# The boot banner: what runs where, why it (re)started and what it was told to do, in a few
# log lines a person can read. Loaded once at boot and unloaded (app.main), never resident;
# never prints a secret (passwords, keys, tokens).
import gc
import os
import sys

RESETS = ("PWRON_RESET", "HARD_RESET", "WDT_RESET", "DEEPSLEEP_RESET", "SOFT_RESET")


def reset_name(machine, cause):
    """machine.reset_cause() -> 'PWRON_RESET', ... (the port's constant names), or the number."""
    for n in RESETS:
        if getattr(machine, n, None) == cause:
            return n
    return str(cause)


def lines(cfg, machine):
    """[str]: firmware version, chip, MicroPython version, reset cause, free heap, then the
    config without its secrets: Wi-Fi network, clouds, devices (name, type)."""
    try:
        chip = os.uname().machine
    except (AttributeError, OSError):
        chip = "?"
    s = cfg.get("sinric")
    y = cfg.get("yango")
    gc.collect()
    out = ["boot: firmware %s on %s (%s, MicroPython %s), reset cause %s, %d bytes free"
           % (s.get("firmware_version", "?") if s else "?", sys.platform, chip,
              ".".join(str(n) for n in sys.implementation.version[:3]),
              reset_name(machine, machine.reset_cause()), gc.mem_free())]
    out.append("boot: Wi-Fi '%s'; Sinric %s; Yango %s" % (
        cfg["wifi"]["ssid"], s["url"] if s else "off", y["url"] if y else "off"))
    devs = []
    for d in cfg["devices"]:
        devs.append("%s (%s)" % (d["name"], d["type"]))
    out.append("boot: %d device(s): %s" % (len(devs), ", ".join(devs)))
    return out
