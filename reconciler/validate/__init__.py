"""Stage 2: validate specs against the JSON Schema and the rules a schema can't express."""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.errors import Problem
from reconciler.model import API_DESTINATION, CONNECTION, Spec
from reconciler.validate.ignore import ignore_problems
from reconciler.validate.schema_problems import declared_type, schema_problems
from reconciler.validate.semantic import (
    connection_problems,
    duplicate_name_problems,
    endpoint_problems,
    semantic_problems,
    with_connection_hint,
)


def validate_specs(specs: list[Spec], elsewhere: Mapping[str, list[str]] | None = None) -> list[Problem]:
    """One target's specs: a destination's `Connection` must be declared among them.
    `elsewhere`: the connections other targets declare, by target, named when one is meant."""
    declared = [spec.name for spec in specs if spec.name and declared_type(spec) == CONNECTION]
    problems: list[Problem] = []
    for spec in specs:
        found = schema_problems(spec)
        type_ = declared_type(spec)
        if type_ == CONNECTION:
            found += semantic_problems(spec)
        elif type_ == API_DESTINATION:
            # A key the schema rejects is not checked again: one error per key, with the hint added.
            flagged = {p.path for p in found}
            if "Connection" in flagged:
                found = [with_connection_hint(p, spec, declared) if p.path == "Connection" else p for p in found]
            else:
                found += connection_problems(spec, declared, elsewhere or {})
            if "InvocationEndpoint" not in flagged:
                found += endpoint_problems(spec)
        if type_ is not None:
            found += ignore_problems(spec, type_)
        problems.extend(found)
    problems.extend(duplicate_name_problems(specs))
    return problems
