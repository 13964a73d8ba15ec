# The pseudo-terminal board's "ROM" (tools/ptyboard.py runs it on the MicroPython unix port
# with `-i`, cwd = the board's filesystem, the fakes of tools/sim/fakes on the path). Like an
# ESP port after a reset (ports/esp32/main.c, ports/esp8266/main.c: boot.py, then main.py, then
# the REPL on the UART) it runs the board's own boot.py and main.py, then the interpreter's
# REPL takes the terminal, where mpremote finds it. Two tasks join the firmware's loop, created
# here before main.py's asyncio.run (MicroPython keeps tasks created before run()): the fake
# machine's timers, and the UART's Ctrl-C, which on an ESP raises KeyboardInterrupt in the
# running program (ports/esp32/uart.c, ports/esp8266/esp_mphal.c: mp_interrupt_char). A signal
# would not do: the unix port's SIGINT handler exits on a second Ctrl-C and is unset between
# programs (ports/unix/unix_mphal.c).
import asyncio
import os
import select
import sys

import sim_timers


async def _uart():
    p = select.poll()
    p.register(sys.stdin, select.POLLIN)
    while True:
        for _ in p.ipoll(0):
            if sys.stdin.buffer.read(1) == b"\x03":
                raise KeyboardInterrupt
        await asyncio.sleep_ms(20)


def _run(name):
    try:
        os.stat(name)
    except OSError:
        return
    try:
        with open(name) as f:
            code = compile(f.read(), name, "exec")
        exec(code, {"__name__": "__main__"})
    except KeyboardInterrupt:
        print("KeyboardInterrupt")
    except SystemExit:
        raise
    except BaseException as e:  # noqa: BLE001 - as on the board: traceback, then the REPL
        sys.print_exception(e)


asyncio.create_task(sim_timers.run("pty board"))
asyncio.create_task(_uart())
_run("boot.py")
_run("main.py")
asyncio.new_event_loop()  # a board at the REPL runs no loop
