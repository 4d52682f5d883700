"""The connection spec JSON Schema, shipped inside the package."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "connection.schema.json"


def schema_text() -> str:
    return resources.files("reconciler").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")


@functools.cache
def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_text())
    return schema
