"""IgnoreChanges (issue #21, point 4): differences another tool owns are neither drift nor
written. Through the command line, against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import HEADER, api_key_spec, apply, destination_spec, live_api_key, plan, run, write
from testing.emulator import TestEmulator

IGNORE_DESCRIPTION = "IgnoreChanges: [Description]\n"
HEADERS = """  InvocationHttpParameters:
    HeaderParameters:
      - Key: X-Env
        Value: prod
"""

SECRET_HEADER = """  InvocationHttpParameters:
    HeaderParameters:
      - Key: X-Token
        Value: "{{resolve:secretsmanager:prod/token}}"
        IsValueSecret: true
"""


@pytest.fixture(autouse=True)
def stripe_secret(secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")


def described(events: Any, name: str = "stripe") -> dict[str, Any]:
    data: dict[str, Any] = events.describe_connection(Name=name)
    return data


def test_an_ignored_description_changed_live_is_no_drift(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec() + IGNORE_DESCRIPTION)
    live_api_key(events, "stripe", description="set by the on-call tool")
    planned = plan(capsys)
    assert planned.code == 0, planned.err
    assert planned.out == HEADER + (
        "  stripe: noop  (connections/stripe.yaml)\n"
        "    (ignored: Description differs; IgnoreChanges)\n"
        "\n"
        "No changes: 1 connection(s) match the specs.\n"
    )
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert aws.calls("UpdateConnection") == 0
    assert described(events)["Description"] == "set by the on-call tool"


def test_without_ignore_changes_the_same_description_is_drift(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    live_api_key(events, "stripe", description="set by the on-call tool")
    planned = plan(capsys)
    assert planned.code == 2
    assert '~ Description: "set by the on-call tool" → "Stripe"' in planned.out
    assert "ignored" not in planned.out


def test_apply_writes_the_other_drift_and_keeps_the_ignored_field_as_it_is_live(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec() + HEADERS + IGNORE_DESCRIPTION)
    live_api_key(events, "stripe", description="set by the on-call tool")
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out == HEADER + (
        "~ stripe: update  (connections/stripe.yaml)\n"
        '    + AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env]: "prod"\n'
        "    (ignored: Description differs; IgnoreChanges)\n"
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged.\n"
    )
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 0, applied.err
    assert aws.calls("UpdateConnection") == 1
    live = described(events)
    assert live["Description"] == "set by the on-call tool"
    headers = live["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    assert [(h["Key"], h["Value"]) for h in headers] == [("X-Env", "prod")]
    again = plan(capsys)
    assert again.code == 0 and "(ignored: Description differs; IgnoreChanges)" in again.out


def test_an_ignored_header_list_keeps_what_another_tool_added(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec(description="Edited")
        + HEADERS
        + "IgnoreChanges: [AuthParameters.InvocationHttpParameters.HeaderParameters]\n",
    )
    events.create_connection(
        Name="stripe",
        Description="Stripe",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sk-value-1"},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Trace", "Value": "on", "IsValueSecret": False}],
                "QueryStringParameters": [{"Key": "debug", "Value": "1", "IsValueSecret": False}],
            },
        },
    )
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out == HEADER + (
        "~ stripe: update  (connections/stripe.yaml)\n"
        '    - AuthParameters.InvocationHttpParameters.QueryStringParameters[debug]: "1"\n'
        '    ~ Description: "Stripe" → "Edited"\n'
        "    (ignored: AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env], "
        "AuthParameters.InvocationHttpParameters.HeaderParameters[X-Trace] differ; IgnoreChanges)\n"
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged.\n"
    )
    assert apply(capsys).code == 0
    live = described(events)
    assert live["Description"] == "Edited"
    params = live["AuthParameters"]["InvocationHttpParameters"]
    assert [(h["Key"], h["Value"]) for h in params["HeaderParameters"]] == [("X-Trace", "on")]
    assert not params.get("QueryStringParameters")


def test_one_ignored_parameter_by_key(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec()
        + HEADERS
        + "IgnoreChanges: ['AuthParameters.InvocationHttpParameters.HeaderParameters[X-Trace]']\n",
    )
    events.create_connection(
        Name="stripe",
        Description="Stripe",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sk-value-1"},
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "X-Trace", "Value": "on", "IsValueSecret": False},
                    {"Key": "X-Env", "Value": "staging", "IsValueSecret": False},
                ]
            },
        },
    )
    planned = plan(capsys)
    assert '~ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env].Value: "staging" → "prod"' in planned.out
    assert "(ignored: AuthParameters.InvocationHttpParameters.HeaderParameters[X-Trace] differs" in planned.out
    assert apply(capsys).code == 0
    headers = described(events)["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    assert sorted((h["Key"], h["Value"]) for h in headers) == [("X-Env", "prod"), ("X-Trace", "on")]


def test_a_secret_parameter_under_an_ignored_list_is_written_and_the_plan_says_why(
    aws: TestEmulator, specs: Path, events: Any, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its live value is never returned, so no update can keep it: it is not ignored, and not hidden."""
    secrets.create_secret(Name="prod/token", SecretString="token-1")
    write(
        specs,
        "stripe.yaml",
        api_key_spec() + SECRET_HEADER + "IgnoreChanges: [AuthParameters.InvocationHttpParameters]\n",
    )
    live_api_key(events, "stripe")
    planned = plan(capsys)
    assert planned.code == 2
    assert "+ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Token]: (secret: prod/token" in planned.out
    assert (
        "! IgnoreChanges AuthParameters.InvocationHttpParameters covers "
        "AuthParameters.InvocationHttpParameters.HeaderParameters[X-Token], but it is a secret value "
        "DescribeConnection does not return, so an update can't keep it as it is live: it is written as the spec says"
    ) in planned.out
    assert apply(capsys).code == 0
    headers = described(events)["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    assert [h["Key"] for h in headers] == ["X-Token"]


def test_a_create_sends_the_spec_s_value(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec()
        + IGNORE_DESCRIPTION
        + "---\n"
        + destination_spec(IgnoreChanges="[InvocationRateLimitPerSecond, Description]"),
    )
    planned = plan(capsys)
    assert '+ Description: "Stripe"' in planned.out and "+ InvocationRateLimitPerSecond: 20" in planned.out
    assert "ignored" not in planned.out
    assert apply(capsys).code == 0
    assert described(events)["Description"] == "Stripe"
    destination = events.describe_api_destination(Name="stripe-webhooks")
    assert destination["InvocationRateLimitPerSecond"] == 20
    assert destination["Description"] == "Stripe events to the payments service"


def live_destination(events: Any, **fields: Any) -> None:
    arn = described(events)["ConnectionArn"]
    request = {
        "Name": "stripe-webhooks",
        "Description": "Stripe events to the payments service",
        "ConnectionArn": arn,
        "InvocationEndpoint": "https://api.example.com/stripe/*",
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 20,
        **fields,
    }
    events.create_api_destination(**request)


def test_an_ignored_rate_limit_on_a_destination(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec() + "---\n" + destination_spec(IgnoreChanges="[InvocationRateLimitPerSecond]"),
    )
    live_api_key(events, "stripe")
    live_destination(events, InvocationRateLimitPerSecond=75)
    planned = plan(capsys)
    assert planned.code == 0, planned.out
    assert planned.out == HEADER + (
        "  API destination stripe-webhooks: noop  (connections/stripe.yaml)\n"
        "    (ignored: InvocationRateLimitPerSecond differs; IgnoreChanges)\n"
        "\n"
        "No changes: 1 connection(s) and 1 API destination(s) match the specs.\n"
    )
    # Another field drifts as well: apply writes it, and the rate stays as it is live.
    events.update_api_destination(Name="stripe-webhooks", InvocationEndpoint="https://api.example.com/old/*")
    planned = plan(capsys)
    assert planned.code == 2
    assert (
        '    ~ InvocationEndpoint: "https://api.example.com/old/*" → "https://api.example.com/stripe/*"\n'
        "    (ignored: InvocationRateLimitPerSecond differs; IgnoreChanges)\n"
    ) in planned.out
    applied = apply(capsys)
    assert applied.code == 0, applied.err + applied.out
    destination = events.describe_api_destination(Name="stripe-webhooks")
    assert destination["InvocationEndpoint"] == "https://api.example.com/stripe/*"
    assert destination["InvocationRateLimitPerSecond"] == 75


def test_target_level_ignore_changes_from_reconcile_yaml(
    aws: TestEmulator, tmp_path: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One list for every spec of the target; a path only destinations have applies to them alone."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "reconcile.yaml",
        """
        ignore_changes: [KmsKeyIdentifier]
        targets:
          - name: prod
            region: us-east-1
            specs: [connections]
            ignore_changes: [Description, InvocationRateLimitPerSecond]
        """,
    )
    write(tmp_path, "connections/stripe.yaml", api_key_spec() + "---\n" + destination_spec())
    live_api_key(events, "stripe", description="by hand")
    live_destination(events, InvocationRateLimitPerSecond=5, Description="by hand too")
    planned = run(capsys, "plan", "--format", "json")
    assert planned.code == 0, planned.err
    changes = {c["name"]: c for c in json.loads(planned.out)["changes"]}
    assert changes["stripe"]["ignored"] == ["Description"]
    assert changes["stripe-webhooks"]["ignored"] == ["Description", "InvocationRateLimitPerSecond"]
    assert all(c["action"] == "noop" and c["fields"] == [] for c in changes.values())


def test_the_top_level_list_is_the_default_for_targets_without_their_own(
    aws: TestEmulator, tmp_path: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "reconcile.yaml",
        """
        ignore_changes: [Description]
        targets:
          - name: prod
            region: us-east-1
            specs: [connections]
        """,
    )
    write(tmp_path, "connections/stripe.yaml", api_key_spec())
    live_api_key(events, "stripe", description="by hand")
    planned = run(capsys, "plan")
    assert planned.code == 0, planned.err
    assert "(ignored: Description differs; IgnoreChanges)" in planned.out


def test_json_and_markdown_list_the_ignored_paths(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec() + HEADERS + IGNORE_DESCRIPTION)
    live_api_key(events, "stripe", description="by hand")
    document = json.loads(plan(capsys, "--format", "json").out)
    (change,) = document["changes"]
    assert change["ignored"] == ["Description"]
    assert [f["path"] for f in change["fields"]] == ["AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env]"]
    markdown = plan(capsys, "--format", "markdown").out
    assert (
        "```diff\n"
        '+ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env]: "prod"\n'
        "  (ignored: Description differs; IgnoreChanges)\n"
        "```\n"
    ) in markdown
    assert "| `stripe` | 🟡 update | 1 | `connections/stripe.yaml` |" in markdown


def test_a_saved_plan_with_ignored_differences_applies_and_shows_them(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec() + HEADERS + IGNORE_DESCRIPTION)
    live_api_key(events, "stripe", description="by hand")
    assert plan(capsys, "--out", "plan.json").code == 2
    shown = run(capsys, "show", "plan.json")
    assert "    (ignored: Description differs; IgnoreChanges)\n" in shown.out
    applied = run(capsys, "apply", "plan.json", "--yes", "--wait-timeout", "10")
    assert applied.code == 0, applied.err
    assert described(events)["Description"] == "by hand"


def test_a_saved_plan_is_stale_once_the_ignore_list_changes(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(specs, "stripe.yaml", api_key_spec() + HEADERS + IGNORE_DESCRIPTION)
    live_api_key(events, "stripe", description="by hand")
    assert plan(capsys, "--out", "plan.json").code == 2
    path.write_text(path.read_text(encoding="utf-8").replace(IGNORE_DESCRIPTION, ""), encoding="utf-8")
    applied = run(capsys, "apply", "plan.json", "--yes")
    assert applied.code == 1
    assert "stripe: its spec changed since the plan" in applied.err
    assert described(events)["Description"] == "by hand"


def test_validate_rejects_an_unknown_path_with_did_you_mean(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        specs,
        "stripe.yaml",
        api_key_spec()
        + "IgnoreChanges:\n  - Description\n  - Descripton\n  - AuthParameters.ApiKeyAuthParameters.ApiKeyValue\n"
        + "---\n"
        + destination_spec(IgnoreChanges="[InvocationRateLimitPerSecnd]"),
    )
    result = run(capsys, "validate", "--dir", "connections")
    assert result.code == 1
    assert result.err.splitlines()[:3] == [
        "connections/stripe.yaml:10:5: IgnoreChanges[1]: unknown connection field 'Descripton'; did you mean "
        "'Description'?",
        "connections/stripe.yaml:11:5: IgnoreChanges[2]: AuthParameters.ApiKeyAuthParameters.ApiKeyValue can't be "
        "ignored: it is a secret value, which DescribeConnection never returns, so an update could not keep it as it "
        "is live",
        "connections/stripe.yaml:20:17: IgnoreChanges[0]: unknown API destination field "
        "'InvocationRateLimitPerSecnd'; did you mean 'InvocationRateLimitPerSecond'?",
    ]


def test_validate_rejects_a_path_of_the_other_type_and_reconcile_yaml_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "connections/stripe.yaml", api_key_spec() + "IgnoreChanges: [InvocationRateLimitPerSecond]\n")
    result = run(capsys, "validate", "--dir", "connections")
    assert result.code == 1
    assert (
        "connections/stripe.yaml:8:17: IgnoreChanges[0]: InvocationRateLimitPerSecond is a field of API "
        "destinations, not of connections" in result.err
    )
    write(
        tmp_path,
        "reconcile.yaml",
        """
        targets:
          - name: prod
            region: us-east-1
            specs: [connections]
            ignore_changes:
              - Description
              - AuthParameters.InvocationHttpParameters.HeaderParameter
        """,
    )
    write(tmp_path, "connections/stripe.yaml", api_key_spec())
    result = run(capsys, "targets")
    assert result.code == 1
    assert result.err.splitlines()[0] == (
        "reconcile.yaml:7:9: targets[0].ignore_changes[1]: unknown field path "
        "'AuthParameters.InvocationHttpParameters.HeaderParameter'; did you mean "
        "'AuthParameters.InvocationHttpParameters.HeaderParameters'?"
    )


def test_a_saved_plan_is_stale_once_reconcile_yaml_stops_ignoring(
    aws: TestEmulator, tmp_path: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No spec changed, but the plan apply would carry out now differs from the one reviewed."""
    monkeypatch.chdir(tmp_path)
    config = """
        targets:
          - name: prod
            region: us-east-1
            specs: [connections]
            ignore_changes: [Description]
        """
    write(tmp_path, "reconcile.yaml", config)
    write(tmp_path, "connections/stripe.yaml", api_key_spec() + HEADERS)
    live_api_key(events, "stripe", description="by hand")
    assert run(capsys, "plan", "--out", "plan.json").code == 2
    write(tmp_path, "reconcile.yaml", config.replace("            ignore_changes: [Description]\n", ""))
    applied = run(capsys, "apply", "plan.json", "--yes")
    assert applied.code == 1
    assert "stripe: the plan for it is different now (update → update)" in applied.err
    assert described(events)["Description"] == "by hand"
