"""Every AWS call goes through botocore: the user agent, bounded retries, assumed roles that
last, and pruning that stays inside its prefix, against the emulator on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reconciler import __version__
from reconciler.apply import retry
from reconciler.aws.clients import ROLE_SESSION_SECONDS, AwsOptions, make_clients, target_session
from support.cli import api_key_spec, apply, plan, run, write
from testing.emulator import TestEmulator

ROLE = "arn:aws:iam::123456789012:role/reconcile"
# botocore's retry quota: 500, at least 5 a retry (botocore/retries/quota.py, standard.py).
RETRY_BUDGET = 100


def _connections(specs: Path, secrets: Any, events: Any, n: int, live_description: str = "Stripe") -> None:
    secrets.create_secret(Name="prod/shared", SecretString="sentinel-shared-value")
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sentinel-shared-value"}}
    for i in range(n):
        write(specs, f"c{i:02}.yaml", api_key_spec(name=f"c{i:02}", secret="prod/shared"))
        events.create_connection(
            Name=f"c{i:02}", Description=live_description, AuthorizationType="API_KEY", AuthParameters=auth
        )


def test_every_request_names_reconcile_and_its_version(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _connections(specs, secrets, events, 3, live_description="Old")
    write(specs, "new.yaml", api_key_spec(name="new", secret="prod/shared"))
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert plan(capsys).code == 0
    agents = aws.user_agents()
    assert sum(agents.values()) == aws.calls() > 10
    assert {agent for agent in agents if f"app/reconcile-{__version__}" not in agent.split()} == set()
    assert aws.calls("UpdateConnection") == 3 and aws.calls("CreateConnection") == 1


def test_a_sustained_read_outage_ends_in_one_line_per_cause(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 40
    _connections(specs, secrets, events, n)
    aws.inject("DescribeConnection", "503", times=100_000)
    aws.reset_counters()
    result = plan(capsys)
    assert result.code == 1
    assert result.err_lines[0] == "reconcile: error: could not read connections:"
    assert len(result.err_lines) == 2, result.err
    assert result.err_lines[1].startswith("  ServiceUnavailableException: ")
    assert result.err_lines[1].endswith(f"({n} connections: c00, c01, c02 and {n - 3} more)")
    # Not n × attempts: botocore's retry quota stops retrying once the outage is plain.
    calls = aws.calls("DescribeConnection")
    assert n < calls <= n + RETRY_BUDGET
    assert aws.write_calls() == 0


def test_a_sustained_secrets_outage_is_one_error_not_one_per_reference(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _connections(specs, secrets, events, 3)
    aws.inject("BatchGetSecretValue", "503", times=100_000)
    result = plan(capsys)
    assert result.code == 1
    assert result.err_lines == ["reconcile: error: ServiceUnavailableException: Service is unavailable."]
    assert "sentinel" not in result.out + result.err


def test_a_sustained_write_outage_is_bounded_by_the_retry_quota(
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retry, "BASE_DELAY", 0.001)  # the count is under test, not the backoff
    n = 30
    _connections(specs, secrets, events, n, live_description="Old")
    aws.inject("UpdateConnection", "503", times=100_000)
    aws.reset_counters()
    result = apply(capsys)
    assert result.code == 1
    assert f"Apply complete: 0 created, 0 updated, 0 deleted, {n} failed." in result.out
    calls = aws.calls("UpdateConnection")
    assert calls <= n + RETRY_BUDGET < n * retry.MAX_ATTEMPTS


def test_a_named_prune_prefix_holds_even_when_the_server_ignores_it(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _connections(specs, secrets, events, 1)
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}
    for name in ("app-old", "other-team", "apple"):
        events.create_connection(Name=name, AuthorizationType="API_KEY", AuthParameters=auth)
    aws.ignore_list_name_prefix()
    assert [c["Name"] for c in events.list_connections(NamePrefix="app-")["Connections"]] == [
        "app-old",
        "apple",
        "c00",
        "other-team",
    ]  # the emulator really ignores it
    result = run(capsys, "apply", "--dir", "connections", "--prune", "--prune-prefix", "app-", "--yes")
    assert result.code == 0, result.out + result.err
    assert "✓ app-old: deleted" in result.out
    assert aws.calls("DeleteConnection") == 1
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"apple", "c00", "other-team"}


def _profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """A profile whose endpoint and region live only in the config file."""
    config = tmp_path / "aws-config"
    config.write_text(
        f"[profile team]\nregion = eu-west-1\nendpoint_url = {endpoint}\n"
        "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)


def test_an_assumed_role_keeps_the_profile_settings(
    aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _profile(tmp_path, monkeypatch, aws.endpoint)
    clients = make_clients(AwsOptions(profile="team", role_arn=ROLE))
    assert clients.region == "eu-west-1"
    assert clients.events.list_connections()["Connections"] == []
    # STS was reached at the profile's endpoint, and the call was signed with the role's keys.
    assert aws.calls("AssumeRole") == 1
    identity = target_session(AwsOptions(profile="team", role_arn=ROLE)).client("sts").get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/reconcile/reconcile"
    assert all(f"app/reconcile-{__version__}" in agent.split() for agent in aws.user_agents())


def test_an_assumed_role_is_refreshed_before_it_expires(
    aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _profile(tmp_path, monkeypatch, aws.endpoint)
    now = [datetime.now(UTC)]
    session = target_session(AwsOptions(profile="team", role_arn=ROLE), clock=lambda: now[0])
    events = session.client("events")
    events.list_connections()
    assert aws.calls("AssumeRole") == 1
    events.list_connections()
    assert aws.calls("AssumeRole") == 1  # still valid: not assumed again
    # 48 minutes on: inside botocore's 15-minute advisory window before the hour-long role
    # session ends (a plain assume-role run would fail at the hour), so it is assumed again.
    now[0] += timedelta(seconds=ROLE_SESSION_SECONDS - 12 * 60)
    events.list_connections()
    assert aws.calls("AssumeRole") == 2
    assert aws.calls("ListConnections") == 3


def test_a_role_without_source_credentials_is_a_clear_error(
    aws: TestEmulator, specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    write(specs, "c.yaml", api_key_spec(name="c", secret="prod/shared"))
    (tmp_path / "reconcile.yaml").write_text(
        json.dumps({"targets": [{"name": "t", "region": "us-east-1", "role_arn": ROLE, "specs": ["connections"]}]})
    )
    result = run(capsys, "plan")
    assert result.code == 1
    assert result.err == (
        f"reconcile: error: target t: no AWS credentials found to assume {ROLE} with: "
        "configure a profile, environment variables or a role\n"
    )
