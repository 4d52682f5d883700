"""`reconcile schema`: print the spec JSON Schema (for editors and other tools)."""

from __future__ import annotations

from reconciler.output import out
from reconciler.spec_schema import schema_text


def command() -> int:
    out(schema_text())
    return 0
