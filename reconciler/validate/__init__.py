"""Stage 2: validate specs against the JSON Schema and the rules a schema can't express."""

from __future__ import annotations

from reconciler.errors import Problem
from reconciler.model import API_DESTINATION, CONNECTION, Spec
from reconciler.validate.ignore import ignore_problems
from reconciler.validate.schema import declared_type, schema_problems
from reconciler.validate.semantic import connection_problems, duplicate_name_problems, semantic_problems


def validate_specs(specs: list[Spec]) -> list[Problem]:
    """One target's specs: a destination's `Connection` must be declared among them."""
    declared = [spec.name for spec in specs if spec.name and declared_type(spec) == CONNECTION]
    problems: list[Problem] = []
    for spec in specs:
        found = schema_problems(spec)
        type_ = declared_type(spec)
        if type_ == CONNECTION:
            found += semantic_problems(spec)
        elif type_ == API_DESTINATION and not any(p.path == "Connection" for p in found):
            # A Connection the schema rejects is not looked up as well: one error per key.
            found += connection_problems(spec, declared)
        if type_ is not None:
            found += ignore_problems(spec, type_)
        problems.extend(found)
    problems.extend(duplicate_name_problems(specs))
    return problems
