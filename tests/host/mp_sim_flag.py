# Run by tests/host/test_sim_flag.py under MicroPython: the simulated board's
# asyncio.ThreadSafeFlag (tools/sim/agent.py) behaves as the port's and leaves no object
# without a file descriptor in the poll set while it waits (the unix port's 1 ms penalty).
import asyncio

import agent
import machine

asyncio.ThreadSafeFlag = agent._Flag  # what agent.main() installs before boot.py
got = []


async def waiter(f):
    while True:
        await f.wait()
        got.append(machine.PINS[4].value)


async def main():
    f = asyncio.ThreadSafeFlag()
    f.set()  # set before anyone waits: the next wait returns at once, and clears it
    await f.wait()
    print("early", 1)
    p = machine.Pin(4, machine.Pin.IN, machine.Pin.PULL_UP)
    p.irq(handler=lambda pin: f.set(), trigger=machine.Pin.IRQ_FALLING)
    asyncio.create_task(waiter(f))
    await asyncio.sleep_ms(20)
    print("waiting, poll set", len(asyncio.core._io_queue.map))
    machine.drive(4, 0)  # the edge fires the IRQ, which sets the flag
    await asyncio.sleep_ms(20)
    machine.drive(4, 1)  # a rising edge: no IRQ for this trigger
    await asyncio.sleep_ms(20)
    f.clear()
    print("woken", got)


asyncio.run(main())
