# firmware/inputs.py: debounce, IRQ or polling, rate limit; time comes from injected ticks.
import asyncio

from fakehw import Board
from oomlog import OomLog
from support import raises

from firmware.inputs import ButtonInput, Input


class Seen:
    def __init__(self):
        self.levels = []

    def __call__(self, level):
        self.levels.append(level)


def bounce(b, inp, gpio, final, n=6, gap=3):
    for _ in range(n):
        b.drive(gpio, 1 - final)
        b.run(gap, inp, step=1)
        b.drive(gpio, final)
        b.run(gap, inp, step=1)


def test_bouncing_button_gives_exactly_one_press():
    b = Board()
    seen = Seen()
    btn = ButtonInput(b.hw, 0, seen, active_low=True, pull="up")
    assert btn.irq and btn.level is False
    bounce(b, btn, 0, 0)  # pressed, with 6 bounces
    b.run(100, btn)
    bounce(b, btn, 0, 1)  # released, with bounces
    b.run(100, btn)
    assert seen.levels == [True, False]


def test_short_glitch_is_ignored():
    b = Board()
    seen = Seen()
    btn = Input(b.hw, 0, seen, active_low=True, pull="up", debounce_ms=30)
    b.drive(0, 0)
    b.run(20, btn)
    b.drive(0, 1)
    b.run(200, btn)
    assert seen.levels == [] and not btn.busy()


def test_level_must_hold_for_debounce_ms():
    b = Board()
    seen = Seen()
    pir = Input(b.hw, 35, seen, debounce_ms=100)
    b.drive(35, 1)
    b.run(90, pir)
    assert seen.levels == []
    b.run(20, pir)
    assert seen.levels == [True]


def test_irq_edges_restart_the_debounce_even_between_samples():
    b = Board()
    seen = Seen()
    inp = Input(b.hw, 36, seen, debounce_ms=50)
    b.drive(36, 1)
    b.run(40, inp)
    b.drive(36, 0)  # a glitch back and forth between two polls: only the IRQ sees it
    b.drive(36, 1)
    b.run(40, inp)
    assert seen.levels == []  # 80 ms high, but the last edge was 40 ms ago
    b.run(20, inp)
    assert seen.levels == [True]


def test_pin_without_irq_is_polled():
    b = Board()
    seen = Seen()
    pin_irq = b.hw.machine.Pin.irq

    def no_irq(self, handler=None, trigger=0):
        raise ValueError("no IRQ on this pin")

    b.hw.machine.Pin.irq = no_irq
    try:
        inp = Input(b.hw, 16, seen)
    finally:
        b.hw.machine.Pin.irq = pin_irq
    assert not inp.irq
    b.drive(16, 1)
    b.run(100, inp)
    assert seen.levels == [True]


def test_chattering_pir_is_rate_limited_and_its_final_state_goes_out():
    b = Board()
    seen = Seen()
    pir = Input(b.hw, 35, seen, debounce_ms=50)
    level = 0
    for _ in range(100):  # 100 changes, each held 120 ms: every one passes the debounce
        level ^= 1
        b.drive(35, level)
        b.run(120, pir)
    # 12 s of chatter: the burst, then one per refill_ms
    assert pir.burst <= len(seen.levels) <= pir.burst + 12000 // pir.refill_ms + 1
    assert pir.merged > 0  # held-back changes were folded into later ones
    b.drive(35, 1)  # settles detected
    b.run(3000, pir)
    assert seen.levels[-1] is True and pir.level is True and not pir.busy()
    for a, c in zip(seen.levels, seen.levels[1:]):
        assert a != c  # every event is a real change


def test_rate_limit_refills_after_a_quiet_spell():
    b = Board()
    seen = Seen()
    pir = Input(b.hw, 35, seen, debounce_ms=10)
    for i in range(pir.burst):
        b.drive(35, (i + 1) & 1)
        b.run(20, pir)
    assert len(seen.levels) == pir.burst
    b.run(pir.burst * pir.refill_ms, pir)
    b.drive(35, 1)
    b.run(20, pir)
    b.drive(35, 0)
    b.run(20, pir)
    assert len(seen.levels) == pir.burst + 2  # both went straight out


def test_ticks_wrap_does_not_stick_the_limiter():
    b = Board()
    seen = Seen()
    pir = Input(b.hw, 35, seen, debounce_ms=10)
    for i in range(pir.burst):
        b.drive(35, (i + 1) & 1)
        b.run(20, pir)
    b.ticks.advance(1 << 29)  # half the tick period: diffs turn negative
    b.drive(35, 1)
    b.run(20, pir)
    assert seen.levels[-1] is True and not pir.busy()


class _Stop(Exception):
    pass


def test_an_input_handler_failing_on_a_full_heap_keeps_the_inputs_running():
    # The failure may be the heap's: the line with its details may not fit either, and its
    # MemoryError ended the task (the app took that for a crash); a short constant line now.
    from firmware import inputs

    b = Board()
    log = b.hw.log = OomLog("input 5: ")
    seen = []

    class Failing:
        _pin = 5
        irq = True

        def busy(self):
            return False

        def poll(self):
            seen.append(1)
            raise MemoryError("memory allocation failed, allocating 48 bytes")

    class Flag:
        async def wait(self):
            if len(seen) == 2:
                raise _Stop

    b.hw.flag = Flag
    with raises(_Stop):
        asyncio.run(inputs.run([Failing()], b.hw))
    assert len(seen) == 2
    assert log.lines == ["input: handler failed (out of memory for the details)"] * 2
