"""Bounded retries for writes, which botocore is told not to retry (see aws/clients.py)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import TypeVar

from botocore.exceptions import ClientError
from botocore.retries.quota import RetryQuota

from reconciler.aws.errors import CONCURRENT, error_code, is_transient
from reconciler.clock import REAL, Clock

T = TypeVar("T")
MAX_ATTEMPTS = 5
MAX_SECONDS = 60.0
BASE_DELAY = 0.5
MAX_DELAY = 8.0
# The same budget botocore's standard mode gives a client's retries (botocore/retries/quota.py):
# a retry costs RETRY_COST of the target's 500, a success without retries earns one back. A
# sustained outage of writes then costs about one request per write plus 100 retries.
RETRY_COST = 5
NO_RETRY_INCREMENT = 1


def with_retries(
    call: Callable[[], T],
    before_retry: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
    quota: RetryQuota | None = None,
    clock: Clock = REAL,
) -> T:
    """Retry throttling, 5xx, resets, timeouts and ConcurrentModificationException
    (after `before_retry`, which re-reads the connection), with full-jitter backoff,
    at most MAX_ATTEMPTS times and MAX_SECONDS, while `quota` has room. Everything else
    is raised at once: retrying the quota error or AccessDenied never helps."""
    deadline = clock.now() + MAX_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            result = call()
        except Exception as exc:
            concurrent = isinstance(exc, ClientError) and error_code(exc) == CONCURRENT
            if not (concurrent or is_transient(exc)) or attempt >= MAX_ATTEMPTS:
                raise
            delay = random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)))
            if clock.now() + delay > deadline or (stop is not None and stop.is_set()):
                raise
            if quota is not None and not quota.acquire(RETRY_COST):
                raise
            clock.pause(delay, stop)  # a signal ends the backoff at once
            if concurrent and before_retry is not None:
                before_retry()
            if stop is not None and stop.is_set():
                raise  # interrupted: send nothing more
        else:
            if quota is not None:
                quota.release(RETRY_COST if attempt > 1 else NO_RETRY_INCREMENT)
            return result
