"""Server-side model validation that moto skips and botocore leaves to the server.

botocore checks types, required members and minimum lengths client-side; AWS
also enforces maximum lengths, patterns and enums, answering 400
ValidationException. The constraints are read from botocore's bundled model,
not copied. Messages follow AWS's "Value '<value>' at '<path>' failed to
satisfy constraint" form (shown_value), and never quote a member the model
marks sensitive: those are the secrets.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from botocore.model import ListShape, Shape, StructureShape

from reconciler.patterns import compiled
from reconciler.sandbox.model import input_shape, shape
from reconciler.sandbox.wire import AwsError


class Problem(NamedTuple):
    path: str
    rule: str
    shown: str | None = None  # the rejected value as the message quotes it; None: not quoted

    def text(self) -> str:
        value = "" if self.shown is None else f" '{self.shown}'"
        return f"Value{value} at '{self.path}' failed to satisfy constraint: {self.rule}"


def validate_input(operation: str, body: dict[str, Any]) -> None:
    """Raise ValidationException unless `body` satisfies the operation's input shape."""
    problems = list(_check(body, input_shape(operation), ""))
    _raise_if(problems)


def validate_value(value: Any, shape_name: str, path: str) -> None:
    """Validate a value assembled by the emulator (e.g. a merged update) against a named shape."""
    _raise_if(list(_check(value, shape(shape_name), path)))


def require(condition: bool, path: str) -> None:
    if not condition:
        _raise_if([Problem(path, "Member must not be null")])


def _raise_if(problems: list[Problem]) -> None:
    if not problems:
        return
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(problem.text() for problem in problems)
    raise AwsError("ValidationException", f"{count} validation {noun} detected: {details}")


class ModelRule(NamedTuple):
    """One constraint `_check` enforces: at `path` (request members, "[]" for a list's items)
    the value must satisfy `kind` with `bound`. Listed by `model_rules`, so tests can walk them."""

    operation: str
    path: tuple[str, ...]
    kind: str  # required | min_length | max_length | enum | pattern | minimum | maximum | min_items | max_items
    bound: Any
    sensitive: bool = False

    @property
    def name(self) -> str:
        return f"{self.operation}:{'.'.join(self.path)}:{self.kind}"


def model_rules(operation: str) -> list[ModelRule]:
    """Every constraint `validate_input(operation, ...)` checks, in the order `_check` walks them."""
    return _rules(operation, input_shape(operation), ())


def _rules(operation: str, spec: Shape, path: tuple[str, ...]) -> list[ModelRule]:
    low, high = spec.metadata.get("min"), spec.metadata.get("max")
    if isinstance(spec, StructureShape):
        found = [ModelRule(operation, (*path, name), "required", True) for name in spec.required_members]
        for name, member in spec.members.items():
            found += _rules(operation, member, (*path, name))
        return found
    if isinstance(spec, ListShape):
        found = [ModelRule(operation, path, kind, bound) for kind, bound in (("min_items", low), ("max_items", high))]
        found = [rule for rule in found if rule.bound is not None and (rule.kind == "max_items" or rule.bound > 0)]
        return found + _rules(operation, spec.member, (*path, "[]"))
    sensitive = bool(spec.metadata.get("sensitive"))
    if spec.type_name == "string":
        pattern = spec.metadata.get("pattern")
        candidates = [
            ("min_length", low if low else None),  # a minimum of 0 constrains nothing
            ("max_length", high),
            ("enum", getattr(spec, "enum", None) or None),
            ("pattern", pattern if pattern and _compile(pattern) is not None else None),  # as _check_string
        ]
        return [ModelRule(operation, path, kind, bound, sensitive) for kind, bound in candidates if bound is not None]
    if spec.type_name in ("integer", "long"):
        return [
            ModelRule(operation, path, kind, bound)
            for kind, bound in (("minimum", low), ("maximum", high))
            if bound is not None
        ]
    return []


def _check(value: Any, spec: Shape, path: str) -> list[Problem]:
    if isinstance(spec, StructureShape):
        return _check_structure(value, spec, path)
    if isinstance(spec, ListShape):
        return _check_list(value, spec, path)
    if spec.type_name == "string" and isinstance(value, str):
        return _check_string(value, spec, path)
    if spec.type_name in ("integer", "long") and isinstance(value, int):
        return _check_range(value, spec, path)
    return []


def _check_structure(value: Any, spec: StructureShape, path: str) -> list[Problem]:
    if not isinstance(value, dict):
        return []
    problems = [
        Problem(_join(path, name), "Member must not be null")
        for name in spec.required_members
        if value.get(name) is None
    ]
    for name, member in spec.members.items():
        if value.get(name) is not None:
            problems += _check(value[name], member, _join(path, name))
    return problems


def _check_list(value: Any, spec: ListShape, path: str) -> list[Problem]:
    if not isinstance(value, list):
        return []
    problems = _length(len(value), spec, path)
    for index, item in enumerate(value, start=1):
        problems += _check(item, spec.member, f"{path}.{index}.member")
    return problems


def _check_string(value: str, spec: Shape, path: str) -> list[Problem]:
    shown = shown_value(value, spec)
    problems = _length(len(value), spec, path, shown)
    enum = getattr(spec, "enum", None) or []
    if enum and value not in enum:
        listed = ", ".join(enum_as_listed(spec.name, enum))
        problems.append(Problem(path, f"Member must satisfy enum value set: [{listed}]", shown))
    pattern = spec.metadata.get("pattern")
    compiled = _compile(pattern) if pattern else None
    # AWS patterns are Java regexes applied with matches(): the whole value must match.
    if compiled is not None and not compiled.fullmatch(value):
        problems.append(Problem(path, f"Member must satisfy regular expression pattern: {pattern}", shown))
    return problems


def shown_value(value: str, spec: Shape) -> str | None:
    """The rejected string as the message quotes it: the value itself, unless the model marks it sensitive.

    Recorded from AWS (lifecycle.RECORDING): "1 validation error detected: Value 'Invalid Name
    With Spaces!' at 'name' failed to satisfy constraint: Member must satisfy regular
    expression pattern: [\\.\\-_A-Za-z0-9]+", and "Value 'INVALID_AUTH_TYPE' at
    'authorizationType'" for the enum. Sensitive members (Password, ApiKeyValue,
    ClientSecret, parameter values) are named by path only, so no secret is echoed back.
    """
    return None if spec.metadata.get("sensitive") else value


# The order in which AWS's message lists an enum's values, where that is not the model's order.
# Recorded (lifecycle.RECORDING, create-api-destination-invalid-parameters-error): HttpMethod is listed
# [HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS], the model's order being POST, GET, HEAD, OPTIONS, PUT,
# PATCH, DELETE. AuthorizationType comes in the model's order (create-connection-invalid-auth-error).
_RECORDED_ENUM_ORDER = {"ApiDestinationHttpMethod": ("HEAD", "POST", "PATCH", "DELETE", "PUT", "GET", "OPTIONS")}


def enum_as_listed(shape_name: str, enum: list[str]) -> list[str]:
    """An enum's values in the order AWS's message lists them; the model's order unless recorded otherwise."""
    recorded = _RECORDED_ENUM_ORDER.get(shape_name)
    # Only while the recording still covers the model's values: a value added later falls back to the model.
    return list(recorded) if recorded is not None and set(recorded) == set(enum) else list(enum)


def _check_range(value: int, spec: Shape, path: str) -> list[Problem]:
    low, high = spec.metadata.get("min"), spec.metadata.get("max")
    if low is not None and value < low:
        return [Problem(path, f"Member must have value greater than or equal to {low}")]
    if high is not None and value > high:
        return [Problem(path, f"Member must have value less than or equal to {high}")]
    return []


def _length(length: int, spec: Shape, path: str, shown: str | None = None) -> list[Problem]:
    low, high = spec.metadata.get("min"), spec.metadata.get("max")
    if low is not None and length < low:
        return [Problem(path, f"Member must have length greater than or equal to {low}", shown)]
    if high is not None and length > high:
        return [Problem(path, f"Member must have length less than or equal to {high}", shown)]
    return []


@functools.cache
def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return compiled(pattern)  # linear-time form: the model's own backtracks exponentially
    except re.error:
        # A Java-only construct: better to skip the check than reject valid input.
        return None


def _join(path: str, member: str) -> str:
    # AWS names members in lowerCamelCase in these messages: "authParameters.basicAuthParameters.password".
    name = member[:1].lower() + member[1:]
    return f"{path}.{name}" if path else name
