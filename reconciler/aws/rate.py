"""A client-side request rate cap, shared by every thread and client of one target.

EventBridge allows 50 control-plane requests per second per account and region, shared
with every other caller in the account (EventBridge quotas page; shared AWS-NOTES.md, "API
request quotas"). Going over it throttles reconcile and everyone else, so reconcile spaces
its own requests at a cap just under it (45/s by default) instead of waiting to be
throttled. A throttle means someone else is using the quota too: the rate drops to 70% of
what it was (never below FLOOR) and climbs back as requests succeed, by about one request
per second each second, up to the cap.

It hooks botocore's own events (`before-send`: every attempt, retries included, waits for
its turn; `needs-retry`: every attempt's outcome), so botocore still sends, signs and
retries every request. `clock` is injected, so tests pace it without sleeping.
"""

from __future__ import annotations

import threading
from typing import Any

from reconciler.aws.errors import THROTTLING
from reconciler.clock import REAL, Clock

EVENTBRIDGE_QUOTA = 50.0  # requests per second per account and region (EventBridge quotas page)
DEFAULT_EVENTBRIDGE_RPS = 45.0  # headroom under the quota for other callers and clock skew
# Secrets Manager: BatchGetSecretValue 100 TPS, GetSecretValue 10,000 TPS (AWS announcement,
# March 2025; Secrets Manager quotas page). A batch reads 20 secrets, so 90 batches/s reads 1,800.
BATCH_GET_SECRET_VALUE_RPS = 90.0
GET_SECRET_VALUE_RPS = 5000.0
DECREASE = 0.7
# Throttling that has nothing to do with reconcile's own rate (a busy account, the benchmark's
# random throttling) must not stall a run: a tenth of the quota still moves.
FLOOR = 5.0  # requests per second


class RateCap:
    """Spaces requests at most `rate` per second apart; slows on throttling, recovers on success."""

    def __init__(self, cap: float, clock: Clock = REAL) -> None:
        if cap <= 0:
            raise ValueError("a rate cap must be positive")
        self.cap = cap
        self._rate = cap
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0.0  # the earliest time the next request may go

    @property
    def rate(self) -> float:
        return self._rate

    def acquire(self) -> None:
        """Wait for this request's turn."""
        with self._lock:
            now = self._clock.now()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self._rate
        if slot > now:
            self._clock.pause(slot - now)

    def throttled(self) -> None:
        with self._lock:
            self._rate = max(FLOOR, self._rate * DECREASE)

    def succeeded(self) -> None:
        with self._lock:
            self._rate = min(self.cap, self._rate + 1.0 / max(self._rate, 1.0))

    # --- botocore event handlers ---------------------------------------------------------

    def before_send(self, **_kwargs: Any) -> None:
        self.acquire()  # returning None lets botocore send the request itself

    def after_attempt(self, response: Any = None, **_kwargs: Any) -> None:
        """`needs-retry` handler: learn from each attempt's outcome, decide nothing."""
        if not isinstance(response, tuple) or len(response) != 2:
            return  # no response: a connection error, which says nothing about the rate
        http, parsed = response
        code = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        if code in THROTTLING or getattr(http, "status_code", 0) == 429:
            self.throttled()
        elif 200 <= getattr(http, "status_code", 0) < 300:
            self.succeeded()


def attach(client: Any, cap: RateCap, operation: str | None = None) -> None:
    """Put every request of `client` (or of one `operation`) under `cap`."""
    service = client.meta.service_model.service_id.hyphenize()
    suffix = f".{service}.{operation}" if operation else f".{service}"
    client.meta.events.register(f"before-send{suffix}", cap.before_send)
    client.meta.events.register(f"needs-retry{suffix}", cap.after_attempt)
