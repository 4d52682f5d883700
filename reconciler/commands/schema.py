"""`reconcile schema`: print the spec JSON Schema (for editors and other tools)."""

from __future__ import annotations

import argparse

from reconciler.output import out
from reconciler.schema import schema_text


def run(args: argparse.Namespace) -> int:
    out(schema_text())
    return 0
