# The hardware timers of both simulated boards (the sim's agent.py, the pty board's
# pty_boot.py): on a board machine.Timer callbacks come from the timer hardware whatever the
# program does; here one task on the firmware's loop fires what is due (the fake machine's
# run_timers) every 10 ms. A failing callback is logged and the timers keep running, as a
# board keeps taking timer interrupts after one callback raised: the ports run a callback
# through py/scheduler.c mp_sched_run_pending, which calls it with
# py/runtime_utils.c mp_call_function_1_protected (the exception printed, never raised into
# the program). Not even a MemoryError on a full heap may end this task: the app's exception
# handler would take it for one of the firmware's own tasks and crash the app.
import asyncio

import machine


async def run(who):
    """who: the board's log prefix ("sim", "pty board")."""
    while True:
        try:
            machine.run_timers()
        except Exception as e:  # noqa: BLE001 - a timer callback must not kill the board
            try:
                print("%s: timer callback failed: %r" % (who, e))
            except MemoryError:
                print("timer callback failed (out of memory for the details)")
        await asyncio.sleep_ms(10)
