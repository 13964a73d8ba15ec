"""Heap figures held by tests (never timing): the low point of the free heap on the simulated
board, per chip profile (tools/mem_profile.py, tools/bench/mp/mem_probe.py), the demo scenario
(tools/demo/run.py: switch, dimmer, PIR, DHT22, both clouds over ws/http). `make mem` prints
the full figures (docs/memory.md). Each floor sits a few KB under what was measured,
so a regression fails here; the issue's goals that are not reached yet are in docs/memory.md."""
import pytest

from tools import board_files
from tools.mem_profile import heap_bytes, profile


def _need(chip, frozen=False):
    why = board_files.why_unavailable("esp8266" if frozen else chip)
    if why:
        pytest.skip(why)


def _run(chip, heap=None, frozen=None, word32=False):
    r = profile(chip, heap, more=(100,), rest=False, frozen=frozen, word32=word32)
    assert r["error"] is None, r["error"]
    assert r["lows"][100] is not None
    return r["demo_low"], heap_bytes(r["heap"], r["frozen"])


def test_esp32_profile_from_mpy_keeps_15_percent_of_its_heap():
    """.mpy from the filesystem at the ESP32's 112 K words (224 KB on the 64-bit binary):
    measured 17.9 % (41 KB); the 30 % goal is not reached (docs/memory.md)."""
    _need("esp32")
    low, heap = _run("esp32")
    assert low >= heap * 15 // 100, (low, heap)


def test_esp32_profile_from_mpy_on_32_bit_keeps_its_low_point():
    """The same .mpy on the kit's 32-bit interpreter at the ESP32's 112 KB: the loaded
    bytecode takes its full share of the heap, as on the chip (on the 64-bit binary it is the
    same bytes in twice the heap). Measured 14,960-15,344 (13 %) after 100 requests, where
    the 64-bit stand-in says 41 KB (17.9 %); the floor sits 2.5 KB under. The 30 % goal is
    not reached from .mpy (docs/memory.md)."""
    _need("esp32", frozen=True)  # the kit
    low, heap = _run("esp32", word32=True)
    assert heap == 112 * 1024
    assert low >= 12 * 1024, (low, heap)


def test_esp32_profile_frozen_keeps_half_of_its_heap():
    """The ESP32 image with lib/ and firmware/ frozen (`make firmware CHIP=esp32`), played by
    the kit's 32-bit interpreter at 112 KB: measured 56 % free (64 KB); goal 50 %."""
    _need("esp32", frozen=True)
    low, heap = _run("esp32", frozen=True)
    assert heap == 112 * 1024
    assert low >= heap // 2, (low, heap)


# The full config.example.json (11 devices, both clouds over ws/http) on the ESP32 frozen
# image: the floor is the goal itself, half the heap (57,344 bytes). Measured
# 58,320 after 100 requests (docs/memory.md, 3 of 3 runs): 976 bytes above the goal;
# 57,232-57,472 before the devices' and inputs' shared Hardware and sink, their fewer dict
# entries and the simulator's pin state (54,992 before issue 11's per-device cuts).
ESP32_EXAMPLE_FLOOR = 112 * 1024 // 2


def test_esp32_profile_frozen_full_example_keeps_its_low_point():
    _need("esp32", frozen=True)
    r = profile("esp32", config=board_files.ROOT / "config.example.json", more=(100,),
                rest=False, frozen=True)
    assert r["error"] is None, r["error"]
    low = min(r["demo_low"], r["lows"][100])
    assert low >= ESP32_EXAMPLE_FLOOR, (low, ESP32_EXAMPLE_FLOOR)


# The ESP8266 goal (the demo at 38K with 8 KB free at its low point) is not reached: at 38K the
# demo runs out of memory in the Yango factory. This holds the gap from growing: at 38K + 9K
# the demo runs and its low point (3,824-3,888 since issue 11's per-device cuts; 3,232-3,312
# before, floor 2.25 KB then) stays above 3 KB; at 38K + 8K it
# runs too (2,832-2,864 in 2 runs) but with too thin a margin, and at 38K + 7K it fails (an
# incoming Sinric request's frame or a Yango POST finds no hole). Before the firmware's own
# slimming and the cloud side's buffers the gap was 38K + 11K above 2 KB. The demo is about
# 6 KB short of running at 38K and 14 KB short of the 8 KB margin (docs/memory.md). Lower the
# extra as the firmware shrinks; at 0 with an 8 KB floor this becomes the goal's own test.
ESP8266_EXTRA_K = 9
ESP8266_FLOOR = 3072
EXAMPLE_FLOOR = 3584  # the README's ESP8266 example at 38K (far from the 8 KB goal as well)


def test_esp8266_profile_frozen_demo_gap_does_not_grow():
    _need("esp8266")
    low, heap = _run("esp8266", heap="%dK" % (38 + ESP8266_EXTRA_K))
    assert heap == (38 + ESP8266_EXTRA_K) * 1024
    assert low >= ESP8266_FLOOR, (low, heap)


def test_esp8266_example_config_runs_at_38k_against_the_sinric_double():
    """The README's `make sim CHIP=esp8266 CONFIG=config.esp8266.example.json` (one switch,
    Sinric over ws://) on the frozen kit interpreter at the ESP8266's 38K: it connects and
    answers 100 requests; its low point (measured 4,240 in 3 runs; 3,552-3,584 before the
    Sinric events went into the link's send buffer and the codec's error classes became one)
    stays above 3.5 KB."""
    from tools.mem_profile import sinric_only

    _need("esp8266")
    r = sinric_only("esp8266", more=(100,),
                    config=board_files.ROOT / "config.esp8266.example.json")
    assert r["heap"] == "38K"
    assert r["error"] is None, (r["error"], r["tail"])
    assert min(r["connect_low"], r["lows"][100]) >= EXAMPLE_FLOOR, r
