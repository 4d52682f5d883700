"""Connection states over time, which moto flattens to a constant AUTHORIZED.

EventBridge user guide, "Connection states": a connection is CREATING or
UPDATING, OAuth connections then AUTHORIZING, and it ends AUTHORIZED (public
endpoints) or ACTIVE (private APIs through VPC Lattice); DEAUTHORIZED on an
authorization failure, FAILED_CONNECTIVITY on a network one. Which of these a
caller actually sees comes from the AWS recording (transitional_states). Here
"time" is counted in DescribeConnection calls, so tests that poll are
deterministic.
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

# The recording cited below: LocalStack's tests/aws/services/events/
# test_api_destinations_and_connection.snapshot.json, taken against real AWS on 2024-12-09.
RECORDING = "LocalStack snapshot test_api_destinations_and_connection, recorded from AWS 2024-12-09"

# DeleteConnection answers DELETING (recorded: test_delete_connection), although the API
# reference describes its ConnectionState as "the state of the connection before it was deleted".
DELETE_REPLY_STATE = "DELETING"


def transitional_states(kind: str, *, oauth: bool, private: bool, polls: int) -> list[str]:
    """The states DescribeConnection shows after a create or update, one entry per call, before it settles.

    Recorded (RECORDING, test_create_connection_with_auth, test_connection_secrets,
    test_update_connection): CreateConnection and UpdateConnection of a public BASIC or
    API_KEY connection already answer AUTHORIZED, and so does the DescribeConnection right
    after: no CREATING or UPDATING is seen. An OAuth connection answers AUTHORIZING and is
    still AUTHORIZING in the DescribeConnection right after. Private connections (VPC
    Lattice) are not recorded; they keep the user guide's CREATING/UPDATING. `kind` is
    "CREATING" or "UPDATING"; `polls` is how many calls see each state (0: none).
    """
    states = [kind] * polls if private else []
    if oauth:
        states += ["AUTHORIZING"] * polls
    return states


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

    def begin(self, states: list[str]) -> None:
        """A write: show `states` (transitional_states), one per DescribeConnection, then settle."""
        self.pending = list(states)
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

    def stamp_created(self, created: float) -> None:
        """Creation is the first modification, and the connection has a LastAuthorizedTime from the start.

        Recorded (RECORDING, test_create_connection_with_auth[auth_params2]): the
        DescribeConnection right after creating an OAuth connection carries LastAuthorizedTime
        while still AUTHORIZING. Its value is not recorded; the creation time stands in.
        """
        self.last_modified = created
        self.last_authorized = created

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
