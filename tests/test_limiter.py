"""The read limiter (aws/limiter.py) on a fake clock: how it slows down and recovers."""

from __future__ import annotations

import pytest

from reconciler.aws.limiter import DECREASE, MIN_RATE, AdaptiveLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_no_limit_until_throttled() -> None:
    time = FakeTime()
    limiter = AdaptiveLimiter(time.clock, time.sleep)
    for _ in range(500):
        limiter.acquire()
    assert limiter.rate is None and time.slept == []


def test_a_throttle_cuts_the_rate_to_a_share_of_what_was_sent() -> None:
    time = FakeTime()
    limiter = AdaptiveLimiter(time.clock, time.sleep)
    for _ in range(100):  # 100 calls within the last second
        limiter.acquire()
        time.now += 0.005
    limiter.throttled()
    assert limiter.rate == pytest.approx(100 * DECREASE)
    time.slept.clear()
    for _ in range(10):
        limiter.acquire()
    # Calls are now spaced 1/rate apart (the first goes at once).
    assert sum(time.slept) == pytest.approx(9 / (100 * DECREASE))


def test_throttling_that_goes_on_stops_at_the_floor_and_success_recovers() -> None:
    time = FakeTime()
    limiter = AdaptiveLimiter(time.clock, time.sleep)
    for _ in range(50):
        limiter.acquire()
        limiter.throttled()
    assert limiter.rate == MIN_RATE
    for _ in range(20):
        limiter.acquire()
        limiter.succeeded()
    assert limiter.rate == MIN_RATE + 20
