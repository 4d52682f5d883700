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
    "plan": {"aws", "read", "render", "apply", "pipeline", "commands", "cli", "saved_plan"},
    "render": {"aws", "read", "plan", "apply", "pipeline", "commands", "cli", "saved_plan"},
    "diff": {"aws", "read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "secrets": {"aws", "read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "read": {"plan", "render", "apply", "pipeline", "commands", "cli"},
    "apply": {"read", "render", "commands", "cli"},
    "aws": {"read", "plan", "render", "apply", "pipeline", "commands", "cli"},
    "pipeline": {"commands", "cli", "render", "apply"},
    "commands": {"cli"},
}


def _imports(path: Path) -> set[str]:
    """The reconciler packages or modules a file imports, by their first name under reconciler."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "reconciler" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_or_sideways_import(package: str) -> None:
    files = [PACKAGE / f"{package}.py"] if (PACKAGE / f"{package}.py").exists() else sorted((PACKAGE / package).glob("*.py"))
    assert files
    bad = {f"{f.relative_to(PACKAGE)} imports reconciler.{name}" for f in files for name in _imports(f) & FORBIDDEN[package]}
    assert not bad


def test_planning_and_rendering_load_nothing_that_talks_to_aws() -> None:
    code = ("import sys, reconciler.plan.target, reconciler.render, reconciler.model;"
            "print(sorted(m for m in sys.modules if m.startswith(('reconciler.aws', 'reconciler.read', 'boto3', 'botocore'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
