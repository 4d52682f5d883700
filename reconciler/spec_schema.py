"""The spec JSON Schema, shipped inside the package: one file for every document type."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from reconciler.model import API_DESTINATION, CONNECTION

SCHEMA_FILE = "connection.schema.json"
# Where each document type's definition sits under the schema's $defs.
DEFINITIONS = {CONNECTION: "Connection", API_DESTINATION: "ApiDestination"}


def schema_text() -> str:
    return resources.files("reconciler").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")


@functools.cache
def load_schema() -> dict[str, Any]:
    """The published schema: editors pick the definition by `Type` (its if/then/else)."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


@functools.cache
def definition(type_: str) -> dict[str, Any]:
    """One type's definition as a schema of its own: the definition with the `$defs` beside it,
    so its `#/$defs/...` references still resolve and its errors keep the paths they had when
    the schema described connections alone."""
    root = load_schema()
    return {**root["$defs"][DEFINITIONS[type_]], "$defs": root["$defs"]}


@functools.cache
def type_schema() -> dict[str, Any]:
    """Only the `Type` rule, checked before anything else: it decides which definition applies."""
    return {"properties": {"Type": load_schema()["properties"]["Type"]}}
