"""A fake clock for retry, wait and rate-limit code (reconciler.clock.Clock): time moves only when waited on."""

from __future__ import annotations

import threading


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.time = start
        self.pauses: list[float] = []

    def now(self) -> float:
        return self.time

    def pause(self, seconds: float, stop: threading.Event | None = None) -> None:
        self.pauses.append(seconds)
        self.time += seconds
