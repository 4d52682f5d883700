"""Rules a JSON Schema can't express well: secrets are references, keys unique, names unique."""

from __future__ import annotations

from typing import Any

from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import Spec
from reconciler.secrets.refs import (
    PARAMETER_BLOCKS,
    PARAMETER_LISTS,
    RefError,
    dig,
    is_reference,
    parse_reference,
    secret_fields,
)

LITERAL_SECRET = (
    "literal secret values are not allowed in specs; "
    "use a Secrets Manager reference {{resolve:secretsmanager:SECRET_ID[:SecretString:JSON_KEY]}}"
)


def _problem(spec: Spec, path: tuple[Any, ...], message: str) -> Problem:
    return Problem(spec.locate(path), dotted(path), message)


def _secret_problems(spec: Spec) -> list[Problem]:
    problems = []
    for path, value in secret_fields(spec.body):
        if not isinstance(value, str) or not is_reference(value):
            problems.append(_problem(spec, path, LITERAL_SECRET))
            continue
        try:
            parse_reference(value)
        except RefError as exc:
            problems.append(_problem(spec, path, str(exc)))
    return problems


def _parameter_problems(spec: Spec) -> list[Problem]:
    problems = []
    for block in PARAMETER_BLOCKS:
        for list_name in PARAMETER_LISTS:
            items = dig(spec.body, block + (list_name,))
            if not isinstance(items, list):
                continue
            seen: dict[str, int] = {}
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                path = block + (list_name, index)
                if item.get("IsValueSecret") is not True and is_reference(item.get("Value")):
                    problems.append(
                        _problem(spec, path + ("Value",), "a Secrets Manager reference needs IsValueSecret: true")
                    )
                key = item.get("Key")
                if not isinstance(key, str):
                    continue
                # HTTP header names are case-insensitive, so two spellings are one header.
                ident = key.lower() if list_name == "HeaderParameters" else key
                if ident in seen:
                    problems.append(
                        _problem(spec, path + ("Key",), f"duplicate key {key!r} (also at {list_name}[{seen[ident]}])")
                    )
                else:
                    seen[ident] = index
    return problems


def semantic_problems(spec: Spec) -> list[Problem]:
    return _secret_problems(spec) + _parameter_problems(spec)


def duplicate_name_problems(specs: list[Spec]) -> list[Problem]:
    """Name is a connection's identity within a target (region and account)."""
    first: dict[tuple[str, str], Spec] = {}
    problems = []
    for spec in specs:
        if not spec.name:
            continue
        ident = (spec.target, spec.name)
        if ident in first:
            other = first[ident]
            problems.append(
                _problem(spec, ("Name",), f"connection {spec.name!r} is also declared at {other.locate(('Name',))}")
            )
        else:
            first[ident] = spec
    return problems
