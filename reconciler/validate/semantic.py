"""Rules a JSON Schema can't express well: secrets are references, keys unique, names unique,
a destination's connection declared."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import LABEL, Spec
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
    """Name is a resource's identity within its type and target (region and account): a connection
    and an API destination may share one."""
    first: dict[tuple[str, str, str], Spec] = {}
    problems = []
    for spec in specs:
        if not spec.name or spec.type not in LABEL:  # an unknown Type has its own error
            continue
        ident = (spec.target, spec.type, spec.name)
        if ident in first:
            other = first[ident]
            where = other.locate(("Name",))
            problems.append(_problem(spec, ("Name",), f"{LABEL[spec.type]} {spec.name!r} is also declared at {where}"))
        else:
            first[ident] = spec
    return problems


def _close_connection(name: str, declared: list[str]) -> str | None:
    hint = difflib.get_close_matches(name, sorted(set(declared)), n=1)
    return hint[0] if hint else None


def connection_problems(spec: Spec, declared: list[str], elsewhere: Mapping[str, list[str]]) -> list[Problem]:
    """A destination's `Connection` names a connection of its own target: its ARN is filled in from there."""
    name = spec.body.get("Connection")
    if not isinstance(name, str) or name in declared:
        return []
    close = _close_connection(name, declared)
    others = sorted(target for target, names in elsewhere.items() if target != spec.target and name in names)
    where = ", ".join(others)
    if close and others:
        tail = f"did you mean {close!r}? (target {where} declares {name!r})"
    elif close:
        tail = f"did you mean {close!r}?"
    elif others:
        tail = f"it is declared in target {where}: a destination uses a connection of its own target"
    else:
        tail = "declare it there, or give ConnectionArn for a connection managed elsewhere"
    return [_problem(spec, ("Connection",), f"no connection {name!r} is declared in target {spec.target}; {tail}")]


def with_connection_hint(problem: Problem, spec: Spec, declared: list[str]) -> Problem:
    """A `Connection` the schema refuses (`stripe payments`) may still be a typo of a declared name."""
    name = spec.body.get("Connection")
    close = _close_connection(name, declared) if isinstance(name, str) else None
    if close is None:
        return problem
    return Problem(problem.location, problem.path, f"{problem.message}; did you mean {close!r}?")


NOT_HTTPS = "must be an HTTPS URL with a host (https://...): AWS refuses others"


def endpoint_problems(spec: Spec) -> list[Problem]:
    """A destination's InvocationEndpoint must be an HTTPS URL with a host (EventBridge user guide,
    "Create an API destination": "The URL must use HTTPS"). The model's pattern lets `http://...`
    through, and AWS refuses it only at apply (ValidationException, "please provide a valid HTTPS
    endpoint URL"), so it is checked here, offline."""
    endpoint = spec.body.get("InvocationEndpoint")
    if not isinstance(endpoint, str):
        return []
    try:
        parts = urlsplit(endpoint)
        https = parts.scheme.lower() == "https" and bool(parts.hostname)
    except ValueError:  # an unbalanced "[" in the host, say
        https = False
    if https:
        return []
    return [_problem(spec, ("InvocationEndpoint",), NOT_HTTPS)]
