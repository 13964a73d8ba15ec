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


def test_the_range_is_half_to_all_of_the_current_step_at_any_size():
    for cur in (1, 2, 3, 999, 1001, 60001):
        assert Backoff(cur, cur, rand=lambda n: n - 1).next_ms() == cur  # top included
        assert Backoff(cur, cur, rand=lambda n: 0).next_ms() == cur // 2


def test_product_defaults_are_1_s_doubling_to_60_s():
    b = Backoff(rand=lambda n: n - 1)
    assert [b.next_ms() for _ in range(8)] == [1000, 2000, 4000, 8000, 16000, 32000, 60000,
                                               60000]


def test_default_jitter_covers_the_whole_range():
    b = Backoff(1000, 1000)
    got = [b.next_ms() for _ in range(400)]
    assert min(got) >= 500 and max(got) <= 1000
    assert min(got) < 550 and max(got) > 950  # spread over [500, 1000], not bunched


def test_no_jitter_when_the_window_is_empty():
    def never(n):
        raise AssertionError("rand called with an empty window")

    b = Backoff(2048, 16384, rand=never, lo=1024, hi=1024)
    assert [b.next_ms() for _ in range(5)] == [2048, 4096, 8192, 16384, 16384]
    b = Backoff(2048, 2048, rand=lambda n: 0, lo=256, hi=257)  # a window of one: fixed 1/4
    assert b.next_ms() == 512
