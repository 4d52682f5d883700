"""Pruning, saved plans and renames (issue #6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import Result, api_key_spec, live_api_key, place_line, run, write
from testing.emulator import TestEmulator


@pytest.fixture(autouse=True)
def stripe_secret(secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")


def _run(capsys: pytest.CaptureFixture[str], command: str, *extra: str) -> Result:
    args = ["--dir", "connections"]
    if command == "apply":
        args += ["--yes", "--wait-timeout", "10"]
    return run(capsys, command, *args, *extra)


def test_prune_deletes_undeclared_first_and_only_with_the_flag(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    live_api_key(events, "keep")
    live_api_key(events, "app-old")
    live_api_key(events, "other-old")
    assert _run(capsys, "plan").code == 0  # undeclared connections are never touched without --prune
    plan = _run(capsys, "plan", "--prune", "--prune-prefix", "app-")
    assert plan.code == 2
    assert plan.out.splitlines()[:4] == [
        place_line(),
        "",
        "- app-old: delete",
        '    - Name: "app-old"  (no spec declares it)',
    ]
    assert "other-old" not in plan.out
    assert "Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged." in plan.out
    applied = _run(capsys, "apply", "--prune", "--prune-prefix", "app-")
    assert applied.code == 0, applied.err
    assert "✓ app-old: deleted" in applied.out
    names = {c["Name"] for c in events.list_connections()["Connections"]}
    assert names == {"keep", "other-old"}


def test_prune_refuses_an_empty_specs_folder(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    specs.mkdir()
    live_api_key(events, "precious")
    aws.reset_counters()
    result = _run(capsys, "apply", "--prune")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: refusing to prune target default: its specs folder holds no specs, "
        "and pruning would delete every connection\n"
    )
    assert aws.write_calls() == 0


def test_prune_refuses_when_specs_cannot_be_read(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "keep.yaml", "Name: [\n")
    live_api_key(events, "precious")
    aws.reset_counters()
    assert _run(capsys, "apply", "--prune").code == 1
    assert aws.write_calls() == 0


def test_prune_names_api_destinations_that_would_break(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    live_api_key(events, "keep")
    live_api_key(events, "used")
    arn = events.describe_connection(Name="used")["ConnectionArn"]
    events.create_api_destination(
        Name="orders-webhook", ConnectionArn=arn, InvocationEndpoint="https://example.com/hook", HttpMethod="POST"
    )
    plan = _run(capsys, "plan", "--prune")
    assert (
        "    ! in use by API destination(s) orders-webhook: deleting it breaks them "
        "(apply refuses unless --force-delete-in-use)"
    ) in plan.out
    aws.reset_counters()
    refused = _run(capsys, "apply", "--prune")
    assert refused.code == 1
    assert refused.err.startswith(
        "reconcile: error: refusing to delete connections that API destinations use: "
        "used (in use by API destination(s) orders-webhook)"
    )
    assert aws.write_calls() == 0
    forced = _run(capsys, "apply", "--prune", "--force-delete-in-use")
    assert forced.code == 0, forced.err


def test_rename_is_create_plus_delete_and_says_so(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec(name="stripe-v2"))
    live_api_key(events, "stripe")
    plan = _run(capsys, "plan")
    assert (
        "    ! if this renames stripe: Name is the identity, so it is created anew "
        "and the old one stays (use --prune to delete it)"
    ) in plan.out
    pruned = _run(capsys, "plan", "--prune")
    lines = pruned.out.splitlines()
    assert lines[:3] == [place_line(), "", "- stripe: delete"]
    assert (
        "    ! if this renames stripe: Name is the identity, so it is created anew and the old one deleted (--prune)"
        in lines
    )
    assert "Plan: 1 to create, 0 to update, 1 to delete, 0 unchanged." in pruned.out


def test_saved_plan_applies_exactly_what_was_reviewed(
    aws: TestEmulator, specs: Path, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec(description="New"))
    live_api_key(events, "stripe", description="Old")
    saved = tmp_path / "plan.json"
    assert _run(capsys, "plan", "--out", str(saved)).code == 2
    document = json.loads(saved.read_text())
    assert document["kind"] == "reconcile-plan"
    assert document["connections"][0]["secret_versions"]["AuthParameters.ApiKeyAuthParameters.ApiKeyValue"].startswith(
        "prod/stripe@"
    )
    aws.reset_counters()
    applied = run(capsys, "apply", str(saved), "--yes", "--wait-timeout", "10")
    assert applied.code == 0, applied.err
    assert aws.calls("UpdateConnection") == 1
    assert events.describe_connection(Name="stripe")["Description"] == "New"


@pytest.mark.parametrize(
    "change, reason",
    [
        ("live", "stripe: changed live since the plan (LastModifiedTime "),
        ("spec", "stripe: its spec changed since the plan"),
        (
            "secret",
            "stripe: secret prod/stripe has a new version since the plan "
            "(AuthParameters.ApiKeyAuthParameters.ApiKeyValue)",
        ),
        ("new spec", "specs changed for target default: added other"),
    ],
)
def test_stale_saved_plan_is_refused(
    change: str,
    reason: str,
    aws: TestEmulator,
    specs: Path,
    events: Any,
    secrets: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(specs, "stripe.yaml", api_key_spec(description="New"))
    live_api_key(events, "stripe", description="Old")
    saved = tmp_path / "plan.json"
    assert _run(capsys, "plan", "--out", str(saved)).code == 2
    if change == "live":
        events.update_connection(Name="stripe", Description="Changed by someone else")
    elif change == "spec":
        write(specs, "stripe.yaml", api_key_spec(description="Newer"))
    elif change == "secret":
        secrets.put_secret_value(SecretId="prod/stripe", SecretString="sk-value-2")
    else:
        write(specs, "other.yaml", api_key_spec(name="other"))
    aws.reset_counters()
    result = run(capsys, "apply", str(saved), "--yes")
    assert result.code == 1
    assert result.err.startswith(
        f"reconcile: error: {saved} is stale; nothing was written. Run plan again and review it:\n  - {reason}"
    )
    assert aws.write_calls() == 0


def test_saved_plan_holds_no_secret_value(
    aws: TestEmulator, specs: Path, events: Any, secrets: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.put_secret_value(SecretId="prod/stripe", SecretString="SENTINEL-saved-plan-value")
    write(specs, "stripe.yaml", api_key_spec())
    live_api_key(events, "stripe")  # holds sk-value-1: the plan shows a secret change
    saved = tmp_path / "plan.json"
    plan = _run(capsys, "plan", "--out", str(saved))
    assert "(secret changed" in plan.out
    assert "SENTINEL" not in saved.read_text() + plan.out + plan.err


def test_a_saved_prune_never_deletes_what_appeared_after_it(
    aws: TestEmulator, specs: Path, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec(description="New"))
    live_api_key(events, "stripe", description="Old")
    saved = tmp_path / "plan.json"
    assert _run(capsys, "plan", "--prune", "--out", str(saved)).code == 2  # an update, no deletion
    live_api_key(events, "arrived-later")  # someone else's connection, created after the review
    aws.reset_counters()
    result = run(capsys, "apply", str(saved), "--yes")
    assert result.code == 1
    assert result.err.startswith(
        f"reconcile: error: {saved} is stale; nothing was written. Run plan again and review it:\n"
        "  - arrived-later: not in the saved plan, and would now be a delete"
    )
    assert aws.write_calls() == 0
    assert "arrived-later" in {c["Name"] for c in events.list_connections()["Connections"]}
