"""Check resolved secret values against botocore's model before they are sent.

Specs hold references, so the schema can't check the values. AWS would reject a bad
one with a ValidationException whose message may echo the value; checking here gives
a clear error that names the reference and never the value.
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session

from reconciler.patterns import matches
from reconciler.secrets.layout import FIXED, PARAMETER_LIST_LAYOUT
from reconciler.secrets.redact import Secret

# A secret field (or a parameter list's values) → the botocore shape that says what AWS accepts.
_MEMBER_SHAPES = {**{f.spec_path[-1]: f.shape for f in FIXED}, **{p.name: p.shape for p in PARAMETER_LIST_LAYOUT}}


@functools.cache
def _rules(kind: str) -> tuple[int, int | None, str | None]:
    model = botocore.session.get_session().get_service_model("events")
    structure, member = _MEMBER_SHAPES[kind]
    shape: Any = model.shape_for(structure)  # a StructureShape; the stubs type it as Shape
    meta: dict[str, Any] = shape.members[member].metadata
    pattern = meta.get("pattern")
    return int(meta.get("min", 0)), meta.get("max"), pattern


def check_resolved(path: tuple[Any, ...], value: Secret) -> str | None:
    kind = path[-1] if path[-1] != "Value" else path[-3]
    low, high, pattern = _rules(str(kind))
    text = value.reveal()
    if len(text) < low:
        return f"is shorter than {low} character(s)"
    if high is not None and len(text) > high:
        return f"is longer than {high} characters ({len(text)})"
    if pattern is not None and not matches(pattern, text):
        return f"does not match what AWS accepts for {kind} (pattern {pattern})"
    return None
