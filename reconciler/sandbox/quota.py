"""EventBridge's API request quota, as a token bucket per account and region.

Every EventBridge API other than PutEvents is limited to 50 requests per second by default
per account and region (EventBridge quotas page, "all other API requests"; shared
AWS-NOTES.md, "API request quotas"). AWS documents the rate, not the bucket: one second of
burst is assumed here. Beyond it a request gets ThrottlingException, "Rate exceeded", as
every throttled AWS JSON API answers. moto has no quota at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.wire import AwsError, AwsRequest, Environ, Reply

EVENTBRIDGE_RPS = 50.0
UNLIMITED = frozenset({"PutEvents"})  # its own, far higher quota


class Bucket:
    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate  # one second of burst, full at the start
        self.stamp = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RequestQuota:
    """A layer: EventBridge requests over `rate` per second (per account and region) are throttled."""

    def __init__(
        self,
        rate: float = EVENTBRIDGE_RPS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.enabled = True
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self.throttled = 0  # requests answered ThrottlingException by this quota

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
            self.throttled = 0

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        if self.enabled and request.prefix == "AWSEvents" and request.action not in UNLIMITED:
            key = (request.account, request.region)
            with self._lock:
                now = self._clock()
                bucket = self._buckets.setdefault(key, Bucket(self.rate, now))
                allowed = bucket.take(now)
                if not allowed:
                    self.throttled += 1
            if not allowed:
                raise AwsError("ThrottlingException", "Rate exceeded", 400)
        return inner(request, environ)
