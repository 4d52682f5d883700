"""Wait, bounded, for a written connection to settle, and judge the state it settles in."""

from __future__ import annotations

import threading
import time
from typing import Any

from reconciler.aws.live import describe
from reconciler.plan.model import SETTLED_OK, TRANSITIONAL

FIRST_POLL = 0.2
MAX_POLL = 5.0


class Unsettled(Exception):
    def __init__(self, state: str, reason: str, timed_out: bool) -> None:
        self.state, self.reason, self.timed_out = state, reason, timed_out
        super().__init__(state)


def wait_settled(client: Any, name: str, timeout: float, stop: threading.Event | None = None, first_poll: float = FIRST_POLL) -> str:
    """The settled state (AUTHORIZED or ACTIVE), or `Unsettled` for any other outcome.

    DEAUTHORIZED and FAILED_CONNECTIVITY are failures, not successes: EventBridge could
    not authorize or reach the endpoint (AWS docs, connection states).
    """
    deadline = time.monotonic() + timeout
    delay = first_poll
    while True:
        live = describe(client, name)
        state = live.state if live else "DELETED"
        reason = live.state_reason if live else ""
        if state in SETTLED_OK:
            return state
        if state not in TRANSITIONAL:
            raise Unsettled(state, reason, timed_out=False)
        if time.monotonic() + delay > deadline or (stop is not None and stop.is_set() and time.monotonic() > deadline):
            raise Unsettled(state, reason, timed_out=True)
        time.sleep(delay)
        delay = min(MAX_POLL, delay * 2)
