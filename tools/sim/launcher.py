# The simulated board's "ROM": run by tools/sim/run.py on the MicroPython unix port with
# cwd = the board's filesystem and MICROPYPATH = the fakes, lib and the repo root. Before it runs
# the unchanged boot.py and main.py it creates two asyncio tasks (MicroPython's asyncio runs
# tasks created before asyncio.run(), so they live on inside the firmware's loop): the fake
# hardware timers, and the agent that reads stdin. stdin carries
#   "@sim:<id> <op> <args>"  control operations from the runner, answered on stdout with
#                            "@sim:<id> <json>" (the runner serves the TCP control port);
#   other lines              the REPL: executed once main.py has returned (config error, safe
#                            mode, Ctrl-C), as on a board whose main.py ended.
# stdin closing powers the board off, so a board never outlives its runner.
# Environment: SIM_ROOT (where boot.py/main.py are), SIM_KNOBS ("module.ATTR=number,..."
# timing knobs), SIM_PRELOAD (modules imported before boot.py, e.g. test services), and the
# fakes' SIM_CHIP, SIM_IMAGE, SIM_RESET_KIND, SIM_RTC and SIM_WIFI; SIM_EXTRA (see
# agent._as_board). sys.platform reads as the chip played ("esp32"/"esp8266"), as the firmware
# tells its chip by it; an ESP8266 1M/512K image (SIM_IMAGE) has no asyncio for the firmware.
# This stub only notes the free heap first, so that the simulator's own modules (agent, fakes)
# can be left out of what the firmware is charged (see agent._as_board).
import asyncio  # noqa: F401
import gc
import json  # noqa: F401 - loaded first: the board has these too
import os  # noqa: F401
import sys  # noqa: F401
import time  # noqa: F401

gc.collect()
_f0 = gc.mem_free()


class _Sys:
    """sys as the board has it: the chip's platform name, everything else the real sys."""

    platform = os.getenv("SIM_CHIP") or "esp32"

    def __getattr__(self, name):
        return getattr(_sys, name)


_sys = sys
sys.modules["sys"] = _Sys()  # the built-in sys is read-only; imports find this one first
import agent  # noqa: E402

if os.getenv("SIM_IMAGE"):  # manifest_512kiB.py / the port manifest of FLASH_1M: no asyncio
    for _k in list(sys.modules):  # (the agent keeps its own reference)
        if _k == "asyncio" or _k.startswith("asyncio."):
            del sys.modules[_k]
    for _k in list(sys.path):
        if _k.endswith(".frozen"):
            sys.path.remove(_k)
agent.main(_f0)
