"""What apply reports for each intent: one result, whatever happened to it."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model import CONNECTION, Action, labelled

DEPENDENCY_FAILED = "DependencyFailed"
NOT_CONVERGED = "NotConverged"
IN_USE = "InUse"
INTERRUPTED = "Interrupted"
INTERNAL = "InternalError"


@dataclass
class WriteResult:
    name: str
    target: str
    action: Action
    ok: bool
    detail: str
    code: str = ""
    started: bool = True
    type: str = CONNECTION
    waited: bool = False  # a wait for a connection this apply did not write, not a write

    @property
    def label(self) -> str:
        return labelled(self.type, self.name)

    @property
    def verb(self) -> str:
        """What was asked of it, as JSON and the failure lines name it."""
        return "wait" if self.waited else self.action.value
