"""Typed records passed between the pipeline stages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import Location


@dataclass
class Spec:
    """One connection document as written in a spec file, with source positions."""

    name: str
    body: dict[str, Any]
    file: str
    positions: dict[tuple[Any, ...], Location] = field(default_factory=dict)
    target: str = "default"

    def locate(self, path: tuple[Any, ...]) -> Location:
        """The position of a field, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            loc = self.positions.get(path[:end])
            if loc is not None:
                return loc
        return Location(self.file)


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
class FieldChange:
    """One field of one connection that differs. Secret fields carry masked text only."""

    path: str
    op: Op
    before: Any = None
    after: Any = None
    secret: bool = False
    note: str = ""
