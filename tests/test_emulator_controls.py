"""The emulator's load-test controls: the throttle rate, call counters, the HTTP control channel,
the standalone server."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from testing.control import RemoteEmulator
from testing.emulator import TestEmulator
from testing.serve import EmulatorProcess


def no_retry(service: str, endpoint: str | None = None) -> Any:
    session = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    return session.client(service, endpoint_url=endpoint, config=Config(retries={"total_max_attempts": 1}))


def outcomes(client: Any, n: int) -> list[str]:
    """n ListConnections calls: "ok" or the error code of each."""
    seen = []
    for _ in range(n):
        try:
            client.list_connections()
            seen.append("ok")
        except botocore.exceptions.ClientError as exc:
            seen.append(str(exc.response["Error"]["Code"]))
    return seen


# --- Throttle rate ----------------------------------------------------------------------------


def test_throttle_rate_one_throttles_every_call_of_the_chosen_actions(aws: TestEmulator) -> None:
    aws.set_throttle_rate(1.0, {"ListConnections"})
    events, secrets = no_retry("events"), no_retry("secretsmanager")
    assert outcomes(events, 3) == ["ThrottlingException"] * 3
    secrets.list_secrets()  # another action: untouched
    assert (aws.throttled(), aws.faults_injected(), aws.calls("ListConnections"), aws.calls()) == (3, 3, 3, 4)


def test_throttle_rate_is_seeded_and_roughly_the_rate(aws: TestEmulator) -> None:
    events = no_retry("events")
    aws.set_throttle_rate(0.35, seed=7)
    first = outcomes(events, 200)
    aws.set_throttle_rate(0.35, seed=7)
    assert outcomes(events, 200) == first
    throttled = first.count("ThrottlingException")
    assert 40 <= throttled <= 100  # 70 expected; the bounds are about 5 standard deviations
    assert set(first) == {"ok", "ThrottlingException"}
    assert aws.throttled() == 2 * throttled


def test_throttle_rate_zero_turns_it_off_and_reset_clears_it(aws: TestEmulator) -> None:
    events = no_retry("events")
    aws.set_throttle_rate(1.0)
    aws.set_throttle_rate(0)
    assert outcomes(events, 2) == ["ok", "ok"]
    aws.set_throttle_rate(1.0)
    aws.reset()
    assert outcomes(events, 2) == ["ok", "ok"]
    assert aws.throttled() == 0


def test_armed_faults_fire_before_the_rate_and_throttles_of_either_kind_count(aws: TestEmulator) -> None:
    aws.set_throttle_rate(1.0, {"ListConnections"})
    aws.inject("ListConnections", "500")
    aws.inject("ListSecrets", "throttle")
    assert outcomes(no_retry("events"), 2) == ["InternalException", "ThrottlingException"]
    with pytest.raises(botocore.exceptions.ClientError):
        no_retry("secretsmanager").list_secrets()
    assert (aws.faults_injected(), aws.throttled()) == (3, 2)


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_throttle_rate_out_of_range_is_refused(aws: TestEmulator, rate: float) -> None:
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        aws.set_throttle_rate(rate)


def test_retrying_client_gets_through_a_throttled_endpoint(aws: TestEmulator) -> None:
    aws.set_throttle_rate(0.3, {"ListConnections"}, seed=3)
    session = boto3.session.Session()
    # standard, not adaptive: adaptive's rate limiter would pace these calls for seconds (bench/README.md).
    events = session.client("events", config=Config(retries={"mode": "standard", "total_max_attempts": 10}))
    for _ in range(3):
        events.list_connections()
    assert aws.throttled() > 0
    assert aws.calls("ListConnections") == 3 + aws.throttled()


# --- Counters ---------------------------------------------------------------------------------


def test_calls_by_action_and_repeated_calls(aws: TestEmulator, events: Any) -> None:
    events.list_connections()
    events.list_connections()
    events.list_connections(NamePrefix="x")
    assert aws.calls_by_action() == {"ListConnections": 3}
    assert aws.repeated_calls() == 1  # the second call had the same body as the first
    aws.reset_counters()
    assert (aws.calls_by_action(), aws.repeated_calls()) == ({}, 0)


# --- HTTP control channel ---------------------------------------------------------------------


def test_remote_controls_drive_the_emulator_and_are_not_counted(aws: TestEmulator, events: Any) -> None:
    remote = RemoteEmulator(aws.endpoint)
    remote.set_transition_polls(0)
    remote.inject("ListConnections", "limit")
    with pytest.raises(botocore.exceptions.ClientError, match="LimitExceededException"):
        no_retry("events", aws.endpoint).list_connections()
    remote.set_throttle_rate(1.0, {"ListSecrets"}, seed=1)
    with pytest.raises(botocore.exceptions.ClientError, match="ThrottlingException"):
        no_retry("secretsmanager", aws.endpoint).list_secrets()
    assert remote.snapshot() == {
        "by_action": {"ListConnections": 1, "ListSecrets": 1},
        "total": 2,
        "writes": 0,
        "repeats": 0,
        "faults_injected": 2,
        "throttled": 1,
        "quota_throttled": 0,
        "spans": {"ListConnections": 0.0, "ListSecrets": 0.0},
    }
    assert (remote.calls("ListSecrets"), remote.throttled(), remote.faults_injected()) == (1, 1, 2)
    remote.set_latency(0.25)
    assert aws._latency.seconds == 0.25  # noqa: SLF001 - the control reached the emulator
    remote.reset_counters()
    assert (aws.calls(), remote.calls_by_action()) == (0, {})
    events.create_connection(
        Name="c",
        AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "pw-secret"}},
    )
    assert events.describe_connection(Name="c")["ConnectionState"] == "AUTHORIZED"  # transition polls 0
    remote.reset()
    assert events.list_connections()["Connections"] == []


def test_remote_control_errors(aws: TestEmulator) -> None:
    remote = RemoteEmulator(aws.endpoint)
    with pytest.raises(ValueError, match="unknown fault 'meteor'"):
        remote.inject("ListConnections", "meteor")
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        remote.set_throttle_rate(2.0)
    with pytest.raises(ValueError, match="no control route GET /_emulator/nothing"):
        remote._call("GET", "nothing")  # noqa: SLF001


# --- Standalone server ------------------------------------------------------------------------


def test_serve_runs_the_emulator_in_its_own_process() -> None:
    with EmulatorProcess(latency=0.0) as served:
        assert served.endpoint.startswith("http://127.0.0.1:")
        assert served.pid is not None
        events = no_retry("events", served.endpoint)
        assert events.list_connections()["Connections"] == []
        served.control.set_throttle_rate(1.0, {"ListConnections"})
        assert outcomes(events, 1) == ["ThrottlingException"]
        assert served.control.calls_by_action() == {"ListConnections": 2}
        process = served._process  # noqa: SLF001
    assert process is not None and process.poll() is not None  # stopped
