"""plan and apply end to end against the emulator (moto over HTTP + AWS corrections)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import HEADER, api_key_spec, apply, place_line, plan, run, write
from testing.emulator import TestEmulator

HEADER_SPEC = """
Name: orders
Description: Orders API
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{resolve:secretsmanager:prod/orders:SecretString:key}}"
  InvocationHttpParameters:
    HeaderParameters:
      - Key: X-Env
        Value: prod
"""


def _create(
    events: Any,
    name: str,
    *,
    description: str = "Stripe",
    value: str = "sk-value-1",
    headers: list[dict[str, Any]] | None = None,
) -> None:
    auth: dict[str, Any] = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": value}}
    if headers is not None:
        auth["InvocationHttpParameters"] = {"HeaderParameters": headers}
    events.create_connection(Name=name, Description=description, AuthorizationType="API_KEY", AuthParameters=auth)
    events.describe_connection(Name=name)  # settled already: API_KEY is AUTHORIZED at once, as recorded from AWS


def test_missing_connection_plans_create_and_apply_creates_it(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.reset_counters()
    planned = plan(capsys)
    assert planned.code == 2, planned.err
    assert planned.out.splitlines()[:3] == [place_line(), "", "+ stripe: create  (connections/stripe.yaml)"]
    assert "Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged." in planned.out
    assert aws.write_calls() == 0

    applied = apply(capsys)
    assert applied.code == 0, applied.err
    assert "✓ stripe: created (AUTHORIZED)" in applied.out
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed." in applied.out
    live = events.describe_connection(Name="stripe")
    assert (live["Description"], live["ConnectionState"]) == ("Stripe", "AUTHORIZED")
    managed = json.loads(secrets.get_secret_value(SecretId=live["SecretArn"])["SecretString"])
    assert managed["api_key_value"] == "sk-value-1"

    again = plan(capsys)
    assert (again.code, again.out) == (0, HEADER + "No changes: 1 connection(s) match the specs.\n")


def test_in_sync_makes_zero_writes_and_one_describe_each(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(25):
        write(specs, f"c{i}.yaml", api_key_spec(name=f"conn-{i}", secret=f"s/{i}"))
        secrets.create_secret(Name=f"s/{i}", SecretString=f"value-{i}")
        _create(events, f"conn-{i}", value=f"value-{i}")
    _create(events, "not-declared")
    aws.reset_counters()
    result = apply(capsys)
    assert result.code == 0, result.err
    assert "No changes" in result.out
    assert aws.write_calls() == 0
    assert aws.calls("DescribeConnection") == 25
    # 25 source secrets and 25 managed secrets, 20 to a batch.
    assert aws.calls("BatchGetSecretValue") == 4
    assert aws.calls("GetSecretValue") == 0
    assert aws.calls("GetCallerIdentity") == 1  # the account the plan names
    assert aws.calls() == 30


def test_update_sends_only_drifted_and_clears_removed_parameters(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "orders.yaml", HEADER_SPEC)
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/orders", SecretString=json.dumps({"key": "orders-key"}))
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    _create(
        events,
        "orders",
        description="Orders API",
        value="orders-key",
        headers=[
            {"Key": "X-Env", "Value": "dev", "IsValueSecret": False},
            {"Key": "X-Debug", "Value": "1", "IsValueSecret": False},
        ],
    )
    _create(events, "stripe")
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out == HEADER + (
        "~ orders: update  (connections/orders.yaml)\n"
        '    - AuthParameters.InvocationHttpParameters.HeaderParameters[X-Debug]: "1"\n'
        '    ~ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env].Value: "dev" → "prod"\n'
        "\n"
        "Plan: 0 to create, 1 to update, 0 to delete, 1 unchanged.\n"
    )
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 0, applied.err
    assert aws.calls("UpdateConnection") == 1 and aws.write_calls() == 1
    headers = events.describe_connection(Name="orders")["AuthParameters"]["InvocationHttpParameters"][
        "HeaderParameters"
    ]
    assert headers == [{"Key": "X-Env", "Value": "prod", "IsValueSecret": False}]
    assert plan(capsys).code == 0


def test_a_live_header_repeated_is_drift_and_the_update_leaves_one(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two live HeaderParameters with Key X-Env against a spec with one: not in sync (keying
    by Key kept only the last), and one update converges."""
    write(specs, "orders.yaml", HEADER_SPEC)
    secrets.create_secret(Name="prod/orders", SecretString=json.dumps({"key": "orders-key"}))
    _create(
        events,
        "orders",
        description="Orders API",
        value="orders-key",
        headers=[
            {"Key": "X-Env", "Value": "prod", "IsValueSecret": False},
            {"Key": "X-Env", "Value": "prod", "IsValueSecret": False},
        ],
    )
    planned = plan(capsys)
    assert (planned.code, planned.out) == (
        2,
        HEADER
        + (
            "~ orders: update  (connections/orders.yaml)\n"
            '    - AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env (occurrence 2)]: "prod"\n'
            "\n"
            "Plan: 0 to create, 1 to update, 0 to delete, 0 unchanged.\n"
        ),
    )
    assert apply(capsys).code == 0
    headers = events.describe_connection(Name="orders")["AuthParameters"]["InvocationHttpParameters"][
        "HeaderParameters"
    ]
    assert headers == [{"Key": "X-Env", "Value": "prod", "IsValueSecret": False}]
    again = plan(capsys)
    assert (again.code, again.out) == (0, HEADER + "No changes: 1 connection(s) match the specs.\n")


def test_spec_without_parameters_clears_all_of_them(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    _create(events, "stripe", headers=[{"Key": "X-Old", "Value": "1", "IsValueSecret": False}])
    assert apply(capsys).code == 0
    params = events.describe_connection(Name="stripe")["AuthParameters"].get("InvocationHttpParameters", {})
    assert not params.get("HeaderParameters")
    assert plan(capsys).code == 0


def test_json_and_markdown_formats(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec(description="New"))
    write(specs, "other.yaml", api_key_spec(name="other"))
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    _create(events, "stripe", description="Old")
    result = plan(capsys, "--format", "json")
    assert result.code == 2
    document = json.loads(result.out)
    assert document["summary"] == {"create": 1, "update": 1, "noop": 0, "delete": 0}
    by_name = {c["name"]: c for c in document["changes"]}
    assert by_name["stripe"]["action"] == "update"
    assert by_name["stripe"]["fields"] == [
        {"path": "Description", "op": "change", "before": "Old", "after": "New", "secret": False}
    ]
    assert by_name["other"]["action"] == "create"
    secret_field = next(f for f in by_name["other"]["fields"] if f["secret"])
    assert secret_field["after"].startswith("(secret: prod/stripe version ")

    markdown = plan(capsys, "--format", "markdown")
    assert markdown.code == 2
    assert markdown.out.startswith(
        "<!-- reconcile-plan -->\n### reconcile plan\n\n"
        "Target: `default` (account 123456789012, region us-east-1)\n\n"
        "**Plan:** 1 to create, 1 to update, 0 to delete, 0 unchanged."
    )
    assert "| `stripe` | 🟡 update | 1 | `connections/stripe.yaml` |" in markdown.out
    assert '! Description: "Old" → "New"' in markdown.out


def test_plan_flag_is_the_plan_command(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    assert run(capsys, "--plan", "--dir", "connections") == plan(capsys)


def test_apply_without_terminal_or_yes_refuses(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    aws.reset_counters()
    result = run(capsys, "apply", "--dir", "connections")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: refusing to apply without confirmation: no terminal to ask on; "
        "pass --yes to apply non-interactively\n"
    )
    assert aws.write_calls() == 0


def test_deauthorized_after_write_is_a_failure_with_reason(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    write(specs, "other.yaml", api_key_spec(name="other"))
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.settle_into("stripe", "DEAUTHORIZED", "Invalid API key")
    result = apply(capsys)
    assert result.code == 1
    assert "✗ stripe: create failed: DEAUTHORIZED: Invalid API key" in result.out
    assert "✓ other: created (AUTHORIZED)" in result.out
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 1 failed." in result.out
    assert "reconcile: stripe: create failed [DEAUTHORIZED]: Invalid API key" in result.err
    # The next plan reports the unhealthy connection as drift, with the reason.
    planned = plan(capsys)
    assert planned.code == 2
    assert '~ ConnectionState: "DEAUTHORIZED" → "AUTHORIZED"  (StateReason: Invalid API key)' in planned.out


def test_stuck_authorizing_times_out(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.settle_into("stripe", "AUTHORIZING")
    result = run(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "1")
    assert result.code == 1
    assert "✗ stripe: create failed: still AUTHORIZING after 1s (--wait-timeout)" in result.out


@pytest.mark.parametrize(
    "reference, message",
    [
        (
            "prod/absent",
            "secret 'prod/absent': not found (or the version/stage does not exist) [ResourceNotFoundException]",
        ),
        ("prod/stripe:SecretString:nokey", "secret 'prod/stripe' has no JSON key 'nokey'"),
        (
            "prod/stripe:SecretString:api_key:AWSPENDING",
            "secret 'prod/stripe key api_key stage AWSPENDING': not found "
            "(or the version/stage does not exist) [ResourceNotFoundException]",
        ),
    ],
)
def test_unresolvable_secret_is_one_line_and_no_write(
    reference: str, message: str, aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec(secret=reference))
    secrets.create_secret(Name="prod/stripe", SecretString=json.dumps({"api_key": "sk-value-1"}))
    aws.reset_counters()
    for command in ("plan", "apply"):
        result = run(capsys, command, "--dir", "connections", "--yes") if command == "apply" else plan(capsys)
        assert result.code == 1
        assert result.err_lines == [
            f"connections/stripe.yaml:7:5: AuthParameters.ApiKeyAuthParameters.ApiKeyValue: {message}",
            "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS",
        ]
    assert aws.write_calls() == 0


def test_resolved_value_that_aws_would_reject_is_caught_without_echo(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="has:colon:SENTINEL")
    result = plan(capsys)
    assert result.code == 1
    assert result.err_lines[0].startswith(
        "connections/stripe.yaml:7:5: AuthParameters.ApiKeyAuthParameters.ApiKeyValue: "
        "the value of secret 'prod/stripe' does not match what AWS accepts for ApiKeyValue"
    )
    assert "SENTINEL" not in result.err


@pytest.mark.parametrize(
    "bad", ["Name: [\n", api_key_spec().replace("API_KEY", "BASIC"), api_key_spec().replace("Description", "Desc")]
)
def test_invalid_specs_stop_apply_before_any_aws_call(
    bad: str, aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "good.yaml", api_key_spec(name="good"))
    write(specs, "bad.yaml", bad)
    result = apply(capsys)
    assert result.code == 1
    assert result.err_lines[0].startswith("connections/bad.yaml:")
    assert aws.calls() == 0


def test_no_credentials_is_a_clean_error(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = plan(capsys)
    assert result.code == 1
    assert "no AWS credentials found" in result.err
    assert "Traceback" not in result.err
