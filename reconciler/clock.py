"""Time, injected: retries, waits and limits take a Clock, so tests run them on a fake one."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic clock."""

    def pause(self, seconds: float, stop: threading.Event | None = None) -> None:
        """Wait `seconds`, or until `stop` is set."""


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def pause(self, seconds: float, stop: threading.Event | None = None) -> None:
        if stop is not None:
            stop.wait(seconds)  # a signal ends the wait at once
        else:
            time.sleep(seconds)


REAL = RealClock()
