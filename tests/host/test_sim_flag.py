"""The simulated board's ThreadSafeFlag (tools/sim/agent.py): the port's behaviour, without
the unix port's poll penalty (a waiting flag must not sit in asyncio's poll set)."""

from mpy import run_mp


def test_flag_wakes_on_irq_and_never_enters_the_poll_set():
    r = run_mp("tests/host/mp_sim_flag.py", heap="64wK",
               extra_path=["tools/sim/fakes", "tools/sim"])
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.split("\n")
    assert "early 1" in lines
    assert "waiting, poll set 0" in lines  # the port's flag would be 1: a non-fd pollable
    assert "woken [0]" in lines  # one wake for the falling edge, none for the rising one
