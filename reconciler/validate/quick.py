"""A quick "valid" for specs that are: the schema compiled once into plain checks.

jsonschema spends about 0.25 ms finding nothing wrong with a typical spec (it builds a
validator object per subschema it descends into), a quarter of the CPU budget per
connection. This compiles the keywords connection.schema.json uses, and answers
only "valid" or "ask jsonschema": every failure, and anything it does not know (a
keyword, a $ref outside the document's $defs), goes to jsonschema, whose errors are
the ones users see. So it makes validation faster, never different:
tests/test_validate_quick.py checks that it never calls valid what jsonschema rejects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.patterns import matches

_ANNOTATIONS = {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    # As validate/schema_problems.py's validator, with botocore: 20.0 is not an integer.
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


Check = Callable[[Any], bool]
_KEYWORDS = {
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "const",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "items",
    "minItems",
    "maxItems",
    "allOf",
    "if",
    "$ref",
}


class Unsure(Exception):
    """The schema uses something this module does not interpret."""


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1. Only scalars are compared here; anything else is jsonschema's.
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        raise Unsure
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


class QuickValidator:
    """The schema compiled once into nested checks; `is_valid` runs them."""

    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._defs: dict[str, Check] = {}
        try:
            self._check: Check | None = self._compile(root)
        except Unsure:
            self._check = None  # a keyword it does not know: every spec goes to jsonschema

    def is_valid(self, instance: Any) -> bool | None:
        """True when the instance is valid; None when jsonschema must decide."""
        if self._check is None:
            return None
        try:
            return self._check(instance) or None
        except Unsure:
            return None

    def _compile(self, schema: Any) -> Check:
        if schema is True or schema is False:
            return lambda _value: schema
        if not isinstance(schema, dict):
            raise Unsure
        checks: list[Check] = []
        for key, want in schema.items():
            if key in _ANNOTATIONS or key in ("then", "else"):  # then and else are compiled with `if`
                continue
            if key not in _KEYWORDS:
                raise Unsure
            checks.append(getattr(self, "_" + key.replace("$", "dollar_"))(want, schema))
        if len(checks) == 1:
            return checks[0]

        def every(value: Any) -> bool:
            for check in checks:
                if not check(value):
                    return False
            return True

        return every

    def _type(self, want: Any, _schema: dict[str, Any]) -> Check:
        kinds = want if isinstance(want, list) else [want]
        if any(k not in _TYPES for k in kinds):
            raise Unsure
        tests = [_TYPES[k] for k in kinds]
        return tests[0] if len(tests) == 1 else (lambda value: any(test(value) for test in tests))

    def _properties(self, want: dict[str, Any], _schema: dict[str, Any]) -> Check:
        members = [(key, self._compile(sub)) for key, sub in want.items()]

        def properties(value: Any) -> bool:
            if isinstance(value, dict):
                for key, check in members:
                    if key in value and not check(value[key]):
                        return False
            return True

        return properties

    def _additionalProperties(self, want: Any, schema: dict[str, Any]) -> Check:
        if "patternProperties" in schema:
            raise Unsure
        known = set(schema.get("properties", {}))
        if want is False:
            return lambda value: not isinstance(value, dict) or known.issuperset(value)
        check = self._compile(want)
        return lambda value: (
            not isinstance(value, dict) or all(check(item) for key, item in value.items() if key not in known)
        )

    def _required(self, want: list[str], _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, dict) or all(key in value for key in want)

    def _enum(self, want: list[Any], _schema: dict[str, Any]) -> Check:
        return lambda value: any(_same(value, choice) for choice in want)

    def _const(self, want: Any, _schema: dict[str, Any]) -> Check:
        return lambda value: _same(value, want)

    def _minLength(self, want: int, _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, str) or len(value) >= want

    def _maxLength(self, want: int, _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, str) or len(value) <= want

    def _pattern(self, want: str, _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, str) or matches(want, value)  # as schema_problems.py checks

    def _minimum(self, want: Any, _schema: dict[str, Any]) -> Check:
        if not _TYPES["number"](want):
            raise Unsure
        return lambda value: not _TYPES["number"](value) or value >= want

    def _items(self, want: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise Unsure
        check = self._compile(want)
        return lambda value: not isinstance(value, list) or all(check(item) for item in value)

    def _minItems(self, want: int, _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, list) or len(value) >= want

    def _maxItems(self, want: int, _schema: dict[str, Any]) -> Check:
        return lambda value: not isinstance(value, list) or len(value) <= want

    def _allOf(self, want: list[Any], _schema: dict[str, Any]) -> Check:
        checks = [self._compile(sub) for sub in want]
        return lambda value: all(check(value) for check in checks)

    def _if(self, want: Any, schema: dict[str, Any]) -> Check:
        condition = self._compile(want)
        then, otherwise = self._compile(schema.get("then", True)), self._compile(schema.get("else", True))
        return lambda value: then(value) if condition(value) else otherwise(value)

    def _dollar_ref(self, want: str, _schema: dict[str, Any]) -> Check:
        prefix = "#/$defs/"
        defs = self._root.get("$defs", {})
        name = want[len(prefix) :]
        if not want.startswith(prefix) or name not in defs:
            raise Unsure

        def ref(value: Any) -> bool:
            if name not in self._defs:  # compiled on first use, so a schema that refers to itself terminates
                self._defs[name] = self._compile(defs[name])
            return self._defs[name](value)

        return ref
