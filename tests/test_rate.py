"""The client-side rate cap (aws/rate.py): pacing on a fake clock, backing off on throttling,
and a plan against EventBridge's request quota (the emulator's token bucket) that stays under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from reconciler.aws import rate
from support.cli import api_key_spec, plan, run, write
from support.clock import FakeClock
from testing.emulator import TestEmulator


def test_requests_are_spaced_at_the_cap() -> None:
    clock = FakeClock(0.0)
    cap = rate.RateCap(10.0, clock)
    for _ in range(5):
        cap.acquire()
    assert clock.pauses == pytest.approx([0.1] * 4)
    assert clock.time == pytest.approx(0.4)


def test_throttling_slows_down_and_successes_recover_up_to_the_cap() -> None:
    cap = rate.RateCap(45.0, FakeClock())
    cap.throttled()
    assert cap.rate == pytest.approx(45.0 * rate.DECREASE)
    for _ in range(100):
        cap.throttled()
    assert cap.rate == rate.FLOOR
    for _ in range(10_000):
        cap.succeeded()
    assert cap.rate == 45.0


def test_a_botocore_client_waits_its_turn_on_every_attempt(aws: TestEmulator, events: Any) -> None:
    clock = FakeClock()
    cap = rate.RateCap(10.0, clock)
    client = boto3.session.Session().client("events")
    rate.attach(client, cap)
    aws.inject("ListConnections", "throttle", times=1)
    for _ in range(3):
        client.list_connections()
    # Four attempts (one throttled and retried), spaced at 1/10 s; after the throttle at 1/7 s
    # (70%), then a little faster after each success.
    slowed = max(rate.FLOOR, 10.0 * rate.DECREASE)
    assert aws.calls("ListConnections") == 4
    assert clock.pauses == pytest.approx([0.1, 1 / slowed, 1 / (slowed + 1 / slowed)])


def test_the_emulator_enforces_the_quota_on_an_uncapped_burst(aws: TestEmulator, events: Any) -> None:
    # 5/s, not 50/s: 80 back-to-back calls outrun 5/s on any machine, but not 50/s when four test
    # workers share two cores (a clean CI run sent them slower than that, and nothing was throttled).
    aws.set_request_quota(5)
    client = boto3.session.Session().client("events", config=boto3.session.Config(retries={"total_max_attempts": 1}))
    throttled = 0
    for _ in range(80):
        try:
            client.list_connections()
        except client.exceptions.ClientError as exc:
            assert exc.response["Error"]["Code"] == "ThrottlingException"
            throttled += 1
    assert throttled > 0 and aws.quota_throttled() == throttled


def test_a_plan_against_the_quota_is_seldom_throttled(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    n = 120
    secrets.create_secret(Name="prod/shared", SecretString="sentinel-shared-value")
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sentinel-shared-value"}}
    for i in range(n):
        write(specs, f"c{i:03}.yaml", api_key_spec(name=f"c{i:03}", secret="prod/shared", description="New"))
        events.create_connection(Name=f"c{i:03}", Description="Old", AuthorizationType="API_KEY", AuthParameters=auth)
    aws.set_request_quota(50)
    aws.reset_counters()
    result = plan(capsys)
    assert result.code == 2, result.err
    described = aws.calls("DescribeConnection")
    assert described >= n
    assert aws.quota_throttled() <= 0.03 * described  # a few percent at most
    # Paced at the default cap: n describes take at least (n - 1) / 45 s at the server.
    assert aws.call_spans()["DescribeConnection"] >= (n - 1) / rate.DEFAULT_EVENTBRIDGE_RPS * 0.95


def test_max_rps_sets_the_pace(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="sentinel-shared-value")
    for i in range(11):
        write(specs, f"c{i}.yaml", api_key_spec(name=f"c{i}", secret="prod/shared"))
    aws.reset_counters()
    assert plan(capsys, "--max-rps", "10").code == 2
    # 11 describes at 10/s: the cap spaces them 0.1 s apart, 1.0 s from first to last. The first
    # may reach the server a little after its turn (its connection is opened then: 35 ms was seen
    # in clean CI runs), so the bound leaves out one interval, not a percentage.
    assert aws.call_spans()["DescribeConnection"] >= 9 / 10
    bad = plan(capsys, "--max-rps", "0")
    assert bad.code == 1
    assert "--max-rps: must be a number of requests per second above 0, not '0'" in bad.err


def test_max_rps_in_the_config_is_checked(
    aws: TestEmulator, specs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "c.yaml", api_key_spec(name="c", secret="prod/shared"))
    (tmp_path / "reconcile.yaml").write_text("targets:\n  - name: t\n    region: us-east-1\n    max_rps: -1\n")
    result = run(capsys, "validate")
    assert result.code == 1
    assert "reconcile.yaml" in result.err and "max_rps" in result.err
