# SinricClient's request dispatch with fake ticks and a recording handler, for the portable
# request tests.
import gc

from clock import Clock
from sinric.codec import Codec
from sinric.dispatch import Dispatcher
from support import MICROPYTHON, FakeTicks

SECRET = "a751abdb-e260-4bfd-a42c-60660561123d-3d8e6a30-0f39-42f0-a1ec-e47d47fb1392"
DEV = "5d737888aea17c30a056d759"
NOW = 1700000000


class Rig:
    def __init__(self):
        self.t = FakeTicks()
        self.logs = []
        self.clock = Clock(self.t, log=self.logs.append)
        self.clock.sync(NOW)
        self.acts = []
        # SinricClient's request half, without the connection (which test_sinric_events has)
        self.c = Dispatcher(SECRET, self.clock, self.logs.append)
        self.c.on_request(DEV, self.handler)
        self.codec = Codec(SECRET)
        self.n = 0

    def handler(self, action, value, instance):
        if action == "setPowerState":
            if value.get("state") not in ("On", "Off"):
                raise ValueError('state must be "On" or "Off"')
        elif action == "explode":
            raise RuntimeError("wiring fault")
        elif action == "odd":
            return 42
        elif action == "nan":
            return {"x": float("nan")}
        elif action != "setRangeValue":
            return None
        self.acts.append((action, value, instance))
        return value

    def request(self, action, value=None, **extra):
        self.n += 1
        p = {"action": action, "clientId": "alexa-skill", "createdAt": NOW,
             "deviceAttributes": [], "deviceId": DEV, "replyToken": "token-%d" % self.n,
             "type": "request", "value": {} if value is None else value}
        p.update(extra)
        if p["deviceId"] is None:  # module scope
            del p["deviceId"]
        return self.codec.sign(p)

    def answer(self, raw):
        if MICROPYTHON:
            gc.collect()  # as the client's reader does after each message (MicroPython)
        out = self.c.handle(raw.encode() if isinstance(raw, str) else raw)
        return None if out is None else self.codec.verify(out)  # our responses are signed
