"""JSON Schema errors → one-line problems at the offending key.

jsonschema's own messages echo the offending value, which for a mistyped secret would
print it, so every message here is written from the error's kind, never its instance.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import API_DESTINATION, CONNECTION, TYPES, Spec
from reconciler.patterns import matches
from reconciler.secrets.refs import FIXED_SECRET_FIELDS
from reconciler.spec_schema import definition, type_schema
from reconciler.validate.quick import QuickValidator

AUTH_BLOCKS = {
    "API_KEY": "ApiKeyAuthParameters",
    "BASIC": "BasicAuthParameters",
    "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
}
_TYPE_NAMES = {
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
}


# The model's patterns a reader meets most, in words; any other is quoted as it stands.
PATTERN_WORDS = {
    r"^(?:[\.\-_A-Za-z0-9]+)$": "must use letters, digits, '.', '-' and '_' only",
    r"^(?:.*)$": "must be one line (no line breaks)",
    r"^[a-zA-Z0-9_\-/:]*$": "must use letters, digits, '_', '-', '/' and ':' only",
    r"^[ \t]*[^\x00-\x1F:\x7F]+([ \t]+[^\x00-\x1F:\x7F]+)*[ \t]*$": "must not contain ':' or control characters",
}


def pattern_message(pattern: str) -> str:
    return PATTERN_WORDS.get(pattern) or f"does not match the pattern {pattern}"


def _whole_value_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """`pattern`, in linear time and on the whole value (see reconciler/patterns.py)."""
    if isinstance(instance, str) and not matches(pattern, instance):
        yield ValidationError(f"does not match {pattern!r}")


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema calls 20.0 an integer; botocore's validator does not (validate.py: integer is
    # `int` only), so a rate written 20.0 would pass here and fail at apply.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator,
    {"pattern": _whole_value_pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@functools.cache
def _validator(type_: str = CONNECTION) -> Any:
    return _Validator(definition(type_))


@functools.cache
def _quick(type_: str = CONNECTION) -> QuickValidator:
    return QuickValidator(definition(type_))


@functools.cache
def _type_validator() -> Any:
    return _Validator(type_schema())


def declared_type(spec: Spec) -> str | None:
    """The spec's type when its `Type` is one reconcile knows (absent: a connection), else None."""
    declared = spec.body.get("Type", CONNECTION)
    return declared if isinstance(declared, str) and declared in TYPES else None


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def _is_secret_slot(path: tuple[Any, ...], spec: Spec) -> bool:
    if path in FIXED_SECRET_FIELDS:
        return True
    if path and path[-1] == "Value":
        parent = spec.body
        for part in path[:-1]:
            parent = parent[part] if isinstance(parent, (dict, list)) else None
        return isinstance(parent, dict) and parent.get("IsValueSecret") is True
    return False


def schema_messages(error: ValidationError, spec: Spec, echo: bool = False) -> list[tuple[tuple[Any, ...], str]]:
    """(path, message) for one schema error. `echo` shows the offending value where it helps
    (reconcile.yaml, which holds no secret); spec messages never do."""
    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    auth_rule = "allOf" in error.schema_path and "then" in error.schema_path
    auth_type = spec.body.get("AuthorizationType")
    destination = declared_type(spec) == API_DESTINATION
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        out = []
        for key in sorted(set(value) - set(allowed)):
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            tail = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            out.append((path + (key,), f"unknown key {key!r}{tail}"))
        return out
    # A destination's Connection/ConnectionArn rule (the schema's ConnectionOrArn): the only
    # `false` subschema and the only rule requiring ConnectionArn in a destination.
    if destination and error.schema is False:
        return [(path + ("ConnectionArn",), "give Connection or ConnectionArn, not both")]
    if destination and kind == "required" and error.validator_value == ["ConnectionArn"]:
        return [(path, "missing required key 'Connection' (a connection declared in this target) or 'ConnectionArn'")]
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        if auth_rule:
            return [(path, f"AuthorizationType {auth_type} needs {k}") for k in missing]
        return [(path, f"missing required key {k!r}") for k in missing]
    if error.schema is False:
        # jsonschema reports a `false` subschema at the parent mapping, not at the key.
        wanted = AUTH_BLOCKS.get(str(auth_type))
        parent = spec.body.get("AuthParameters")
        extra = [k for k in AUTH_BLOCKS.values() if k != wanted and isinstance(parent, dict) and k in parent]
        return [
            (path + (k,), f"does not match AuthorizationType {auth_type}; remove it or change AuthorizationType")
            for k in extra
        ]
    if _is_secret_slot(path, spec):
        return []  # the semantic check explains secrets without echoing them
    if kind == "type":
        expected = error.validator_value
        kinds: list[str] = expected if isinstance(expected, list) else [str(expected)]
        names = " or ".join(_TYPE_NAMES.get(t, t) for t in kinds)
        if expected == "integer" and isinstance(value, float):
            return [(path, f"must be {names}, not a decimal number")]
        quote = " (quote it)" if expected == "string" and isinstance(value, (int, float, bool)) else ""
        return [(path, f"must be {names}, not {_kind(value)}{quote}")]
    if kind == "enum":
        choices = ", ".join(str(v) for v in error.validator_value)
        return [(path, f"must be one of {choices} (got {value!r})")]
    if kind == "maxLength":
        return [(path, f"must be at most {error.validator_value} characters (got {len(value)})")]
    if kind == "minLength":
        return [(path, f"must be at least {error.validator_value} character(s)")]
    if kind == "maxItems":
        return [(path, f"must have at most {error.validator_value} entries (got {len(value)})")]
    if kind == "minItems":
        return [(path, f"must have at least {error.validator_value} entries")]
    if kind == "pattern":
        got = f" (got {value!r})" if echo else ""
        return [(path, f"{pattern_message(error.validator_value)}{got}")]
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most"}.get(kind, "less than")
        return [(path, f"must be {bound} {error.validator_value}")]
    return [(path, f"fails the schema's {kind!r} rule")]


def _walk(errors: Any) -> Any:
    for error in errors:
        # The auth-type rules sit under allOf/if/then; their errors are the leaf ones.
        if error.context:
            yield from _walk(error.context)
        else:
            yield error


def schema_problems(spec: Spec) -> list[Problem]:
    """`Type` first: it picks the definition the rest is checked against, so a bad one is the only error."""
    type_ = declared_type(spec)
    if type_ is None:
        return _problems(spec, _type_validator())
    if _quick(type_).is_valid(spec.body):
        return []  # what jsonschema would find too; it is asked whenever there is any doubt
    return _problems(spec, _validator(type_))


def _problems(spec: Spec, validator: Any) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[tuple[Any, ...], str]] = set()
    for error in _walk(validator.iter_errors(spec.body)):
        for path, message in schema_messages(error, spec):
            if (path, message) in seen:
                continue
            seen.add((path, message))
            problems.append(Problem(spec.locate(path), dotted(path), message))
    return problems
