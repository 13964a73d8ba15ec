# The simulated board's agent and boot sequence; tools/sim/launcher.py explains it.
import asyncio
import gc
import json
import os
import sys
import time

import dht
import machine
import network
import sim_timers

_T0 = time.ticks_ms()
_ballast = None
_repl = [False]  # True once main.py has returned


class _Flag:
    """asyncio.ThreadSafeFlag as the ESP ports' scheduler sees it: free to wait on.

    The flag itself is the port's (extmod/asyncio/event.py); what differs is the poll under
    it. An object without a file descriptor in the poll set makes the unix port's poll()
    wait MICROPY_PY_SELECT_IOCTL_CALL_PERIOD_MS (1 ms) on every pass of the scheduler, even
    a poll that should not wait at all (extmod/modselect.c,
    poll_set_poll_until_ready_or_timeout, under MICROPY_PY_SELECT_POSIX_OPTIMISATIONS, which
    ports/unix/variants/mpconfigvariant_common.h turns on). The ESP ports leave that option
    off (py/mpconfig.h default; ports/esp32/mpconfigport.h, ports/esp8266/mpconfigport.h):
    their poll returns at once when nothing is ready and the timeout is 0. With a button's
    flag waiting, the simulated board spent about 1 ms per task switch, some 18 ms of a
    20 ms Sinric round trip, that no board spends. This stand-in has the same API and
    semantics (set() from the pin IRQ, wait() returns once and clears, clear()); it is safe
    here because the fake pins fire their IRQs from the agent task, on the loop's thread.
    """

    def __init__(self):
        self._e = asyncio.Event()

    def set(self):
        self._e.set()

    def clear(self):
        self._e.clear()

    async def wait(self):
        await self._e.wait()
        self._e.clear()


def _pin(g):
    s = machine.PINS.get(g)
    return s.as_dict() if s else {"gpio": g, "mode": None, "value": 0}


async def _reset():
    await asyncio.sleep_ms(50)  # let the reply go out first
    a = sys.modules.get("firmware.app")
    if a and a.mode == "running":
        a.app.restart("control port")  # saves state, keeps the crash count honest
    machine.reset()


async def _interrupt():
    await asyncio.sleep_ms(50)  # let the reply go out first
    raise KeyboardInterrupt  # ends the firmware's asyncio.run, as Ctrl-C does on a board


def _op(w):
    """One control operation (already checked by the runner) -> a dict for the reply."""
    op = w[0]
    if op == "p":
        return {str(g): s.as_dict() for g, s in machine.PINS.items()}
    if op == "i":
        gc.collect()
        a = sys.modules.get("firmware.app")
        d = {"app": a.mode if a else None, "free": gc.mem_free(), "alloc": gc.mem_alloc(),
             "uptime_ms": time.ticks_diff(time.ticks_ms(), _T0),
             "reset_cause": machine.reset_cause(), "link": network._link_up,
             "chip": sys.platform, "ap": network.WLAN(network.AP_IF).active()}
        run = a and a.app
        if run and run.wifi:
            d["wifi"] = run.wifi.state
            d["led"] = run.led.state
        return d
    if op == "r":
        asyncio.create_task(_reset())
        return {"reset": True}
    if op == "c":
        a = sys.modules.get("firmware.app")
        if _repl[0] or not a or a.mode != "running":
            return {"error": "the app is not running"}
        asyncio.create_task(_interrupt())
        return {"interrupt": True}
    if op == "w":
        network.set_link(w[1] == "1")
        return {"wifi": "up" if w[1] == "1" else "down"}
    g = int(w[1])
    if op == "g":
        return _pin(g)
    if op == "s":
        s = machine.PINS.get(g)
        if s and s.mode in ("out", "pwm"):
            return {"error": "GPIO %d is an output (%s)" % (g, s.mode)}
        machine.drive(g, int(w[2]))
        return _pin(g)
    if op == "d":
        if len(w) == 2:
            dht.READINGS[g] = None  # the sensor stops answering
            return {"gpio": g, "reading": None}
        if w[2] == "c":
            dht.READINGS[g] = dht.CHECKSUM  # the transfer is garbled
            return {"gpio": g, "reading": "checksum error"}
        dht.set_reading(g, float(w[2]), float(w[3]))
        return {"gpio": g, "celsius": float(w[2]), "humidity": float(w[3])}
    return {"error": "unknown op"}


def _repl_line(line, env):
    try:
        try:
            code = compile(line, "<stdin>", "eval")
        except SyntaxError:
            exec(line, env)
            return
        v = eval(code, env)
        if v is not None:
            print(repr(v))
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - a REPL prints and carries on
        sys.print_exception(e)


async def _agent():
    # A task on the board's loop, so the app's exception handler (firmware/launch.py) would
    # take a death of this task for one of its own and crash the app: the agent must not
    # die of a heap the firmware filled, which on a real board (no agent) would go on.
    env = {"__name__": "__main__"}
    r = asyncio.StreamReader(sys.stdin)
    while True:
        try:
            line = await r.readline()
            if not line:
                print("sim: stdin closed; power off")
                sys.exit(0)
            _agent_line(line.decode().strip(), env)
        except MemoryError:
            line = None
            gc.collect()
            try:
                print("sim: agent out of memory: a control line was lost")
            except MemoryError:
                pass
            # the firmware's turn: a read that fails at once again would hold the loop
            # (asyncio's sleep_ms allocates nothing: extmod/asyncio/core.py SingletonGenerator)
            await asyncio.sleep_ms(50)


def _agent_line(line, env):
    if line.startswith("@sim:"):
        w = line[5:].split()
        try:
            reply = _op(w[1:])
        except Exception as e:  # noqa: BLE001 - the control port never takes the board down
            reply = {"error": "board: %r" % (e,)}
        print("@sim:%s %s" % (w[0], json.dumps(reply)))
    elif line and not _repl[0]:
        print("sim: the app is running; the REPL answers after main.py returns")
    elif line:
        print(">>> " + line)
        _repl_line(line, env)


def _run_file(name):
    path = os.getenv("SIM_ROOT", ".") + "/" + name
    try:
        with open(path) as f:
            src = f.read()
    except OSError:
        print("sim: no %s" % name)
        return
    code = compile(src, name, "exec")
    del src
    gc.collect()
    try:
        exec(code, {"__name__": "__main__"})
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as e:  # noqa: BLE001 - like the board: traceback, then the REPL
        sys.print_exception(e)


def _set_knob(knob):
    """module.ATTR=number, e.g. firmware.app.RESTART_DELAY_S=1 (timing knobs for tests)."""
    name, value = knob.split("=", 1)
    mod, attr = name.rsplit(".", 1)
    __import__(mod)
    setattr(sys.modules[mod], attr, float(value) if "." in value else int(value))


async def _idle():
    while True:
        await asyncio.sleep_ms(1000)


class _Names:
    pass


def _fresh_qstr_pool():
    """Interned names live in pools that double in size as they fill; the simulator's own
    names (agent, fakes, chip profile) have no place on a board, yet they would bring forward
    the moment the firmware needs its next, large, contiguous pool (on a board the firmware's
    names start in small pools). Fill the current pool with throwaway names until the next one
    is allocated now, charged to the simulator: the firmware's names start in fresh room."""
    gc.collect()
    before = gc.mem_free()
    for i in range(4096):
        getattr(_Names, "_sim%d" % i, None)  # getattr interns the name
        gc.collect()
        now = gc.mem_free()
        if before - now > 1024:  # a new pool, not just string bytes
            return
        before = now


def _as_board(f0):
    """The runner gives the interpreter SIM_EXTRA bytes more heap than the board it models;
    pin down all of it but what this simulator itself took (code the board has in C), so
    the firmware sees the free heap it would see on the board."""
    global _ballast
    extra = int(os.getenv("SIM_EXTRA") or 0)
    if extra:
        _fresh_qstr_pool()
        gc.collect()
        overhead = f0 - gc.mem_free()
        _ballast = bytearray(extra - overhead)
        gc.collect()
        print("sim: simulator overhead %d bytes (not charged); %d bytes free for the firmware"
              % (overhead, gc.mem_free()))


def main(f0):
    """f0: gc.mem_free() before the simulator's own modules were loaded."""
    asyncio.ThreadSafeFlag = _Flag
    asyncio.create_task(sim_timers.run("sim"))
    asyncio.create_task(_agent())
    print("sim: boot, reset cause %d" % machine.reset_cause())
    _as_board(f0)
    for knob in (os.getenv("SIM_KNOBS") or "").split(","):
        if knob:
            _set_knob(knob)
    for name in (os.getenv("SIM_PRELOAD") or "").split(","):
        if name:
            __import__(name)
    gc.collect()
    _run_file("boot.py")
    try:
        _run_file("main.py")
    except KeyboardInterrupt:
        print("KeyboardInterrupt")
    _repl[0] = True
    print("sim: main.py returned; the REPL is free (Python lines on stdin)")
    # a board at the REPL runs no loop: the firmware's tasks stay stopped
    asyncio.new_event_loop()
    asyncio.create_task(sim_timers.run("sim"))
    asyncio.create_task(_agent())
    asyncio.run(_idle())
