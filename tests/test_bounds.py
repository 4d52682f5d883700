"""The repository's bounds (issue #20): what a run reads stays inside the repository, and
every input that could make a run endless or huge has a limit with a clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.aws.listing import list_connections, list_destinations
from reconciler.errors import ReconcileError
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
