"""The shipped schema files: valid for every tool that reads them (editors check patterns as
ECMAScript regexes), and each names its own URL at the release tag."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import reconciler

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [
    *sorted((ROOT / "schemas").glob("*.json")),
    *sorted(Path(str(resources.files("reconciler").joinpath("schemas"))).glob("*.json")),
]


def _check_metaschema(path: Path) -> subprocess.CompletedProcess[str]:
    # The default regex variant: ECMAScript with the unicode flag, as editors apply it.
    argv = [sys.executable, "-m", "check_jsonschema", "--check-metaschema", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_both_copies_are_shipped() -> None:
    names = [p.name for p in SHIPPED]
    assert names == ["config.schema.json", "connection.schema.json"] * 2


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_check_jsonschema_accepts_the_schema(path: Path) -> None:
    proc = _check_metaschema(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_jsonschema_rejects_a_python_only_pattern(tmp_path: Path) -> None:
    # A control: `\-` outside a class is valid for Python's re but not in ECMAScript's unicode mode.
    bad = tmp_path / "bad.schema.json"
    bad.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "pattern": "^a\\-b$"}))
    proc = _check_metaschema(bad)
    assert proc.returncode == 1 and "is not a 'regex'" in proc.stdout


@pytest.mark.parametrize("name", ["config.schema.json", "connection.schema.json"])
def test_id_is_the_raw_file_at_the_release_tag(name: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    owner_repo = project["urls"]["Repository"].removeprefix("https://github.com/")
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    assert schema["$id"] == (f"https://raw.githubusercontent.com/{owner_repo}/v{reconciler.__version__}/schemas/{name}")
