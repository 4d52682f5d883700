"""The plan: per connection, an action and its field changes. Holds no secret value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.model import Action, FieldChange

SETTLED_OK = ("AUTHORIZED", "ACTIVE")
UNHEALTHY = ("DEAUTHORIZED", "FAILED_CONNECTIVITY")
TRANSITIONAL = ("CREATING", "UPDATING", "AUTHORIZING", "DEAUTHORIZING", "DELETING")


@dataclass
class ConnectionPlan:
    name: str
    action: Action
    target: str = "default"
    file: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    state: str | None = None
    state_reason: str = ""
    notes: list[str] = field(default_factory=list)
    # For a deletion: the API destinations that use the connection and would break.
    used_by: list[str] = field(default_factory=list)
    # What the plan was made against, so a saved plan can be checked for staleness.
    live_modified: str | None = None
    secret_versions: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    connections: list[ConnectionPlan]
    targets: list[str] = field(default_factory=lambda: ["default"])
    meta: dict[str, Any] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.connections if c.action is action)

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.connections)

    @property
    def pending(self) -> list[ConnectionPlan]:
        # Deletions first, so a rename frees its name and quota before the create.
        order = {Action.DELETE: 0, Action.CREATE: 1, Action.UPDATE: 2}
        todo = [c for c in self.connections if c.action is not Action.NOOP]
        return sorted(todo, key=lambda c: (order[c.action], c.target, c.name))

    def summary(self) -> str:
        return (
            f"{self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update, "
            f"{self.count(Action.DELETE)} to delete, {self.count(Action.NOOP)} unchanged"
        )
