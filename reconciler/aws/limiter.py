"""A client-side rate limit for one service's reads: none until AWS throttles, then adaptive.

Throttling cuts the rate to 70% of what was being sent (multiplicative decrease); each
call that succeeds raises it by one call per second (additive increase). Under a rate
limit, that settles just below the limit instead of hammering it. Each throttled call
also backs off before its retry (jsonreads.py), as the AWS SDKs' standard retry mode
specifies. The floor keeps a run moving when throttling has nothing to do with the
rate (the benchmark's random throttling): botocore's adaptive mode, whose floor is
0.5 calls/s, took 194 s for 200 connections there.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

DECREASE = 0.7
MIN_RATE = 4.0  # calls per second
WINDOW = 1.0  # seconds over which the sending rate is measured


class AdaptiveLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._rate: float | None = None  # calls per second; None: not limited
        self._next = 0.0  # the earliest time the next call may go
        self._sent: deque[float] = deque()

    @property
    def rate(self) -> float | None:
        return self._rate

    def acquire(self) -> None:
        """Wait for this call's turn."""
        with self._lock:
            now = self._clock()
            self._sent.append(now)
            while self._sent and self._sent[0] < now - WINDOW:
                self._sent.popleft()
            if self._rate is None:
                return
            slot = max(now, self._next)
            self._next = slot + 1.0 / self._rate
        if slot > now:
            self._sleep(slot - now)

    def throttled(self) -> None:
        with self._lock:
            sending = max(len(self._sent) / WINDOW, MIN_RATE)
            current = sending if self._rate is None else min(self._rate, sending)
            self._rate = max(MIN_RATE, current * DECREASE)

    def succeeded(self) -> None:
        with self._lock:
            if self._rate is not None:
                self._rate += 1.0
