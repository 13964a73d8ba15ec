# Test services for the simulated board (MicroPython: preloaded by the tests/host/test_sim_*
# tests through SimBoard(preload=["simsvc"])). SIMSVC names the ones to plug into
# firmware.app.SERVICES, comma-separated.
import asyncio
import json
import time

import machine
from simplug import plug


def record(ctx):
    """Prints what was saved before, then records this boot twice (the second write is
    coalesced into the interval)."""
    saved = ctx.store.get("rec")
    print("svc: saved " + json.dumps(saved))
    n = (saved or {}).get("boots", 0) + 1
    ctx.store.put("rec", {"boots": n, "phase": 1})

    async def later():
        await asyncio.sleep_ms(300)
        ctx.store.put("rec", {"boots": n, "phase": 2})
        print("svc: phase 2 recorded")

    return later()


def torn(ctx):
    """The power goes between the temp file write and the rename of the second save."""
    print("svc: saved " + json.dumps(ctx.store.get("rec")))
    ctx.store.put("rec", {"v": "old"})

    async def later():
        await asyncio.sleep_ms(1500)

        def cut(a, b):
            print("svc: power cut now")
            time.sleep(60)

        ctx.store._rename = cut
        ctx.store.put("rec", {"v": "new"})

    return later()


def crash(ctx):
    raise RuntimeError("boom at start")


async def _raise_later():
    await asyncio.sleep_ms(300)
    raise ValueError("task boom")


def crash_task(ctx):
    return _raise_later()


async def _block():
    await asyncio.sleep_ms(500)
    print("svc: blocking the loop")
    time.sleep(600)


def block(ctx):
    return _block()


def stuck(ctx):
    ctx.watchdog.watch("stuck", 1000)  # and never checks in
    print("svc: stuck registered")


def wifi_watch(ctx):
    ctx.wifi.subscribe(lambda state: print("svc: wifi " + state))

    async def client():
        print("svc: client up (generation %d)" % ctx.wifi.generation)
        try:
            while True:
                await asyncio.sleep_ms(1000)
        except asyncio.CancelledError:
            print("svc: client cancelled")
            raise

    return ctx.while_online(client, "client")


class Cloud:
    connected = False

    async def run(self):
        while True:
            await asyncio.sleep_ms(1000)


def cloud(ctx):
    return Cloud()


def button(ctx):
    pin = machine.Pin(0, machine.Pin.IN, machine.Pin.PULL_UP)
    pin.irq(lambda p: print("svc: edge %d" % p.value()),
            machine.Pin.IRQ_FALLING | machine.Pin.IRQ_RISING)
    out = machine.Pin(5, machine.Pin.OUT, value=0)
    print("svc: button ready")
    ctx.services["pins"] = (pin, out)


def devices(ctx):
    """The product's devices (config.json), power-on levels and all."""
    from firmware.services import devices as make

    return make(ctx)


plug(globals())
