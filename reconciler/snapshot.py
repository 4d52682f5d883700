"""What the read step brings back for one target: the only input of its plan besides the specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.model import Live
from reconciler.secrets.desired import DesiredSecrets
from reconciler.secrets.managed import ManagedRead
from reconciler.secrets.redact import Secret

# (secret id, JSON key) → the AWSPREVIOUS version's id and value, or None when it has none.
PreviousValues = dict[tuple[str, "str | None"], "tuple[str, Secret] | None"]


@dataclass
class Snapshot:
    live: dict[str, Live | None]
    desired: dict[str, DesiredSecrets]
    # Only connections whose managed secret was read (verification on, SecretArn known).
    managed: dict[str, ManagedRead]
    previous: PreviousValues
    # Every live connection (ListConnections summaries), when pruning or rename hints need it.
    listing: list[dict[str, Any]] | None
    # Every live API destination (ListApiDestinations summaries), when pruning: the undeclared
    # ones to delete, and which connections are in use.
    destinations: list[dict[str, Any]] | None = None
    # Each declared API destination as DescribeApiDestination shows it; None when it does not exist.
    live_destinations: dict[str, dict[str, Any] | None] = field(default_factory=dict)
