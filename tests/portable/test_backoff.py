from backoff import Backoff


def test_delays_double_to_the_cap_within_jitter_bounds():
    lows = Backoff(1000, 60000, rand=lambda n: 0)
    highs = Backoff(1000, 60000, rand=lambda n: n - 1)
    lo = [lows.next_ms() for _ in range(9)]
    hi = [highs.next_ms() for _ in range(9)]
    assert lo == [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
    assert hi == [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]


def test_reset_after_a_stable_connection():
    b = Backoff(1000, 60000, rand=lambda n: n - 1)
    for _ in range(5):
        b.next_ms()
    b.reset()
    assert b.next_ms() == 1000


def test_default_jitter_stays_in_bounds_and_varies():
    b = Backoff(1000, 60000)
    seen = set()
    for _ in range(30):
        b.reset()
        d = b.next_ms()
        assert 500 <= d <= 1000
        seen.add(d)
    assert len(seen) > 5
