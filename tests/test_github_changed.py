"""`changed`: the plan workflow runs on every pull request and plans only those that change
what reconcile reads, so its required check always completes (GitHub leaves a check skipped by
a `paths:` filter pending)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.github.cli import main
from support.cli import write
from support.fake_github import FakeGitHub, github_env, outputs

CONFIG = """
targets:
  - name: blue
    region: us-east-1
    specs: [teams/blue]
  - name: green
    region: eu-west-1
    specs: [teams/green/prod.yaml]
"""


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("RECONCILE_DIR", raising=False)
        yield fake


def _changed(github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str], *files: str) -> tuple[str, str]:
    github.change_files(7, *files)
    (tmp_path / "github-output").write_text("", encoding="utf-8")
    capsys.readouterr()
    assert main(["changed", "--pr", "7", "--summary", str(tmp_path / "summary.md")]) == 0
    return outputs(tmp_path / "github-output")["changed"], capsys.readouterr().out


@pytest.mark.parametrize(
    "files, reason",
    [
        (["README.md", "teams/blue/sub/orders.yaml"], "teams/blue/sub/orders.yaml is read by reconcile (teams/blue)"),
        (["teams/green/prod.yaml"], "teams/green/prod.yaml is read by reconcile (teams/green/prod.yaml)"),
        (["teams/blue/old.yaml -> archive/old.yaml"], "teams/blue/old.yaml is read by reconcile (teams/blue)"),
        (["reconcile.yaml"], "reconcile.yaml is read by reconcile (reconcile.yaml)"),
        (["schemas/connection.schema.json"], "schemas/connection.schema.json is read by reconcile (schemas)"),
    ],
)
def test_a_change_to_what_reconcile_reads_is_planned(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str], files: list[str], reason: str
) -> None:
    write(tmp_path, "reconcile.yaml", CONFIG)
    assert _changed(github, tmp_path, capsys, *files) == (
        "true",
        f"reconcile-github: pull request #7 changes what reconcile reads: {reason}\n",
    )
    assert not (tmp_path / "summary.md").exists()


def test_other_changes_are_not_planned_and_the_check_still_succeeds(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "reconcile.yaml", CONFIG)
    # connections/ is no specs folder here: reconcile.yaml names others.
    changed, out = _changed(github, tmp_path, capsys, "README.md", "connections/x.yaml", "teams/green/dev.yaml")
    why = "no file reconcile reads (specs, reconcile.yaml, schemas/) changed"
    assert (changed, out) == ("false", f"reconcile-github: pull request #7: {why}; nothing to validate or plan\n")
    assert (tmp_path / "summary.md").read_text() == f"### reconcile plan\n\n✅ Nothing to plan: {why}.\n"
    assert github.writes() == []


def test_without_reconcile_yaml_the_specs_folder_is_connections(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _changed(github, tmp_path, capsys, "docs/x.md")[0] == "false"
    assert _changed(github, tmp_path, capsys, "connections/team/x.yml")[0] == "true"
    # A reconcile.yaml the pull request adds counts too.
    assert _changed(github, tmp_path, capsys, "reconcile.yaml")[0] == "true"


def test_an_unreadable_config_or_too_many_files_counts_as_changed(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "reconcile.yaml", "targets: [\n")
    assert _changed(github, tmp_path, capsys, "README.md") == (
        "true",
        "reconcile-github: pull request #7 changes what reconcile reads: reconcile.yaml could not be resolved; "
        "planning to show why\n",
    )
    write(tmp_path, "reconcile.yaml", CONFIG)
    github.page_size = 100
    changed, out = _changed(github, tmp_path, capsys, *(f"docs/{i}.md" for i in range(3000)))
    assert changed == "true" and "GitHub lists at most 3000" in out
