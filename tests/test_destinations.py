"""API destinations as code (issue #15): plan and apply them with their connections, through
the command line against the emulator."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.github.cli import main as github_main
from support.cli import HEADER, api_key_spec, apply, destination_spec, live_api_key, oauth_spec, plan, run, write
from support.fake_github import FakeGitHub, github_env
from support.iam import called_actions, policy_actions
from testing.emulator import TestEmulator


def both(connection: str = "stripe", destination: str = "stripe-webhooks", **overrides: Any) -> str:
    """One file: a connection, and an API destination using it."""
    return api_key_spec(name=connection) + "---\n" + destination_spec(destination, connection, **overrides)


def live_destination(events: Any, name: str, connection: str, **fields: Any) -> str:
    """A live destination as the spec above would make it, unless `fields` say otherwise."""
    arn = events.describe_connection(Name=connection)["ConnectionArn"]
    request = {
        "Name": name,
        "Description": "Stripe events to the payments service",
        "ConnectionArn": arn,
        "InvocationEndpoint": "https://api.example.com/stripe/*",
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 20,
    }
    request.update(fields)
    events.create_api_destination(**{k: v for k, v in request.items() if v is not None})
    return arn


def versionless(text: str) -> str:
    """Secret version ids are made up by the emulator: shown as `version …`."""
    return re.sub(r"version [0-9a-f]+…", "version …", text)


@pytest.fixture(autouse=True)
def stripe_secret(secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")


def test_creates_the_connection_then_its_destination(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", both())
    planned = plan(capsys)
    assert planned.code == 2
    assert versionless(planned.out) == HEADER + (
        "+ stripe: create  (connections/stripe.yaml)\n"
        '    + Description: "Stripe"\n'
        '    + AuthorizationType: "API_KEY"\n'
        '    + AuthParameters.ApiKeyAuthParameters.ApiKeyName: "x-api-key"\n'
        "    + AuthParameters.ApiKeyAuthParameters.ApiKeyValue: (secret: prod/stripe version …)\n"
        "\n"
        "+ API destination stripe-webhooks: create  (connections/stripe.yaml)\n"
        '    + Description: "Stripe events to the payments service"\n'
        "    + ConnectionArn: (ARN of connection stripe, known after it is created)\n"
        '    + InvocationEndpoint: "https://api.example.com/stripe/*"\n'
        '    + HttpMethod: "POST"\n'
        "    + InvocationRateLimitPerSecond: 20\n"
        "\n"
        "Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged.\n"
    )
    aws.reset_counters()
    applied = apply(capsys, "--summary", "summary.md")
    assert applied.code == 0, applied.err
    assert aws.write_order() == [("CreateConnection", "stripe"), ("CreateApiDestination", "stripe-webhooks")]
    summary = Path("summary.md").read_text(encoding="utf-8")
    assert "| Name | Action | Result |\n|---|---|---|\n| `stripe` | create | ✅ AUTHORIZED |\n" in summary
    assert "| `stripe-webhooks` (API destination) | create | ✅ ACTIVE |" in summary
    assert "✓ API destination stripe-webhooks: created (ACTIVE)" in applied.out
    assert "Apply complete: 2 created, 0 updated, 0 deleted, 0 failed." in applied.out
    live = events.describe_api_destination(Name="stripe-webhooks")
    assert live["ConnectionArn"] == events.describe_connection(Name="stripe")["ConnectionArn"]
    assert (live["InvocationRateLimitPerSecond"], live["ApiDestinationState"]) == (20, "ACTIVE")
    again = plan(capsys)
    assert (again.code, again.out) == (
        0,
        HEADER + "No changes: 1 connection(s) and 1 API destination(s) match the specs.\n",
    )


def test_the_json_plan_gives_each_change_its_type(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", both())
    document = json.loads(plan(capsys, "--format", "json").out)
    by_type = {(c["type"], c["name"]): c for c in document["changes"]}
    assert set(by_type) == {("AWS::Events::Connection", "stripe"), ("AWS::Events::ApiDestination", "stripe-webhooks")}
    destination = by_type[("AWS::Events::ApiDestination", "stripe-webhooks")]
    assert (destination["action"], destination["connection"]) == ("create", "stripe")
    arn = next(f for f in destination["fields"] if f["path"] == "ConnectionArn")
    assert arn == {
        "path": "ConnectionArn",
        "op": "add",
        "before": None,
        "after": "(ARN of connection stripe, known after it is created)",
        "secret": False,
        "known_after_apply": True,
    }
    assert "connection" not in by_type[("AWS::Events::Connection", "stripe")]


def test_markdown_marks_destinations(aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(specs, "stripe.yaml", both())
    markdown = plan(capsys, "--format", "markdown").out
    assert "| Name | Action | Fields | Spec |" in markdown
    assert "| `stripe-webhooks` (API destination) | 🟢 create | 5 | `connections/stripe.yaml` |" in markdown
    assert "<summary><code>+ stripe-webhooks</code> (API destination, create)</summary>" in markdown


def test_a_destination_is_written_with_an_existing_connection_alone(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe")
    write(specs, "stripe.yaml", both())
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert aws.write_order() == [("CreateApiDestination", "stripe-webhooks")]


@pytest.mark.parametrize(
    ("live", "spec", "line"),
    [
        ({"Description": "Old words"}, {}, '~ Description: "Old words" → "Stripe events to the payments service"'),
        ({}, {"Description": None}, '- Description: "Stripe events to the payments service"'),
        (
            {"InvocationEndpoint": "https://old.example.com/hook"},
            {},
            '~ InvocationEndpoint: "https://old.example.com/hook" → "https://api.example.com/stripe/*"',
        ),
        ({"HttpMethod": "PUT"}, {}, '~ HttpMethod: "PUT" → "POST"'),
        ({"InvocationRateLimitPerSecond": 5}, {}, "~ InvocationRateLimitPerSecond: 5 → 20"),
        # Absent in the spec means AWS's default, 300: a live 20 is drift.
        ({}, {"InvocationRateLimitPerSecond": None}, "~ InvocationRateLimitPerSecond: 20 → 300"),
    ],
    ids=["description", "description-removed", "endpoint", "method", "rate", "rate-default"],
)
def test_each_destination_field_drifts_and_converges(
    aws: TestEmulator,
    specs: Path,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    live: dict[str, Any],
    spec: dict[str, Any],
    line: str,
) -> None:
    live_api_key(events, "stripe")
    live_destination(events, "stripe-webhooks", "stripe", **live)
    write(specs, "stripe.yaml", both(**spec))
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out == HEADER + (
        f"~ API destination stripe-webhooks: update  (connections/stripe.yaml)\n    {line}\n\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 1 unchanged.\n"
    )
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert aws.write_order() == [("UpdateApiDestination", "stripe-webhooks")]
    assert plan(capsys).code == 0


def test_the_connection_arn_drifts(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe")
    live_api_key(events, "elsewhere")
    wrong = live_destination(events, "stripe-webhooks", "elsewhere")
    right = events.describe_connection(Name="stripe")["ConnectionArn"]
    write(specs, "stripe.yaml", both())
    planned = plan(capsys)
    assert f'    ~ ConnectionArn: "{wrong}" → "{right}"\n' in planned.out
    assert apply(capsys).code == 0
    assert events.describe_api_destination(Name="stripe-webhooks")["ConnectionArn"] == right
    assert plan(capsys).code == 0


def test_a_destination_given_a_connection_arn_takes_it_as_is(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "managed-elsewhere")
    arn = events.describe_connection(Name="managed-elsewhere")["ConnectionArn"]
    write(specs, "hook.yaml", destination_spec("hook", Connection=None, ConnectionArn=arn))
    assert apply(capsys).code == 0
    assert events.describe_api_destination(Name="hook")["ConnectionArn"] == arn
    assert plan(capsys).code == 0


def test_a_rename_repoints_destinations_then_prunes_the_old_connection(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe-old")
    old = live_destination(events, "stripe-webhooks", "stripe-old")
    write(specs, "stripe.yaml", both(connection="stripe-new"))
    planned = plan(capsys, "--prune")
    assert planned.code == 2
    assert versionless(planned.out) == HEADER + (
        "- stripe-old: delete\n"
        '    - Name: "stripe-old"  (no spec declares it)\n'
        "    ! deleted after API destination(s) stripe-webhooks stop using it (this apply moves or deletes them)\n"
        "\n"
        "+ stripe-new: create  (connections/stripe.yaml)\n"
        '    + Description: "Stripe"\n'
        '    + AuthorizationType: "API_KEY"\n'
        '    + AuthParameters.ApiKeyAuthParameters.ApiKeyName: "x-api-key"\n'
        "    + AuthParameters.ApiKeyAuthParameters.ApiKeyValue: (secret: prod/stripe version …)\n"
        "    ! if this renames stripe-old: Name is the identity, so it is created anew and the old one deleted "
        "(--prune)\n"
        "\n"
        "~ API destination stripe-webhooks: update  (connections/stripe.yaml)\n"
        f'    ~ ConnectionArn: "{old}" → (ARN of connection stripe-new, known after it is created)\n'
        "\n"
        "Plan: 1 to create, 1 to update, 1 to delete, 0 unchanged.\n"
    )
    aws.reset_counters()
    applied = apply(capsys, "--prune")  # not in use: its only user moves in the same apply
    assert applied.code == 0, applied.err
    assert aws.write_order() == [
        ("CreateConnection", "stripe-new"),
        ("UpdateApiDestination", "stripe-webhooks"),
        ("DeleteConnection", "stripe-old"),
    ]
    new = events.describe_connection(Name="stripe-new")["ConnectionArn"]
    assert events.describe_api_destination(Name="stripe-webhooks")["ConnectionArn"] == new
    assert plan(capsys, "--prune").code == 0


def test_a_rename_without_prune_keeps_the_old_connection(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe-old")
    live_destination(events, "stripe-webhooks", "stripe-old")
    write(specs, "stripe.yaml", both(connection="stripe-new"))
    assert apply(capsys).code == 0
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"stripe-old", "stripe-new"}


def test_prune_deletes_destinations_first_then_connections(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", both())
    live_api_key(events, "stripe")
    live_destination(events, "stripe-webhooks", "stripe")
    live_api_key(events, "legacy")
    live_destination(events, "legacy-hook", "legacy")
    live_destination(events, "legacy-audit", "legacy")
    planned = plan(capsys, "--prune")
    assert planned.out.splitlines()[2:4] == [
        "- API destination legacy-audit: delete",
        '    - Name: "legacy-audit"  (no spec declares it)',
    ]
    aws.reset_counters()
    applied = apply(capsys, "--prune")
    assert applied.code == 0, applied.err
    order = aws.write_order()
    assert sorted(order[:2]) == [("DeleteApiDestination", "legacy-audit"), ("DeleteApiDestination", "legacy-hook")]
    assert order[2:] == [("DeleteConnection", "legacy")]
    assert [d["Name"] for d in events.list_api_destinations()["ApiDestinations"]] == ["stripe-webhooks"]
    assert plan(capsys, "--prune").code == 0


def test_prune_keeps_to_its_prefix_and_protects_connections_used_outside_it(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", both(connection="app-stripe", destination="app-stripe-webhooks"))
    live_api_key(events, "app-stripe")
    live_destination(events, "app-stripe-webhooks", "app-stripe")
    live_api_key(events, "app-legacy")
    live_destination(events, "other-team-hook", "app-legacy")  # outside the prefix: never pruned
    planned = plan(capsys, "--prune-prefix", "app-")
    assert "- app-legacy: delete" in planned.out
    assert "in use by API destination(s) other-team-hook" in planned.out
    assert "other-team-hook: delete" not in planned.out
    aws.reset_counters()
    refused = apply(capsys, "--prune-prefix", "app-")
    assert refused.code == 1
    assert "refusing to delete connections that API destinations use: app-legacy" in refused.err
    assert aws.write_calls() == 0


def test_connections_alone_leave_destinations_to_whatever_manages_them(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target declaring no API destination never prunes one: they are managed elsewhere."""
    write(specs, "stripe.yaml", api_key_spec(name="stripe"))
    live_api_key(events, "stripe")
    live_destination(events, "terraform-hook", "stripe")
    planned = plan(capsys, "--prune")
    assert planned.code == 0, planned.out


def test_a_failed_connection_fails_its_destinations_and_writes_nothing_for_them(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/crm", SecretString='{"client_secret": "cs-1", "tenant": "t-1"}')
    write(specs, "crm.yaml", oauth_spec() + "---\n" + destination_spec("crm-hook", "crm"))
    aws.settle_into("crm", "DEAUTHORIZED", "Invalid client credentials")
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 1
    assert aws.calls("CreateApiDestination") == 0
    assert (
        "✗ API destination crm-hook: create failed: not written, because crm create failed: "
        "DEAUTHORIZED: Invalid client credentials"
    ) in applied.out
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 2 failed." in applied.out


def test_a_destination_waits_for_an_oauth_connection_to_authorize(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/crm", SecretString='{"client_secret": "cs-1", "tenant": "t-1"}')
    write(specs, "crm.yaml", oauth_spec() + "---\n" + destination_spec("crm-hook", "crm"))
    aws.set_transition_polls(2)
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert aws.write_order() == [("CreateConnection", "crm"), ("CreateApiDestination", "crm-hook")]
    # Created only once its connection settled: ACTIVE at once, never INACTIVE.
    assert events.describe_api_destination(Name="crm-hook")["ApiDestinationState"] == "ACTIVE"


def test_saved_plans_cover_destinations(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    live_api_key(events, "stripe")
    live_destination(events, "stripe-webhooks", "stripe", HttpMethod="PUT")
    write(specs, "stripe.yaml", both())
    saved = tmp_path / "plan.json"
    assert plan(capsys, "--out", str(saved)).code == 2
    shown = run(capsys, "show", str(saved))
    assert '~ API destination stripe-webhooks: update  (connections/stripe.yaml)\n    ~ HttpMethod: "PUT" → "POST"' in (
        shown.out
    )
    events.update_api_destination(Name="stripe-webhooks", HttpMethod="PATCH")  # behind the plan's back
    stale = run(capsys, "apply", str(saved), "--yes")
    assert stale.code == 1
    assert "API destination stripe-webhooks: changed live since the plan" in stale.err
    assert events.describe_api_destination(Name="stripe-webhooks")["HttpMethod"] == "PATCH"
    assert plan(capsys, "--out", str(saved)).code == 2
    assert run(capsys, "apply", str(saved), "--yes").code == 0
    assert events.describe_api_destination(Name="stripe-webhooks")["HttpMethod"] == "POST"


def test_only_picks_destinations_by_name(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe", description="Old")
    write(specs, "stripe.yaml", both())
    planned = plan(capsys, "--only", "stripe-webhooks")
    assert planned.code == 2
    assert "+ API destination stripe-webhooks: create" in planned.out
    assert "~ stripe: update" not in planned.out
    assert apply(capsys, "--only", "stripe-webhooks").code == 0
    assert events.describe_connection(Name="stripe")["Description"] == "Old"


def test_only_refuses_a_destination_whose_connection_it_leaves_out_and_that_does_not_exist(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", both())
    aws.reset_counters()
    result = apply(capsys, "--only", "stripe-webhooks")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: API destination stripe-webhooks needs connection stripe, which does not exist yet and is "
        "left out of this plan (--only): add it to --only. Nothing was planned\n"
    )
    assert aws.write_calls() == 0


def test_a_destination_naming_an_undeclared_connection_is_refused_before_aws(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec(name="stripe-payments") + "---\n" + destination_spec(connection="stripe-payment"),
    )
    aws.reset_counters()
    for command in ("validate", "plan"):
        result = run(capsys, command, "--dir", "connections")
        assert result.code == 1
        assert "connections/stripe.yaml:12:1: Connection:" in result.err, result.err
        assert "did you mean 'stripe-payments'?" in result.err
    assert aws.calls() == 0


def test_an_inactive_destination_is_noted(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe")
    live_destination(events, "stripe-webhooks", "stripe")
    write(specs, "stripe.yaml", both())
    aws.settle_into("stripe", "DEAUTHORIZED", "revoked")
    events.update_connection(Name="stripe", Description="Stripe")  # a write settles into the steered state
    planned = plan(capsys)
    assert (
        "    ! API destination is INACTIVE: EventBridge makes it ACTIVE once its connection is authorized"
    ) in planned.out
    assert apply(capsys).code == 0
    assert events.describe_api_destination(Name="stripe-webhooks")["ApiDestinationState"] == "ACTIVE"


def test_the_plan_and_apply_policies_grant_every_call_they_make(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe-old")
    live_destination(events, "stripe-webhooks", "stripe-old")
    live_destination(events, "undeclared", "stripe-old")
    write(specs, "stripe.yaml", both(connection="stripe-new"))
    aws.reset_counters()
    assert plan(capsys, "--prune").code == 2
    planned = called_actions(aws)
    assert {"events:DescribeApiDestination", "events:ListApiDestinations"} <= planned
    assert planned - policy_actions("plan-verify-secrets-policy.json") == set()
    assert planned - {"secretsmanager:GetSecretValue"} - policy_actions("plan-policy.json") == set()
    aws.reset_counters()
    assert apply(capsys, "--prune").code == 0
    applied = called_actions(aws)
    writes = {"events:UpdateApiDestination", "events:DeleteApiDestination", "events:DeleteConnection"}
    assert writes <= applied
    assert applied - policy_actions("apply-policy.json") == set()
    live_destination(events, "stripe-audit", "stripe-new")
    write(specs, "audit.yaml", destination_spec("stripe-audit", "stripe-new", HttpMethod="PUT"))
    write(specs, "new.yaml", destination_spec("stripe-new-hook", "stripe-new"))
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert {"events:CreateApiDestination", "events:UpdateApiDestination"} <= called_actions(aws)
    assert called_actions(aws) - policy_actions("apply-policy.json") == set()


def test_a_connection_stays_when_moving_its_destination_off_it_fails(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    live_api_key(events, "stripe-old")
    live_destination(events, "stripe-webhooks", "stripe-old")
    write(specs, "stripe.yaml", both(connection="stripe-new"))
    aws.inject("UpdateApiDestination", "access_denied")
    aws.reset_counters()
    applied = apply(capsys, "--prune")
    assert applied.code == 1
    assert aws.calls("DeleteConnection") == 0
    assert (
        "✗ stripe-old: delete failed: not deleted, because API destination stripe-webhooks update failed: "
        "AccessDeniedException"
    ) in applied.out
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 2 failed." in applied.out
    assert events.describe_connection(Name="stripe-old")["ConnectionState"] == "AUTHORIZED"
    # The next apply finishes the move, then deletes.
    assert apply(capsys, "--prune").code == 0
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"stripe-new"}


def test_a_destination_is_not_written_when_its_connection_never_settles(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user guide: create the destination only once its connection is AUTHORIZED."""
    secrets.create_secret(Name="prod/crm", SecretString='{"client_secret": "cs-1", "tenant": "t-1"}')
    write(specs, "crm.yaml", oauth_spec() + "---\n" + destination_spec("crm-hook", "crm"))
    aws.settle_into("crm", "AUTHORIZING")  # authorizes for good: the wait times out
    applied = run(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "1")
    assert applied.code == 1
    assert aws.calls("CreateApiDestination") == 0
    assert "✗ API destination crm-hook: create failed: not written, because crm create failed: still AUTHORIZING" in (
        applied.out
    )


def test_the_drift_issue_shows_a_drifted_destination(
    aws: TestEmulator,
    specs: Path,
    events: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    live_api_key(events, "stripe")
    live_destination(events, "stripe-webhooks", "stripe", InvocationRateLimitPerSecond=100)
    write(specs, "stripe.yaml", both())
    with FakeGitHub() as github:
        github_env(github, monkeypatch, tmp_path)
        monkeypatch.delenv("RECONCILE_DIR", raising=False)
        (tmp_path / "github-output").write_text("", encoding="utf-8")
        plan_file = tmp_path / "plan.md"
        assert github_main(["run-plan", "--file", str(plan_file)]) == 0
        (tmp_path / "github-output").write_text("", encoding="utf-8")
        assert github_main(["drift", "--exit-code", "2", "--file", str(plan_file)]) == 0
        [issue] = github.open_issues()
    assert "| `stripe-webhooks` (API destination) | 🟡 update | 1 | `connections/stripe.yaml` |" in issue["body"]
    assert "! InvocationRateLimitPerSecond: 100 → 20" in issue["body"]


def test_many_destinations_each_after_their_connection(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writes run side by side (WRITERS per target), each destination after its connection."""
    for n in range(12):
        write(specs, f"c{n:02}.yaml", both(connection=f"c{n:02}", destination=f"d{n:02}"))
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 0, applied.err
    assert "Apply complete: 24 created, 0 updated, 0 deleted, 0 failed." in applied.out
    order = aws.write_order()
    assert len(order) == 24
    for n in range(12):
        assert order.index(("CreateConnection", f"c{n:02}")) < order.index(("CreateApiDestination", f"d{n:02}"))
    assert "sk-value-1" not in applied.out + applied.err
    assert plan(capsys).code == 0


@pytest.mark.parametrize("action", ["CreateConnection", "CreateApiDestination", "UpdateApiDestination"])
def test_a_write_whose_reply_is_lost_still_converges(
    aws: TestEmulator,
    specs: Path,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    action: str,
) -> None:
    """AWS acted on the request but its reply never came: the retry meets its effect. The
    destination still gets its connection's ARN, read back when the create's reply is lost."""
    live_api_key(events, "old")
    live_destination(events, "updated-hook", "old")
    write(specs, "stripe.yaml", both())
    write(
        specs,
        "updated.yaml",
        api_key_spec(name="old") + "---\n" + destination_spec("updated-hook", "old", HttpMethod="PUT"),
    )
    aws.reset_counters()
    aws.inject(action, "lost_reply")
    applied = apply(capsys)
    # The plan describes both connections; a create whose reply (ARN and state) was lost reads it back once.
    assert aws.calls("DescribeConnection") == 2 + (action == "CreateConnection")
    assert applied.code == 0, applied.out + applied.err
    assert aws.faults_injected() == 1
    connection = events.describe_connection(Name="stripe")["ConnectionArn"]
    assert events.describe_api_destination(Name="stripe-webhooks")["ConnectionArn"] == connection
    assert plan(capsys).code == 0


def test_a_connection_given_a_new_user_after_the_plan_is_not_deleted(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The in-use check is asked again just before DeleteConnection: a destination created
    while apply runs (here, while the re-point is in flight) keeps the old connection."""
    live_api_key(events, "stripe-old")
    live_destination(events, "stripe-webhooks", "stripe-old")
    write(specs, "stripe.yaml", both(connection="stripe-new"))
    aws.inject("UpdateApiDestination", "timeout", seconds=1.0)  # handled after a second

    def newcomer() -> None:
        while aws.calls("UpdateApiDestination") == 0:
            time.sleep(0.01)
        live_destination(events, "late-hook", "stripe-old")

    aws.reset_counters()
    racing = threading.Thread(target=newcomer)
    racing.start()
    applied = apply(capsys, "--prune")
    racing.join()
    assert applied.code == 1
    assert aws.calls("DeleteConnection") == 0
    assert (
        "✗ stripe-old: delete failed: not deleted: API destination(s) late-hook use it now; run plan again "
        "(or --force-delete-in-use)"
    ) in applied.out
    assert events.describe_connection(Name="stripe-old")["ConnectionState"] == "AUTHORIZED"
