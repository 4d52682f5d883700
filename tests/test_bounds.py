"""The repository's bounds (issue #20): what a run reads stays inside the repository, and
every input that could make a run endless or huge has a limit with a clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.aws.listing import list_connections, list_destinations
from reconciler.errors import ReconcileError
from reconciler.load.discover import display_path
from reconciler.load.specs import MAX_FILES, MAX_TOTAL_BYTES
from reconciler.load.yaml_loader import MAX_NODES
from support.cli import api_key_spec, run, write
from testing.emulator import TestEmulator

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


# --- listings that would never end --------------------------------------------------------

PAGE_AND_ONE = 101  # a second page at the listing's Limit of 100


def _connections(events: Any, n: int) -> str:
    for i in range(n):
        events.create_connection(
            Name=f"c{i:03}",
            AuthorizationType="API_KEY",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
        )
    return str(events.describe_connection(Name="c000")["ConnectionArn"])


def _destinations(events: Any, arn: str, n: int) -> None:
    for i in range(n):
        events.create_api_destination(
            Name=f"d{i:03}", ConnectionArn=arn, InvocationEndpoint="https://example.com/", HttpMethod="POST"
        )


@pytest.mark.parametrize("action", ["ListConnections", "ListApiDestinations"])
def test_a_listing_that_repeats_its_next_token_stops_the_plan(
    action: str,
    aws: TestEmulator,
    events: Any,
    secrets: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    arn = _connections(events, PAGE_AND_ONE if action == "ListConnections" else 1)
    if action == "ListApiDestinations":
        _destinations(events, arn, PAGE_AND_ONE)
    secrets.create_secret(Name="prod/stripe", SecretString="v")
    write(tmp_path, "c/c000.yaml", api_key_spec("c000"))
    # The second page answers its own token again, twice; then the server would move on.
    aws.inject(action, "repeat_token", times=3)
    aws.reset_counters()
    result = run(capsys, "plan", "--prune", "--dir", "c")
    assert result.code == 1
    assert result.err_lines == [
        f"reconcile: error: {action} answered a NextToken it had answered before (page 2): the listing would never "
        "end, so reconcile stopped reading it"
    ]
    assert aws.calls(action) == 2
    assert aws.write_calls() == 0


def test_a_listing_stops_after_its_page_limit(aws: TestEmulator, events: Any) -> None:
    arn = _connections(events, PAGE_AND_ONE)
    _destinations(events, arn, PAGE_AND_ONE)
    assert len(list_connections(events, max_pages=2)) == PAGE_AND_ONE
    with pytest.raises(ReconcileError) as connections:
        list_connections(events, max_pages=1)
    assert str(connections.value) == (
        "ListConnections had more after 1 pages of 100 (a region holds 3,000 by default): reconcile stops there "
        "rather than list without end"
    )
    with pytest.raises(ReconcileError) as destinations:
        list_destinations(events, max_pages=1)
    assert str(destinations.value).startswith("ListApiDestinations had more after 1 pages of 100")


# --- the repository: reconcile.yaml's specs paths and links in specs folders ----------------

CONFIG = """
targets:
  - name: prod
    region: us-east-1
    specs: [{specs}]
"""


def test_specs_paths_must_stay_inside_the_git_work_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(tmp_path, "elsewhere/a.yaml", api_key_spec("a"))
    write(repo, "connections/b.yaml", api_key_spec("b"))
    write(repo, "reconcile.yaml", CONFIG.format(specs="connections, /etc, ../elsewhere, connections/../../elsewhere"))
    monkeypatch.chdir(repo)
    result = run(capsys, "validate")
    assert result.code == 1
    message = "is outside the repository (.); specs paths must stay inside it"
    assert result.err_lines[:3] == [
        f"reconcile.yaml:4:26: targets[0].specs[1]: '/etc' {message}",
        f"reconcile.yaml:4:32: targets[0].specs[2]: '../elsewhere' {message}",
        f"reconcile.yaml:4:46: targets[0].specs[3]: 'connections/../../elsewhere' {message}",
    ]


def test_specs_paths_may_leave_the_config_folder_within_the_work_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/x\n")  # a worktree's .git is a file
    write(tmp_path, "shared/a.yaml", api_key_spec("a"))
    write(tmp_path, "deploy/reconcile.yaml", CONFIG.format(specs="../shared"))
    monkeypatch.chdir(tmp_path / "deploy")
    result = run(capsys, "validate")
    assert (result.code, result.err) == (0, "")


def test_without_git_the_config_folder_is_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "shared/a.yaml", api_key_spec("a"))
    write(tmp_path, "deploy/reconcile.yaml", CONFIG.format(specs="../shared"))
    monkeypatch.chdir(tmp_path / "deploy")
    result = run(capsys, "validate")
    assert result.code == 1
    assert result.err_lines[0] == (
        "reconcile.yaml:4:13: targets[0].specs[0]: '../shared' is outside the repository (.); specs paths must stay "
        "inside it"
    )


def test_a_link_out_of_the_repository_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(tmp_path, "outside/a.yaml", api_key_spec("a"))
    write(repo, "shared/b.yaml", api_key_spec("b"))
    write(repo, "connections/c.yaml", api_key_spec("c"))
    (repo / "connections" / "file.yaml").symlink_to(tmp_path / "outside" / "a.yaml")
    (repo / "connections" / "folder").symlink_to(tmp_path / "outside")
    (repo / "connections" / "shared").symlink_to(repo / "shared")  # inside: followed
    monkeypatch.chdir(repo)
    result = run(capsys, "validate", "--dir", "connections", "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    outside = display_path(str(tmp_path / "outside"))
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        (
            "connections/file.yaml",
            f"symlink to {outside}/a.yaml, outside the repository (.); links in a specs folder must stay inside it",
        ),
        (
            "connections/folder",
            f"symlink to {outside}, outside the repository (.); links in a specs folder must stay inside it",
        ),
    ]
    (repo / "connections" / "file.yaml").unlink()
    (repo / "connections" / "folder").unlink()
    result = run(capsys, "validate", "--dir", "connections", "--format", "json")
    assert (result.code, json.loads(result.out)["connections"]) == (0, 2)


def test_without_git_or_config_a_specs_folder_is_its_own_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "outside.yaml", api_key_spec("a"))
    write(tmp_path, "c/b.yaml", api_key_spec("b"))
    (tmp_path / "c" / "a.yaml").symlink_to(tmp_path / "outside.yaml")
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    assert result.err_lines[0] == (
        "c/a.yaml: symlink to outside.yaml, outside the repository (c); links in a specs folder must stay inside it"
    )


# --- spec files and bytes per run ---------------------------------------------------------


def test_more_spec_files_than_a_run_reads_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "c"
    folder.mkdir()
    for i in range(MAX_FILES + 1):
        (folder / f"{i:05}.yaml").touch()
    result = run(capsys, "validate", "--dir", "c")
    assert (result.code, result.err) == (
        1,
        f"reconcile: error: more than 20,000 spec files in this run (at c/{MAX_FILES:05}.yaml); reconcile reads at "
        "most 20,000 files and 32 MiB of specs per run: run fewer targets at once (--target)\n",
    )


def _sparse(folder: Path, count: int) -> None:
    """`count` files of 1 MiB that take no disk (and would fail to parse, were they read)."""
    folder.mkdir(parents=True)
    for i in range(count):
        with open(folder / f"{i:02}.yaml", "wb") as handle:
            handle.truncate(1 << 20)


def test_the_byte_limit_is_per_run_over_every_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    half = (MAX_TOTAL_BYTES >> 20) // 2 + 1
    _sparse(tmp_path / "us", half)
    _sparse(tmp_path / "eu", half)
    config = CONFIG.format(specs="us") + "  - name: eu\n    region: eu-west-1\n    specs: [eu]\n"
    write(tmp_path, "reconcile.yaml", config)
    result = run(capsys, "validate")
    assert (result.code, result.err) == (
        1,
        f"reconcile: error: more than 32 MiB of spec files in this run (at eu/{32 - half:02}.yaml); reconcile reads "
        "at most 20,000 files and 32 MiB of specs per run: run fewer targets at once (--target)\n",
    )
    one = run(capsys, "validate", "--target", "eu")
    assert one.code == 1
    assert "MiB" not in one.err  # one target alone is within the limit: its files are read (and invalid)
