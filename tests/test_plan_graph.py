"""Apply walks the plan's graph; the place (account, region) is the unit (issue #19).

Each test reproduces a defect through the command line against the emulator: a wrong value
pushed, or something deleted, while every line said ✓."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from support.cli import ACCOUNT, REGION, api_key_spec, apply, destination_spec, live_api_key, oauth_spec, plan, run
from support.cli import write as write_file
from testing.emulator import TestEmulator


@pytest.fixture(autouse=True)
def stripe_secret(secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")


def two_targets(root: Path, a: dict[str, Any] | None = None, b: dict[str, Any] | None = None) -> None:
    """Targets a and b, both in the emulator's account and region: one place."""
    targets = [
        {"name": "a", "region": REGION, "specs": ["connections/a"], **(a or {})},
        {"name": "b", "region": REGION, "specs": ["connections/b"], **(b or {})},
    ]
    (root / "reconcile.yaml").write_text(json.dumps({"targets": targets}), encoding="utf-8")


# --- the place is the unit ----------------------------------------------------------------


def test_two_targets_at_one_place_share_one_rate_cap(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_targets(specs.parent)
    for target in ("a", "b"):
        for i in range(90):
            write_file(specs / target, f"{target}-{i}.yaml", api_key_spec(name=f"{target}-{i}"))
    aws.set_request_quota(50)
    aws.reset_counters()
    planned = run(capsys, "plan")
    assert planned.code == 2, planned.err
    assert "Plan: 180 to create" in planned.out
    describes = aws.calls("DescribeConnection")
    # Two caps of 45/s each (one per target) went over the 50/s quota: 16 of 196 throttled.
    assert aws.quota_throttled() <= 0.03 * describes, (aws.quota_throttled(), describes)


def test_two_pruning_targets_at_one_place_are_refused_before_any_read(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_targets(specs.parent, a={"prune": True}, b={"prune": True, "prune_prefixes": ["b-"]})
    write_file(specs / "a", "a.yaml", api_key_spec(name="a-1"))
    write_file(specs / "b", "b.yaml", api_key_spec(name="b-1"))
    aws.reset_counters()
    planned = run(capsys, "plan")
    assert planned.code == 1
    assert planned.err == (
        f"reconcile: error: targets a and b both prune at account {ACCOUNT}, region {REGION}, and their prune "
        "scopes overlap (a: every name; b: names starting 'b-'): each would delete what only the other may. Give "
        "them prune_prefixes that don't overlap, or prune in one of them. Nothing was read\n"
    )
    assert aws.calls("DescribeConnection") == aws.calls("ListConnections") == 0


def test_pruning_targets_with_disjoint_prefixes_share_a_place(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    two_targets(specs.parent, a={"prune": True, "prune_prefixes": ["a-"]}, b={"prune": True, "prune_prefixes": ["b-"]})
    write_file(specs / "a", "a.yaml", api_key_spec(name="a-1"))
    write_file(specs / "b", "b.yaml", api_key_spec(name="b-1"))
    live_api_key(events, "a-old")
    planned = run(capsys, "plan")
    assert planned.code == 2, planned.err
    assert "- [a] a-old: delete" in planned.out
    assert "[b] a-old" not in planned.out


@pytest.mark.parametrize("picked", [(), ("--target", "a")])
def test_pruning_never_deletes_what_another_target_at_the_place_declares(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str], picked: tuple[str, ...]
) -> None:
    two_targets(specs.parent, a={"prune": True})
    write_file(specs / "a", "a.yaml", api_key_spec(name="a-1"))
    write_file(specs / "b", "b.yaml", api_key_spec(name="orders"))
    live_api_key(events, "a-1")
    live_api_key(events, "orders")  # b's, in sync
    live_api_key(events, "stray")  # nobody's
    for _ in range(2):  # successive applies used to delete and recreate b's connection forever
        applied = run(capsys, "apply", "--yes", "--wait-timeout", "10", *picked)
        assert applied.code == 0, applied.err
        assert "orders: delete" not in applied.out
    names = {c["Name"] for c in events.list_connections()["Connections"]}
    assert names == {"a-1", "orders"}
    assert events.describe_connection(Name="orders")["ConnectionState"] == "AUTHORIZED"


# --- edges ------------------------------------------------------------------------------------


def test_a_connection_a_declared_destination_names_by_arn_is_not_pruned(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "legacy")
    arn = events.describe_connection(Name="legacy")["ConnectionArn"]
    write_file(specs, "stripe.yaml", api_key_spec())
    write_file(specs, "hook.yaml", destination_spec("hook", Connection=None, ConnectionArn=arn))
    aws.reset_counters()
    applied = apply(capsys, "--prune")
    assert applied.code == 1
    assert applied.err == (
        "reconcile: error: connection legacy would be deleted (--prune: no spec declares it), but API destination "
        "hook (connections/hook.yaml:7:1) points at it with ConnectionArn. Declare the connection, or point the "
        "destination elsewhere. Nothing was planned\n"
    )
    assert aws.write_calls() == 0
    assert events.describe_connection(Name="legacy")["ConnectionArn"] == arn


def test_a_rename_whose_create_fails_deletes_nothing(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe-old")
    write_file(specs, "stripe.yaml", api_key_spec(name="stripe-new"))
    aws.set_connection_quota(1)  # the account's quota is reached: the create fails
    aws.reset_counters()
    applied = apply(capsys, "--prune")
    assert applied.code == 1
    lines = applied.out.splitlines()
    assert any(line.startswith("✗ stripe-new: create failed: LimitExceededException") for line in lines), lines
    assert "✗ stripe-old: delete not attempted: an earlier write failed (stripe-new create failed)" in lines, (
        applied.out
    )
    assert aws.write_order() == [("CreateConnection", "stripe-new")]
    assert events.describe_connection(Name="stripe-old")["ConnectionState"] == "AUTHORIZED"
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 2 failed." in applied.out


def _authorizing_crm(aws: TestEmulator, secrets: Any, events: Any, specs: Path) -> None:
    """A live OAuth connection, as the spec declares it, still authorizing (an earlier apply timed out)."""
    secrets.create_secret(Name="prod/crm", SecretString='{"client_secret": "cs-1"}')
    write_file(specs, "crm.yaml", oauth_spec(tenant_header=False) + "---\n" + destination_spec("crm-hook", "crm"))
    aws.settle_into("crm", "AUTHORIZING")
    events.create_connection(
        Name="crm",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://login.example.com/token",
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "app", "ClientSecret": "cs-1"},
            }
        },
    )


def test_a_destination_is_not_written_while_its_unwritten_connection_is_authorizing(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _authorizing_crm(aws, secrets, events, specs)
    planned = plan(capsys)
    assert planned.code == 2, planned.err
    assert "~ crm:" not in planned.out and "+ crm:" not in planned.out  # the connection itself is in sync
    assert (
        "    ! connection crm is AUTHORIZING: apply writes this once it is AUTHORIZED or ACTIVE (waiting up to "
        "--wait-timeout)"
    ) in planned.out
    aws.reset_counters()
    applied = run(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "1")
    assert applied.code == 1
    assert "✗ crm: wait failed: still AUTHORIZING after 1s (--wait-timeout)" in applied.out
    assert (
        "✗ API destination crm-hook: create failed: not written, because crm wait failed: still AUTHORIZING "
        "after 1s (--wait-timeout)"
    ) in applied.out
    assert aws.write_calls() == 0


def test_a_destination_is_written_once_its_unwritten_connection_settles(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _authorizing_crm(aws, secrets, events, specs)
    aws.settle_into("crm", "AUTHORIZED")  # the next settle ends well: after a few more polls
    aws.set_transition_polls(3)
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert "✓ crm: settled (AUTHORIZED)" in applied.out
    assert events.describe_api_destination(Name="crm-hook")["ApiDestinationState"] == "ACTIVE"
    assert plan(capsys).code == 0


def test_not_found_right_after_a_create_is_waited_out(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/crm", SecretString='{"client_secret": "cs-1"}')
    write_file(specs, "crm.yaml", oauth_spec(tenant_header=False))
    aws.set_transition_polls(1)  # OAuth: AUTHORIZING in the reply, so apply describes it
    aws.inject("DescribeConnection", "not_found", times=2)
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert "✓ crm: created (AUTHORIZED)" in applied.out


# --- every outcome reported -------------------------------------------------------------


def test_an_unexpected_error_is_one_result_and_every_other_result_is_reported(
    aws: TestEmulator,
    specs: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    monkeypatch.setenv("RECONCILE_CRASH_DIR", str(crashes))
    for name in ("alpha", "beta", "gamma"):
        write_file(specs, f"{name}.yaml", api_key_spec(name=name))
    aws.inject("CreateConnection", "garbled")  # a reply botocore can't parse: no botocore error
    applied = apply(capsys, "--format", "json")
    assert applied.code == 3, applied.err
    document = json.loads(applied.out)
    by_name = {r["name"]: r for r in document["results"]}
    assert set(by_name) == {"alpha", "beta", "gamma"}
    crashed = [r for r in document["results"] if r["code"] == "InternalError"]
    assert len(crashed) == 1 and not crashed[0]["ok"]
    assert sum(r["ok"] for r in document["results"]) == 2
    assert document["summary"] == {"created": 2, "updated": 0, "deleted": 0, "failed": 1, "not_started": 0}
    [log] = list(crashes.iterdir())
    assert "ValueError: Invalid timestamp" in log.read_text(encoding="utf-8")
    assert str(log) in crashed[0]["detail"]
    assert "internal error during apply" in applied.err
    assert "run `reconcile plan` to see where things stand before applying again" in applied.err
    assert "rerun" not in applied.err.lower()


def test_results_name_their_target_when_there_are_several(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_file(
        specs.parent,
        "reconcile.yaml",
        f"""
        targets:
          - name: us
            region: {REGION}
            specs: [connections]
          - name: eu
            region: eu-west-1
            specs: [connections]
        """,
    )
    import boto3

    boto3.session.Session().client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="prod/stripe", SecretString="sk-value-1"
    )
    write_file(specs, "multi.yaml", api_key_spec(name="multi-a"))
    applied = run(capsys, "apply", "--yes", "--wait-timeout", "10")
    assert applied.code == 0, applied.err
    results = sorted(line for line in applied.out.splitlines() if "✓" in line)
    assert results == ["[eu] ✓ multi-a: created (AUTHORIZED)", "[us] ✓ multi-a: created (AUTHORIZED)"]


# --- saved plans ----------------------------------------------------------------------------


def test_a_saved_plan_is_applied_with_another_profile(
    aws: TestEmulator, specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plan with read-only credentials, apply with the deploy role: the place check guards where."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[readonly]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
        "[deploy]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    write_file(specs, "stripe.yaml", api_key_spec())
    saved = tmp_path / "plan.json"
    assert plan(capsys, "--profile", "readonly", "--out", str(saved)).code == 2
    assert "profile" not in json.loads(saved.read_text(encoding="utf-8"))["options"]
    applied = run(capsys, "apply", str(saved), "--yes", "--profile", "deploy")
    assert applied.code == 0, applied.err
    assert re.search(r"^✓ stripe: created", applied.out, re.M)


def test_an_update_whose_every_reply_timed_out_is_read_back_before_it_is_reported(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_api_key(events, "stripe", description="Old")
    write_file(specs, "stripe.yaml", api_key_spec())
    monkeypatch.setenv("RECONCILE_READ_TIMEOUT", "0.5")
    # Each attempt is acted on by the server after the client gave up on its reply.
    aws.inject("UpdateConnection", "timeout", times=5, seconds=1.0)
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert "✓ stripe: updated" in applied.out
    assert events.describe_connection(Name="stripe")["Description"] == "Stripe"
