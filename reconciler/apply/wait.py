"""Wait, bounded, for a written connection to settle, and judge the state it settles in."""

from __future__ import annotations

import threading
from typing import Any

from reconciler.aws.live import describe
from reconciler.clock import REAL, Clock
from reconciler.model import SETTLED_OK, TRANSITIONAL

FIRST_POLL = 0.2
MAX_POLL = 5.0
STOP_GRACE = 5.0  # seconds a wait in flight goes on after SIGINT/SIGTERM
# NotFound answers waited out right after a create: the Terraform AWS provider's state waiters
# accept 20 (NotFoundChecks), as reads lag a create (eventual consistency).
NOT_FOUND_CHECKS = 20


class Unsettled(Exception):
    def __init__(self, state: str, reason: str, timed_out: bool, interrupted: bool = False) -> None:
        self.state, self.reason, self.timed_out, self.interrupted = state, reason, timed_out, interrupted
        super().__init__(state)


def wait_settled(
    client: Any,
    name: str,
    timeout: float,
    stop: threading.Event | None = None,
    absent_ok: int = 0,
    first_poll: float = FIRST_POLL,
    clock: Clock = REAL,
) -> str:
    """The settled state (AUTHORIZED or ACTIVE), or `Unsettled` for any other outcome.

    DEAUTHORIZED and FAILED_CONNECTIVITY are failures, not successes: EventBridge could
    not authorize or reach the endpoint (AWS docs, connection states). Once `stop` is set
    the wait goes on for at most STOP_GRACE more seconds, then ends as interrupted: the
    write was sent, and a private OAuth connection can take many minutes to settle,
    longer than anyone waits after Ctrl-C. Up to `absent_ok` NotFound answers are taken
    for a connection not readable yet, rather than one that is gone.
    """
    deadline = clock.now() + timeout
    delay = first_poll
    interrupted = False
    while True:
        live = describe(client, name)
        state = live.state if live else "DELETED"
        reason = live.state_reason if live else ""
        if state in SETTLED_OK:
            return state
        if live is None and absent_ok > 0:
            absent_ok -= 1
        elif state not in TRANSITIONAL:
            raise Unsettled(state, reason, timed_out=False)
        now = clock.now()
        if stop is not None and stop.is_set() and not interrupted and now + STOP_GRACE < deadline:
            deadline, interrupted = now + STOP_GRACE, True
        remaining = deadline - now
        if remaining <= 0:
            raise Unsettled(state, reason, timed_out=not interrupted, interrupted=interrupted)
        # The last sleep is cut to the deadline so "still X after Ns" is true, not early;
        # a stop wakes the sleep so the grace period starts at once.
        clock.pause(min(delay, remaining), stop if stop is not None and not stop.is_set() else None)
        delay = min(MAX_POLL, delay * 2)
