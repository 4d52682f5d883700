"""The repository's bounds (issue #20): what a run reads stays inside the repository, and
every input that could make a run endless or huge has a limit with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.load.yaml_loader import MAX_NODES
from support.cli import run, write

# One document of about 23,000 nodes through aliases: under the budget alone, not three of them.
_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: [" + ", ".join(["*c"] * 21) + "]\n"
)


def test_the_yaml_node_budget_is_per_file_not_per_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/bombs.yaml", "---\n".join([_BOMB] * 3))
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    budget = [line for line in result.err_lines if "YAML nodes" in line]
    assert budget == [f"c/bombs.yaml:11:4: file has more than {MAX_NODES} YAML nodes (alias expansion included)"]
