"""Reliability under faults injected at the emulator's HTTP layer (issue #7).

Reads retry in botocore's standard mode, writes in apply/retry.py; either way a
plan under faults prints exactly what a fault-free plan prints, and apply converges.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler.aws.clients import READ_ATTEMPTS, AwsOptions, make_clients
from support.cli import HEADER, Result, api_key_spec, apply, destination_spec, oauth_spec, plan, run, write
from testing.emulator import TestEmulator

TRANSIENT = ["throttle", "500", "503", "reset", "timeout"]
READS = ["DescribeConnection", "BatchGetSecretValue", "GetSecretValue"]
WRITES = ["CreateConnection", "UpdateConnection"]
# Writes meet two faults in a row (a second retry, and for a timed-out create, the first
# attempt landing late); reads one, since botocore's backoff makes each read fault slow.
WRITE_FAULTS = 2
READ_FAULTS = 1


@pytest.fixture(autouse=True)
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # A `timeout` fault holds the reply longer than this, so the client gives up and retries.
    monkeypatch.setenv("RECONCILE_READ_TIMEOUT", "1")


def _inject(aws: TestEmulator, action: str, fault: str, times: int) -> None:
    aws.inject(action, fault, times, seconds=1.5)


def _create(events: Any, name: str, description: str, value: str) -> None:
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": value}}
    events.create_connection(Name=name, Description=description, AuthorizationType="API_KEY", AuthParameters=auth)


def _world(specs: Path, secrets: Any, events: Any) -> None:
    """One connection in sync, one drifted, one to create; one secret pinned to a version id,
    so a plan makes every read: DescribeConnection, BatchGetSecretValue and GetSecretValue."""
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    version = secrets.create_secret(Name="prod/pinned", SecretString=json.dumps({"k": "pinned-1"}))["VersionId"]
    write(specs, "same.yaml", api_key_spec(name="same", secret="prod/shared", description="Same"))
    write(specs, "drifted.yaml", api_key_spec(name="drifted", secret="prod/shared", description="New"))
    write(specs, "missing.yaml", api_key_spec(name="missing", secret=f"prod/pinned:SecretString:k::{version}"))
    _create(events, "same", "Same", "value-shared")
    _create(events, "drifted", "Old", "value-shared")


def _converged(aws: TestEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    aws.reset_counters()
    again = plan(capsys)
    assert (again.code, again.out) == (0, HEADER + "No changes: 3 connection(s) match the specs.\n"), (
        again.out + again.err
    )
    assert aws.write_calls() == 0


@pytest.mark.parametrize("fault", TRANSIENT)
@pytest.mark.parametrize("action", READS)
def test_read_faults_are_retried_and_the_plan_is_unchanged(
    action: str,
    fault: str,
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _world(specs, secrets, events)
    aws.reset_counters()
    clean = plan(capsys)
    assert clean.code == 2, clean.err
    baseline = aws.calls(action)
    assert baseline >= 1

    aws.reset_counters()
    _inject(aws, action, fault, READ_FAULTS)
    faulty = plan(capsys)
    assert (faulty.code, faulty.out, faulty.err) == (clean.code, clean.out, clean.err)
    assert aws.faults_injected() == READ_FAULTS
    # Each fault cost exactly one extra attempt, and plan still wrote nothing.
    assert aws.calls(action) == baseline + READ_FAULTS
    assert aws.write_calls() == 0


@pytest.mark.parametrize("fault", TRANSIENT)
@pytest.mark.parametrize("action", WRITES)
def test_write_faults_are_retried_and_apply_converges(
    action: str,
    fault: str,
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _world(specs, secrets, events)
    aws.reset_counters()
    _inject(aws, action, fault, WRITE_FAULTS)
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert "Apply complete: 1 created, 1 updated, 0 deleted, 0 failed." in applied.out
    assert aws.faults_injected() == WRITE_FAULTS
    assert aws.calls(action) == 1 + WRITE_FAULTS
    if fault == "timeout":
        # Requests the client gave up on still land late (as on AWS): let them land before checking.
        time.sleep(1.6)
    _converged(aws, capsys)


def test_random_throttling_everywhere_still_converges(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(specs, secrets, events)
    clean = plan(capsys)
    aws.set_throttle_rate(0.2, seed=7)
    assert plan(capsys) == clean
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    aws.set_throttle_rate(0)
    assert aws.faults_injected() > 0
    _converged(aws, capsys)


def test_read_clients_are_bounded(aws: TestEmulator) -> None:
    clients = make_clients(AwsOptions())
    for client in (clients.events, clients.secrets):
        config = client.meta.config
        assert config.retries == {"mode": "standard", "total_max_attempts": READ_ATTEMPTS}
        assert (config.connect_timeout, config.read_timeout) == (5.0, 1.0)
    # Writes: botocore makes one attempt; apply/retry.py owns the retries.
    assert clients.events_writer.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}


def test_write_retries_stop_at_the_attempt_bound(
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler.apply import retry

    monkeypatch.setattr(retry, "BASE_DELAY", 0.01)  # the bound is what is tested, not the backoff
    _world(specs, secrets, events)
    aws.inject("UpdateConnection", "503", times=50)
    aws.reset_counters()
    started = time.monotonic()
    applied = apply(capsys)
    assert time.monotonic() - started < 15
    assert applied.code == 1
    assert aws.calls("UpdateConnection") == retry.MAX_ATTEMPTS
    assert "✓ missing: created (AUTHORIZED)" in applied.out
    assert "reconcile: drifted: update failed [ServiceUnavailableException]: " in applied.err


def test_concurrent_modification_rereads_and_retries(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(specs, secrets, events)
    aws.inject("UpdateConnection", "concurrent", times=2)
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert "✓ drifted: updated (AUTHORIZED)" in applied.out
    assert aws.calls("UpdateConnection") == 3
    # Each retry came after reading the connection again.
    assert aws.calls("DescribeConnection") >= 2 + 2
    _converged(aws, capsys)


def test_concurrent_modification_gives_up_after_the_bound(
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reconciler.apply import retry

    monkeypatch.setattr(retry, "BASE_DELAY", 0.01)
    _world(specs, secrets, events)
    aws.inject("UpdateConnection", "concurrent", times=50)
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 1
    assert aws.calls("UpdateConnection") == retry.MAX_ATTEMPTS
    assert "reconcile: drifted: update failed [ConcurrentModificationException]: " in applied.err
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 1 failed." in applied.out


def test_connection_quota_is_not_retried_and_says_what_to_do(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(specs, secrets, events)
    aws.inject("CreateConnection", "limit", times=50)
    aws.reset_counters()
    started = time.monotonic()
    applied = apply(capsys)
    assert time.monotonic() - started < 10
    assert applied.code == 1
    assert aws.calls("CreateConnection") == 1
    assert "✓ drifted: updated (AUTHORIZED)" in applied.out
    assert (
        "reconcile: missing: create failed [LimitExceededException]: "
        "the account's connection quota for this region is reached (default 3,000); "
        "delete unused connections or request a quota increase in Service Quotas"
    ) in applied.err


def test_access_denied_on_write_is_not_retried(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(specs, secrets, events)
    aws.inject("UpdateConnection", "access_denied", times=50)
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 1
    assert aws.calls("UpdateConnection") == 1
    assert ("reconcile: drifted: update failed [AccessDeniedException]: the credentials lack permission") in applied.err
    assert "✓ missing: created (AUTHORIZED)" in applied.out


def test_access_denied_on_read_is_not_retried(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.inject("DescribeConnection", "access_denied", times=50)
    aws.reset_counters()
    planned = plan(capsys)
    assert planned.code == 1
    assert aws.calls("DescribeConnection") == 1
    assert planned.err.startswith(
        "reconcile: error: could not read connections:\n  AccessDeniedException: the credentials lack permission"
    )
    assert planned.err_lines[1].endswith("(1 connection: stripe)")
    assert "Traceback" not in planned.err


def test_one_failure_never_stops_the_others(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    for i in range(4):
        write(specs, f"u{i}.yaml", api_key_spec(name=f"u{i}", secret="prod/shared", description="New"))
        _create(events, f"u{i}", "Old", "value-shared")
    for i in range(3):
        write(specs, f"c{i}.yaml", api_key_spec(name=f"c{i}", secret="prod/shared"))
    aws.inject("UpdateConnection", "access_denied")
    aws.inject("CreateConnection", "limit")
    aws.reset_counters()
    applied = apply(capsys)
    assert applied.code == 1
    assert "Apply complete: 2 created, 3 updated, 0 deleted, 2 failed." in applied.out
    # Every other drifted connection was written, each exactly once.
    assert (aws.calls("UpdateConnection"), aws.calls("CreateConnection")) == (4, 3)
    failures = [line for line in applied.err_lines if line.startswith("reconcile: ")]
    assert len(failures) == 2
    assert any(" update failed [AccessDeniedException]: " in line for line in failures)
    assert any(" create failed [LimitExceededException]: " in line for line in failures)
    # A re-run writes only the two that failed.
    aws.reset_counters()
    assert apply(capsys).code == 0
    assert aws.write_calls() == 2


def test_oauth_stuck_authorizing_ends_in_a_clear_timeout(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    write(specs, "crm.yaml", oauth_spec(client_secret="prod/shared", tenant_header=False))
    write(specs, "other.yaml", api_key_spec(name="other", secret="prod/shared"))
    aws.settle_into("crm", "AUTHORIZING")
    started = time.monotonic()
    result = run(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "2")
    assert time.monotonic() - started < 10
    assert result.code == 1
    assert "✗ crm: create failed: still AUTHORIZING after 2s (--wait-timeout)" in result.out
    assert "✓ other: created (AUTHORIZED)" in result.out
    assert "reconcile: crm: create failed [Timeout]: still AUTHORIZING after 2s (--wait-timeout)" in result.err


def test_apply_twice_writes_nothing_the_second_time(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _world(specs, secrets, events)
    aws.reset_counters()
    first: Result = plan(capsys)
    assert first.code == 2 and aws.write_calls() == 0  # plan never writes
    assert apply(capsys).code == 0
    aws.reset_counters()
    second = apply(capsys)
    assert (second.code, second.out) == (0, HEADER + "No changes: 3 connection(s) match the specs.\n")
    assert aws.write_calls() == 0


DESTINATION_READS = ["DescribeApiDestination", "ListApiDestinations"]
DESTINATION_WRITES = ["CreateApiDestination", "UpdateApiDestination", "DeleteApiDestination"]


def _destinations(specs: Path, secrets: Any, events: Any) -> None:
    """A connection with one destination to create, one drifted and one undeclared (pruned):
    plan --prune makes every destination read, apply every destination write."""
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    write(specs, "hooks.yaml", api_key_spec(name="hooks", secret="prod/shared", description="Hooks"))
    for name in ("new-hook", "drifted-hook"):
        write(specs, f"{name}.yaml", destination_spec(name, "hooks"))
    _create(events, "hooks", "Hooks", "value-shared")
    arn = events.describe_connection(Name="hooks")["ConnectionArn"]
    for name in ("drifted-hook", "old-hook"):
        events.create_api_destination(
            Name=name, ConnectionArn=arn, InvocationEndpoint="https://api.example.com/old", HttpMethod="PUT"
        )


@pytest.mark.parametrize("fault", TRANSIENT)
@pytest.mark.parametrize("action", DESTINATION_READS + DESTINATION_WRITES)
def test_destination_faults_are_retried_and_apply_converges(
    action: str,
    fault: str,
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _destinations(specs, secrets, events)
    clean = plan(capsys, "--prune")
    assert clean.code == 2, clean.err
    aws.reset_counters()
    _inject(aws, action, fault, READ_FAULTS if action in DESTINATION_READS else WRITE_FAULTS)
    applied = apply(capsys, "--prune")
    assert applied.code == 0, applied.out + applied.err
    assert "Apply complete: 1 created, 1 updated, 1 deleted, 0 failed." in applied.out
    assert aws.faults_injected() == (READ_FAULTS if action in DESTINATION_READS else WRITE_FAULTS)
    if fault == "timeout":
        time.sleep(1.6)  # requests the client gave up on still land late: let them land
    again = plan(capsys, "--prune")
    assert (again.code, again.out) == (
        0,
        HEADER + "No changes: 1 connection(s) and 2 API destination(s) match the specs.\n",
    ), again.out + again.err
