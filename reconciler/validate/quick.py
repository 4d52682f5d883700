"""A quick "valid" for specs that are: the schema's keywords, interpreted directly.

jsonschema spends about 0.25 ms finding nothing wrong with a typical spec (it builds a
validator object per subschema it descends into), a quarter of the CPU budget per
connection. This interprets the keywords connection.schema.json uses, and answers
only "valid" or "ask jsonschema": every failure, and anything it does not know (a
keyword, a $ref outside the document's $defs), goes to jsonschema, whose errors are
the ones users see. So it makes validation faster, never different:
tests/test_validate_quick.py checks that it never calls valid what jsonschema rejects.
"""

from __future__ import annotations

from typing import Any, Callable

from reconciler.patterns import matches

_ANNOTATIONS = {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


class Unsure(Exception):
    """The schema uses something this module does not interpret."""


def _same(a: Any, b: Any) -> bool:
    # JSON equality: true is not 1. Only scalars are compared here; anything else is jsonschema's.
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        raise Unsure
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


class QuickValidator:
    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._checks: dict[str, Callable[[Any, Any, dict[str, Any]], bool]] = {
            "type": self._type, "properties": self._properties, "additionalProperties": self._additionalProperties,
            "required": self._required, "enum": self._enum, "const": self._const, "minLength": self._minLength,
            "maxLength": self._maxLength, "pattern": self._pattern, "items": self._items, "minItems": self._minItems,
            "maxItems": self._maxItems, "allOf": self._allOf, "if": self._if, "then": self._then, "else": self._then,
            "$ref": self._ref,
        }

    def is_valid(self, instance: Any) -> bool | None:
        """True when the instance is valid; None when jsonschema must decide."""
        try:
            return self._valid(self._root, instance) or None
        except Unsure:
            return None

    def _valid(self, schema: Any, value: Any) -> bool:
        if schema is True or schema is False:
            return schema
        if not isinstance(schema, dict):
            raise Unsure
        for key, want in schema.items():
            if key in _ANNOTATIONS:
                continue
            check = self._checks.get(key)
            if check is None:
                raise Unsure
            if not check(want, value, schema):
                return False
        return True

    def _type(self, want: Any, value: Any, _schema: dict[str, Any]) -> bool:
        kinds = want if isinstance(want, list) else [want]
        if any(k not in _TYPES for k in kinds):
            raise Unsure
        return any(_TYPES[k](value) for k in kinds)

    def _properties(self, want: dict[str, Any], value: Any, _schema: dict[str, Any]) -> bool:
        if not isinstance(value, dict):
            return True
        return all(self._valid(sub, value[key]) for key, sub in want.items() if key in value)

    def _additionalProperties(self, want: Any, value: Any, schema: dict[str, Any]) -> bool:
        if "patternProperties" in schema:
            raise Unsure
        if not isinstance(value, dict):
            return True
        known = schema.get("properties", {})
        return all(self._valid(want, item) for key, item in value.items() if key not in known)

    def _required(self, want: list[str], value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, dict) or all(key in value for key in want)

    def _enum(self, want: list[Any], value: Any, _schema: dict[str, Any]) -> bool:
        return any(_same(value, choice) for choice in want)

    def _const(self, want: Any, value: Any, _schema: dict[str, Any]) -> bool:
        return _same(value, want)

    def _minLength(self, want: int, value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, str) or len(value) >= want

    def _maxLength(self, want: int, value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, str) or len(value) <= want

    def _pattern(self, want: str, value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, str) or matches(want, value)  # the same check as schema.py's

    def _items(self, want: Any, value: Any, schema: dict[str, Any]) -> bool:
        if "prefixItems" in schema:
            raise Unsure
        return not isinstance(value, list) or all(self._valid(want, item) for item in value)

    def _minItems(self, want: int, value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, list) or len(value) >= want

    def _maxItems(self, want: int, value: Any, _schema: dict[str, Any]) -> bool:
        return not isinstance(value, list) or len(value) <= want

    def _allOf(self, want: list[Any], value: Any, _schema: dict[str, Any]) -> bool:
        return all(self._valid(sub, value) for sub in want)

    def _if(self, want: Any, value: Any, schema: dict[str, Any]) -> bool:
        branch = schema.get("then", True) if self._valid(want, value) else schema.get("else", True)
        return self._valid(branch, value)

    def _then(self, _want: Any, _value: Any, _schema: dict[str, Any]) -> bool:
        return True  # then and else are applied by _if

    def _ref(self, want: str, value: Any, _schema: dict[str, Any]) -> bool:
        prefix = "#/$defs/"
        defs = self._root.get("$defs", {})
        if not want.startswith(prefix) or want[len(prefix):] not in defs:
            raise Unsure
        return self._valid(defs[want[len(prefix):]], value)
