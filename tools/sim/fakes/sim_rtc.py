# The simulated board's RTC time, for machine.RTC().datetime() (tools/sim/fakes/machine.py).
# As the ESP ports (ports/esp32/machine_rtc.c: settimeofday/gettimeofday, kept across a soft
# reset; ports/esp8266/machine_rtc.c: the offset kept in RTC memory): a set time survives
# resets; after power-on the RTC counts from 2000-01-01. The set time is kept as an offset
# to the host's clock in a file next to SIM_RTC, which the runner deletes with it on a power
# cycle.
import os
import time

_BOOT = time.time()
_off = [None]


def _secs(dt):
    # (year, month, day, weekday, hour, minute, second, subsecond) UTC -> Unix seconds
    y, mo, d = dt[0] - (dt[1] <= 2), dt[1], dt[2]
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo - 3 if mo > 2 else mo + 9) + 2) // 5 + d - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6]


def datetime(dt=None):
    path = (os.getenv("SIM_RTC") or "") + ".time"
    if dt is not None:
        _off[0] = _secs(dt) - time.time()
        if path != ".time":
            with open(path, "w") as f:
                f.write(repr(_off[0]))
        return None
    off = _off[0]
    if off is None:
        try:
            with open(path) as f:
                off = float(f.read())
        except (OSError, ValueError):
            off = 946684800 - _BOOT  # power-on: 2000-01-01 at boot
    y, mo, d, h, mi, s, wd = time.gmtime(int(time.time() + off))[:7]
    return (y, mo, d, wd, h, mi, s, 0)
