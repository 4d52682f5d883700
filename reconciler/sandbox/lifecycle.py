"""Connection states over time, which moto flattens to a constant AUTHORIZED.

EventBridge user guide, "Connection states": a connection is CREATING or
UPDATING, OAuth connections then AUTHORIZING, and it ends AUTHORIZED (public
endpoints) or ACTIVE (private APIs through VPC Lattice); DEAUTHORIZED on an
authorization failure, FAILED_CONNECTIVITY on a network one. Here "time" is
counted in DescribeConnection calls, so tests that poll are deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

STATES = (
    "CREATING",
    "UPDATING",
    "DELETING",
    "AUTHORIZED",
    "DEAUTHORIZED",
    "AUTHORIZING",
    "DEAUTHORIZING",
    "ACTIVE",
    "FAILED_CONNECTIVITY",
)
_AUTHORIZED_STATES = ("AUTHORIZED", "ACTIVE")


@dataclass
class Lifecycle:
    # One entry per DescribeConnection still to see a transitional state.
    pending: list[str] = field(default_factory=list)
    state: str = "AUTHORIZED"
    reason: str = ""
    due: bool = False  # the transition has run out and the settled state is yet to be decided

    @property
    def current(self) -> str:
        return self.pending[0] if self.pending else self.state

    @property
    def current_reason(self) -> str:
        return "" if self.pending else self.reason

    def begin(self, kind: str, oauth: bool, polls: int) -> None:
        # OAuth passes through AUTHORIZING while EventBridge fetches a token.
        self.pending = [kind] * polls + (["AUTHORIZING"] * polls if oauth else [])
        self.reason = ""
        self.due = True

    def observe(self) -> None:
        """One DescribeConnection has seen the current state."""
        if self.pending:
            self.pending.pop(0)

    def settle(self, state: str, reason: str) -> None:
        self.pending = []
        self.state = state
        self.reason = reason
        self.due = False


@dataclass
class ConnectionRecord:
    """What the emulator keeps beside moto's Connection (moto has no place for these)."""

    kms_key_identifier: str | None = None
    invocation_connectivity: dict[str, Any] | None = None
    last_modified: float = 0.0
    last_authorized: float | None = None
    lifecycle: Lifecycle = field(default_factory=Lifecycle)

    def touch(self) -> None:
        # Strictly increasing, so two writes within one clock tick still read as two.
        self.last_modified = max(time.time(), self.last_modified + 0.001)

    def settle(self, state: str, reason: str) -> None:
        self.lifecycle.settle(state, reason)
        if state in _AUTHORIZED_STATES:
            self.last_authorized = max(time.time(), self.last_modified)

    def timestamps(self) -> dict[str, float]:
        out = {"LastModifiedTime": self.last_modified}
        if self.last_authorized is not None:
            out["LastAuthorizedTime"] = self.last_authorized
        return out


def settled_state(record: ConnectionRecord) -> str:
    # Private APIs (InvocationConnectivityParameters set) end ACTIVE, public ones AUTHORIZED.
    return "ACTIVE" if record.invocation_connectivity else "AUTHORIZED"
