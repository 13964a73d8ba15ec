# The hardware timers of both simulated boards (the sim's agent.py, the pty board's
# pty_boot.py): on a board machine.Timer callbacks come from the timer hardware whatever the
# program does; here one task on the firmware's loop fires what is due (the fake machine's
# run_timers) every 10 ms. A failing callback is logged and the timers keep running, as a
# board keeps taking timer interrupts after one callback raised.
import asyncio

import machine


async def run(who):
    """who: the board's log prefix ("sim", "pty board")."""
    while True:
        try:
            machine.run_timers()
        except Exception as e:  # noqa: BLE001 - a timer callback must not kill the board
            print("%s: timer callback failed: %r" % (who, e))
        await asyncio.sleep_ms(10)
