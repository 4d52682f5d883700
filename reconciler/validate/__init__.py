"""Stage 2: validate specs against the JSON Schema and the rules a schema can't express."""

from __future__ import annotations

from reconciler.errors import Problem
from reconciler.model import Spec
from reconciler.validate.schema import schema_problems
from reconciler.validate.semantic import duplicate_name_problems, semantic_problems


def validate_specs(specs: list[Spec]) -> list[Problem]:
    problems: list[Problem] = []
    for spec in specs:
        problems.extend(schema_problems(spec))
        problems.extend(semantic_problems(spec))
    problems.extend(duplicate_name_problems(specs))
    return problems
