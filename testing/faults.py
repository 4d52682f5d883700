"""Fault injection: make the next N calls of an action fail the way AWS (or the network) can.

Adding a fault is one entry in FAULTS: a function from the request's service
prefix and the injection's options to an outcome the middleware knows how to
play (an error reply, a dropped connection, or a delay before normal handling).

Besides faults armed for the next N calls, a throttle rate makes a fraction of
the calls (of some actions, or all) answer ThrottlingException at random, as a
busy account does: the load test for botocore's adaptive retry mode.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorOutcome:
    """Answer with an AWS JSON error instead of handling the request."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class DropOutcome:
    """Close the socket without sending a response (the request is not handled)."""


@dataclass(frozen=True)
class LostReplyOutcome:
    """Handle the request, then close the socket instead of replying: AWS acted, the client
    never heard. Its retry meets the effect (ResourceAlreadyExists for a create)."""


@dataclass(frozen=True)
class DelayOutcome:
    """Sleep, then handle the request normally.

    Longer than the client's read timeout, this is a timeout the server still
    acts on, as AWS may: the retried write can then meet its own effect.
    """

    seconds: float


@dataclass(frozen=True)
class GarbledOutcome:
    """Handle the request, then answer 200 with a timestamp that is no timestamp (a reply mangled
    on the way): botocore's parser raises ValueError, which is no BotoCoreError or ClientError,
    the unexpected kind of error apply must still report."""


@dataclass(frozen=True)
class RepeatTokenOutcome:
    """Handle the request, then answer the NextToken it sent as the next one: a listing stuck
    on one page, which a client that trusts NextToken follows forever. A request without a
    NextToken (a first page) is answered as usual, the fault spent."""


Outcome = ErrorOutcome | DropOutcome | LostReplyOutcome | DelayOutcome | GarbledOutcome | RepeatTokenOutcome


@dataclass(frozen=True)
class FaultOptions:
    seconds: float  # for "timeout"
    action: str = ""  # the request's, filled in when the fault fires
    resource: str = ""  # the ARN the request names, when the layer knows it


def _iam_denied(prefix: str, options: FaultOptions) -> str:
    """AccessDenied as IAM words it, naming the action and, when known, the resource."""
    service = "events" if prefix == "AWSEvents" else prefix
    action = f"{service}:{options.action}"
    resource = f" on resource: {options.resource}" if options.resource else ""
    return (
        f"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: {action}{resource} because no "
        f"identity-based policy allows the {action} action"
    )


def _internal_code(prefix: str) -> str:
    # Each service names its 500 differently (botocore models: events InternalException,
    # secretsmanager InternalServiceError).
    return "InternalServiceError" if prefix == "secretsmanager" else "InternalException"


FAULTS: dict[str, Callable[[str, FaultOptions], Outcome]] = {
    "throttle": lambda prefix, _o: ErrorOutcome(400, "ThrottlingException", "Rate exceeded"),
    "500": lambda prefix, _o: ErrorOutcome(500, _internal_code(prefix), "An internal error occurred."),
    "503": lambda prefix, _o: ErrorOutcome(503, "ServiceUnavailableException", "Service is unavailable."),
    "reset": lambda prefix, _o: DropOutcome(),
    "lost_reply": lambda prefix, _o: LostReplyOutcome(),
    "timeout": lambda prefix, options: DelayOutcome(options.seconds),
    "concurrent": lambda prefix, _o: ErrorOutcome(
        400, "ConcurrentModificationException", "Another operation is in progress on this resource."
    ),
    "access_denied": lambda prefix, _o: ErrorOutcome(
        400, "AccessDeniedException", "User is not authorized to perform this action."
    ),
    "access_denied_iam": lambda prefix, o: ErrorOutcome(400, "AccessDeniedException", _iam_denied(prefix, o)),
    # What a read right after a create may answer (eventual consistency).
    "not_found": lambda prefix, o: ErrorOutcome(
        400, "ResourceNotFoundException", f"Failed to describe the connection(s). {o.resource or 'It'} does not exist."
    ),
    "garbled": lambda prefix, _o: GarbledOutcome(),
    "repeat_token": lambda prefix, _o: RepeatTokenOutcome(),
    "limit": lambda prefix, _o: ErrorOutcome(
        400, "LimitExceededException", "The requested resource exceeds the maximum number allowed."
    ),
}

ANY_ACTION = "*"
THROTTLE = "throttle"


@dataclass
class _Armed:
    fault: str
    remaining: int
    options: FaultOptions


@dataclass(frozen=True)
class _ThrottleRate:
    rate: float
    actions: frozenset[str] | None  # None: every action
    draws: random.Random

    def hits(self, action: str) -> bool:
        return (self.actions is None or action in self.actions) and self.draws.random() < self.rate


class FaultPlan:
    """Faults waiting to fire, per action, first armed first fired; then the throttle rate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, list[_Armed]] = {}
        self._fired = 0
        self._throttled = 0
        self._rate: _ThrottleRate | None = None

    def inject(self, action: str, fault: str, times: int = 1, *, seconds: float = 2.0) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._armed.setdefault(action, []).append(_Armed(fault, times, FaultOptions(seconds)))

    def set_throttle_rate(self, rate: float, actions: set[str] | None = None, seed: int | None = None) -> None:
        """Throttle each call of `actions` (None: all) with probability `rate`; 0 turns it off.

        `seed` makes the sequence of draws repeatable; which request meets which
        draw still depends on the order concurrent requests arrive in.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            chosen = frozenset(actions) if actions is not None else None
            self._rate = _ThrottleRate(rate, chosen, random.Random(seed)) if rate else None

    def take(self, prefix: str, action: str, resource: str = "") -> Outcome | None:
        """The outcome for this request: an armed fault for its action (or for "*"), else maybe a throttle."""
        with self._lock:
            fault: str | None = None
            options = FaultOptions(0.0)
            for key in (action, ANY_ACTION):
                queue = self._armed.get(key)
                if not queue:
                    continue
                armed = queue[0]
                armed.remaining -= 1
                if armed.remaining == 0:
                    queue.pop(0)
                fault, options = armed.fault, armed.options
                break
            if fault is None and self._rate is not None and self._rate.hits(action):
                fault = THROTTLE
            if fault is None:
                return None
            self._fired += 1
            if fault == THROTTLE:
                self._throttled += 1
            return FAULTS[fault](prefix, dataclasses.replace(options, action=action, resource=resource))

    def injected(self) -> int:
        """Every fault played so far, throttles included."""
        with self._lock:
            return self._fired

    def throttled(self) -> int:
        """ThrottlingException replies sent so far, armed or drawn by the throttle rate."""
        with self._lock:
            return self._throttled

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._fired = 0
            self._throttled = 0
            self._rate = None
