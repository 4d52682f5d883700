"""Typed records passed between the pipeline stages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reconciler.errors import Location
from reconciler.secrets.redact import Secret

# The document types a spec file may hold (`Type:`, CloudFormation's names); a document
# without `Type` is a connection.
CONNECTION = "AWS::Events::Connection"
API_DESTINATION = "AWS::Events::ApiDestination"
TYPES = (CONNECTION, API_DESTINATION)
# How people read each type, in plans and results.
LABEL = {CONNECTION: "connection", API_DESTINATION: "API destination"}


def labelled(type_: str, name: str) -> str:
    """A name as people read it: a connection is its name alone, an API destination says so."""
    return name if type_ == CONNECTION else f"{LABEL.get(type_, type_)} {name}"


def marked(type_: str) -> str:
    """What follows a name in a table cell: nothing for a connection, " (API destination)"."""
    return "" if type_ == CONNECTION else f" ({LABEL.get(type_, type_)})"


@dataclass
class Spec:
    """One document as written in a spec file (a connection or an API destination), with source positions."""

    name: str
    body: dict[str, Any]
    file: str
    positions: dict[tuple[Any, ...], Location] = field(default_factory=dict)
    target: str = "default"

    @property
    def type(self) -> str:
        declared = self.body.get("Type", CONNECTION)
        return declared if isinstance(declared, str) else CONNECTION

    @property
    def key(self) -> tuple[str, str]:
        """A spec's identity within its target: names are unique per type."""
        return (self.type, self.name)

    def locate(self, path: tuple[Any, ...]) -> Location:
        """The position of a field, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            loc = self.positions.get(path[:end])
            if loc is not None:
                return loc
        return Location(self.file)


def counted(items: list[Spec] | list[ResourcePlan], suffix: str = " spec(s)") -> str:
    """ "2 connection spec(s)", and the API destinations when there are any: a folder or plan
    of connections alone reads as it did before destinations could be declared."""
    destinations = sum(1 for item in items if item.type == API_DESTINATION)
    text = f"{len(items) - destinations} connection{suffix}"
    return text + (f" and {destinations} API destination{suffix}" if destinations else "")


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    NOOP = "noop"
    DELETE = "delete"


class Op(str, enum.Enum):
    ADD = "add"
    REMOVE = "remove"
    CHANGE = "change"


@dataclass(frozen=True)
class Masked:
    """Where a secret value would be: a marker for people, never the value.

    A type of its own, so no text a user writes (a Description of "(secret)") is ever taken
    for one. `text` is what every format shows; `secret_id` and `version` name the source
    secret version it stands for, `previous` the version the connection holds after a rotation.
    """

    text: str = "(secret)"
    secret_id: str | None = None
    version: str | None = None
    previous: str | None = None


@dataclass(frozen=True)
class Pending:
    """A value only known once apply has written something else first: the ARN of a connection
    this apply creates, for the API destinations that use it. Shown as its text, like a marker."""

    text: str


# The placeholder in comparable records wherever a secret value is set (diff/normalize.py).
SECRET = Masked()


@dataclass(frozen=True)
class FieldChange:
    """One field of one connection that differs. Secret fields carry `Masked` values only."""

    path: str
    op: Op
    before: Any = None
    after: Any = None
    note: str = ""

    @property
    def secret(self) -> bool:
        return isinstance(self.before, Masked) or isinstance(self.after, Masked)


# --- what the read step brings back ----------------------------------------------------


@dataclass
class Live:
    """One connection as DescribeConnection shows it (never with secret values)."""

    data: dict[str, Any]

    @property
    def state(self) -> str:
        return str(self.data.get("ConnectionState", ""))

    @property
    def state_reason(self) -> str:
        return str(self.data.get("StateReason", ""))

    @property
    def secret_arn(self) -> str | None:
        return self.data.get("SecretArn")

    @property
    def last_modified(self) -> str | None:
        value = self.data.get("LastModifiedTime") or self.data.get("CreationTime")
        return value.isoformat() if isinstance(value, datetime) else None


@dataclass(frozen=True)
class SecretVersion:
    arn: str
    name: str
    version_id: str
    value: Secret | None  # None for a binary secret
    created: datetime | None = None


@dataclass(frozen=True)
class ReadFailure:
    """Why a secret could not be read: its error code and AWS's message."""

    code: str
    message: str


# --- the plan -----------------------------------------------------------------------------

SETTLED_OK = ("AUTHORIZED", "ACTIVE")
UNHEALTHY = ("DEAUTHORIZED", "FAILED_CONNECTIVITY")
TRANSITIONAL = ("CREATING", "UPDATING", "AUTHORIZING", "DEAUTHORIZING", "DELETING")


@dataclass
class ResourcePlan:
    """What one connection or API destination of one target needs."""

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
    type: str = CONNECTION
    # An API destination declared with `Connection: NAME`: the connection whose ARN it takes.
    connection: str | None = None
    # (type, name) of this target's pending changes that must succeed before this one is written:
    # a destination waits for its connection's write, a deleted connection for the destinations moved off it.
    after: list[tuple[str, str]] = field(default_factory=list)
    # A connection this plan does not write, not AUTHORIZED or ACTIVE when planned, that must settle
    # before this API destination is written (apply waits for it, up to --wait-timeout).
    settle: str | None = None
    # IgnoreChanges (diff/ignore.py): the paths in force against the live resource, which an
    # update keeps as they are live, and the differences found under them, shown but not drift.
    ignore: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)

    @property
    def label(self) -> str:
        """The name as people read it: an API destination says so, a connection is its name alone."""
        return labelled(self.type, self.name)


@dataclass(frozen=True)
class Place:
    """Where a target's plan was made: the account of its credentials, and the region."""

    account: str | None
    region: str | None

    def __str__(self) -> str:
        return f"account {self.account or 'not known'}, region {self.region or 'not known'}"


@dataclass
class Plan:
    resources: list[ResourcePlan]
    targets: list[str] = field(default_factory=lambda: ["default"])
    places: dict[str, Place] = field(default_factory=dict)  # by target name
    # Targets that could not be planned (credentials, account, reads), by name: why. The others
    # are planned and shown all the same.
    failed: dict[str, str] = field(default_factory=dict)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.resources if c.action is action)

    def of_type(self, type_: str) -> list[ResourcePlan]:
        return [c for c in self.resources if c.type == type_]

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.resources)

    @property
    def pending(self) -> list[ResourcePlan]:
        # Deletions first, so a rename frees its name and quota before the create; API
        # destinations are deleted before connections, and written after them. A change that
        # must wait for another says so in `after`, which apply follows whatever this order.
        order = {Action.DELETE: 0, Action.CREATE: 1, Action.UPDATE: 2}
        todo = [c for c in self.resources if c.action is not Action.NOOP]

        def key(c: ResourcePlan) -> tuple[int, int, str, str]:
            destination_first = (c.type == API_DESTINATION) == (c.action is Action.DELETE)
            return (order[c.action], 0 if destination_first else 1, c.target, c.name)

        return sorted(todo, key=key)

    def summary(self) -> str:
        return (
            f"{self.count(Action.CREATE)} to create, {self.count(Action.UPDATE)} to update, "
            f"{self.count(Action.DELETE)} to delete, {self.count(Action.NOOP)} unchanged"
        )
