"""One exception family; the CLI boundary turns it into a message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from reconciler.untrusted import visible


class Location(NamedTuple):
    # A tuple, not a frozen dataclass: the loader records one for every key and item of
    # every spec (40 a spec), and a frozen dataclass is four times as slow to build.
    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One user-facing error about the specs: where, which field, what is wrong."""

    location: Location
    path: str
    message: str

    def __str__(self) -> str:
        # A file name, a field path and the values a message quotes come from the specs:
        # untrusted text, one line each, whatever control characters they hold. The message
        # is reconcile's sentence (a schema pattern keeps its backslashes).
        where = f"{visible(str(self.location))}: "
        message = visible(self.message, backslash=False)
        return f"{where}{visible(self.path)}: {message}" if self.path else f"{where}{message}"


class ReconcileError(Exception):
    """An error the user can act on. Printed without a traceback."""

    exit_code = 1


class SpecErrors(ReconcileError):
    """Every problem found in the specs in one run."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column))
        super().__init__("\n".join(str(p) for p in self.problems))


class AwsError(ReconcileError):
    """An AWS call failed in a way worth telling the user about, by error code."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)
