"""The dependency picture reads top-down: cli → commands → pipeline → read / plan / render / apply.

Planning is pure: nothing under plan/ (or render/) reaches AWS, directly or through another
module, so its tests need no emulator.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reconciler"

# Package → the reconciler packages its modules must not import (an upward or sideways import).
FORBIDDEN = {
    "plan": {"aws", "read", "render", "apply", "pipeline", "commands", "cli"},
    "render": {"aws", "read", "plan", "apply", "pipeline", "commands", "cli"},
    "diff": {"aws", "read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "secrets": {"aws", "read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "read": {"plan", "render", "apply", "pipeline", "commands", "cli"},
    "apply": {"read", "render", "commands", "cli"},
    "aws": {"read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "pipeline": {"commands", "cli", "render", "apply"},
    "commands": {"cli"},
    "importing": {"cli", "commands", "plan", "render", "apply"},
}


def _imports(path: Path) -> set[str]:
    """The reconciler packages or modules a file imports, by their first name under reconciler."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for name in names:
            parts = name.split(".")
            if parts[0] == "reconciler" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_or_sideways_import(package: str) -> None:
    files = (
        [PACKAGE / f"{package}.py"]
        if (PACKAGE / f"{package}.py").exists()
        else sorted((PACKAGE / package).glob("*.py"))
    )
    assert files
    bad = {
        f"{f.relative_to(PACKAGE)} imports reconciler.{name}"
        for f in files
        for name in _imports(f) & FORBIDDEN[package]
    }
    assert not bad


def test_planning_and_rendering_load_nothing_that_talks_to_aws() -> None:
    code = (
        "import sys, reconciler.plan.target, reconciler.render, reconciler.model;"
        "print(sorted(m for m in sys.modules"
        " if m.startswith(('reconciler.aws', 'reconciler.read', 'boto3', 'botocore'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_schema_marks_exactly_the_table_s_secrets() -> None:
    """The JSON Schema is a static file; it must agree with the one table of where secrets sit."""
    import json

    from reconciler.secrets.layout import FIXED, PARAMETER_BLOCKS, PARAMETER_LISTS

    schema = json.loads((PACKAGE / "schemas" / "connection.schema.json").read_text(encoding="utf-8"))
    references: set[str] = set()
    names: set[str] = set()

    def walk(node: object, name: str = "") -> None:
        if isinstance(node, dict):
            if node.get("$ref") == "#/$defs/SecretReference" and name:
                references.add(name)
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(value)
                    for prop, inner in value.items():
                        walk(inner, prop)
                else:
                    walk(value, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, name)

    walk(schema)
    assert references == {f.spec_path[-1] for f in FIXED}
    assert {b.spec_path[-1] for b in PARAMETER_BLOCKS} | set(PARAMETER_LISTS) <= names
