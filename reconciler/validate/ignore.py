"""IgnoreChanges entries name paths the plan prints, of the spec's own type (diff/ignore.py)."""

from __future__ import annotations

from reconciler.diff.ignore import SPEC_KEY, problem
from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import Spec


def ignore_problems(spec: Spec, type_: str) -> list[Problem]:
    """One problem per entry that names no path of this type, or one that can't be ignored.
    Entries of the wrong kind (not a string) are the schema's to report."""
    entries = spec.body.get(SPEC_KEY)
    if not isinstance(entries, list):
        return []
    problems = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, str) or not entry:
            continue
        message = problem(entry, (type_,))
        if message is not None:
            path = (SPEC_KEY, index)
            problems.append(Problem(spec.locate(path), dotted(path), message))
    return problems
