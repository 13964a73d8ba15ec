# More test services for the simulated board, kept apart from simsvc.py so that each stays
# small enough to compile on a 38 KB heap: the product's clouds made to hang, and a service
# that crashes on request. SIMSVC: "name" or "name=function" (run under name), comma-separated.
import asyncio

from simplug import plug


async def _forever(*args, **kw):
    await asyncio.Event().wait()


def hung_sinric(ctx):
    """The product's Sinric client, with a connect that never returns (no timeout of its
    own): the task hangs there for good."""
    import net.ws
    from sinric.client import SinricClient

    from firmware import services

    net.ws.connect = _forever
    # short waits, so its watchdog limit (watch_ms) comes in test time
    for k in ("connect_timeout_ms", "timestamp_timeout_ms", "ping_interval_ms"):
        setattr(SinricClient, k, 1000)
    print("svc: sinric connect hangs")
    return services.sinric(ctx)


def hung_yango(ctx):
    """The product's Yango notifier, with an HTTP request that never returns; the clock is
    synced by hand (no Sinric here), so the notifier has something to send."""
    from net import http_client
    from yango.notifier import YangoNotifier

    from firmware import services

    http_client.request = _forever
    YangoNotifier.idle_ms, YangoNotifier.timeout_s = 1000, 1  # watch_ms in test time
    ctx.clock.sync(1700000000)
    print("svc: yango request hangs")
    return services.yango(ctx)


def crash_while_flagged(ctx):
    """Crashes 300 ms after the boot (and whenever told later) while the file 'crashes'
    holds a count above 0; each crash takes one off. Otherwise runs quietly."""
    async def run():
        await asyncio.sleep_ms(300)
        while True:
            try:
                with open("crashes") as f:
                    n = int(f.read())
            except (OSError, ValueError):
                n = 0
            if n > 0:
                with open("crashes", "w") as f:
                    f.write(str(n - 1))
                raise ValueError("flagged crash")
            await asyncio.sleep_ms(100)

    return run()


def devices(ctx):
    from firmware import services

    return services.devices(ctx)


plug(globals())
