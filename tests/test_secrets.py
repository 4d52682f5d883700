"""Secret drift (issue #3): rotation, changes made inside the connection, blind mode."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from support.cli import HEADER, api_key_spec, apply, oauth_spec, place_line, plan, write
from testing.emulator import TestEmulator


def _version(secrets: Any, secret_id: str, stage: str = "AWSCURRENT") -> str:
    return str(secrets.get_secret_value(SecretId=secret_id, VersionStage=stage)["VersionId"])


def _managed(events: Any, secrets: Any, name: str) -> dict[str, Any]:
    arn = events.describe_connection(Name=name)["SecretArn"]
    return dict(json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"]))


def test_rotation_is_detected_pushed_and_then_clean(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-old-value")
    assert apply(capsys).code == 0
    old = _version(secrets, "prod/stripe")
    secrets.put_secret_value(SecretId="prod/stripe", SecretString="sk-new-value")
    new = _version(secrets, "prod/stripe")

    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out.splitlines()[:4] == [
        place_line(),
        "",
        "~ stripe: update  (connections/stripe.yaml)",
        (
            "    ~ AuthParameters.ApiKeyAuthParameters.ApiKeyValue: "
            f"(secret changed: prod/stripe version {old[:8]}… → {new[:8]}…)"
        ),
    ]
    assert apply(capsys).code == 0
    assert _managed(events, secrets, "stripe")["api_key_value"] == "sk-new-value"
    assert plan(capsys).code == 0


def test_secret_changed_inside_the_connection_is_drift(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "crm.yaml", oauth_spec())
    secrets.create_secret(Name="prod/crm", SecretString=json.dumps({"client_secret": "cs-1", "tenant": "tenant-1"}))
    assert apply(capsys).code == 0
    # Someone edits the connection in the console: a new tenant token, the rest as it was.
    events.update_connection(
        Name="crm",
        AuthParameters={
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "X-Tenant-Token", "Value": "typed-in-console", "IsValueSecret": True},
                ]
            }
        },
    )
    version = _version(secrets, "prod/crm")
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out.splitlines()[:4] == [
        place_line(),
        "",
        "~ crm: update  (connections/crm.yaml)",
        f"    ~ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Tenant-Token].Value: "
        f"(live value differs from prod/crm key tenant version {version[:8]}…)",
    ]
    assert "typed-in-console" not in planned.out + planned.err
    assert apply(capsys).code == 0
    assert _managed(events, secrets, "crm")["invocation_http_parameters"]["header_parameters"][0]["value"] == "tenant-1"
    assert plan(capsys).code == 0


def test_blind_mode_says_secrets_are_unverified(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-old-value")
    assert apply(capsys).code == 0
    aws.deny_managed_secret_reads()
    planned = plan(capsys)
    assert planned.code == 0
    assert planned.out == HEADER + (
        "  stripe: noop  (connections/stripe.yaml)\n"
        "    ! secret values not verified: the connection's managed secret could not be read (AccessDeniedException); "
        "no source secret changed since the connection was last modified\n"
        "\n"
        "No changes: 1 connection(s) match the specs.\n"
    )
    document = json.loads(plan(capsys, "--format", "json").out)
    assert document["changes"][0]["notes"][0].startswith("secret values not verified")


def test_blind_mode_falls_back_to_source_secret_metadata(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-old-value")
    assert apply(capsys).code == 0
    time.sleep(1.1)  # Secrets Manager version dates have one-second resolution
    secrets.put_secret_value(SecretId="prod/stripe", SecretString="sk-new-value")
    new = _version(secrets, "prod/stripe")
    aws.deny_managed_secret_reads()
    planned = plan(capsys)
    assert planned.code == 2
    assert planned.out.splitlines()[3] == (
        "    ~ AuthParameters.ApiKeyAuthParameters.ApiKeyValue: "
        f"(secret probably changed: prod/stripe version {new[:8]}… is newer than the connection)"
    )
    assert planned.out.splitlines()[4].startswith("    ! secret values not verified")
    assert apply(capsys).code == 0


def test_force_secrets_pushes_every_secret(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value")
    assert apply(capsys).code == 0
    aws.deny_managed_secret_reads()
    aws.reset_counters()
    result = apply(capsys, "--force-secrets")
    assert result.code == 0
    assert "(secret pushed: prod/stripe version" in result.out
    assert aws.calls("UpdateConnection") == 1
    assert plan(capsys).code == 0  # blind, nothing newer: in sync, with a note


def test_reference_by_full_arn(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = secrets.create_secret(Name="shared/stripe", SecretString=json.dumps({"key": "sk-value"}))["ARN"]
    write(specs, "stripe.yaml", api_key_spec(secret=f"{arn}:SecretString:key"))
    assert apply(capsys).code == 0
    assert plan(capsys).code == 0


def test_no_verify_secrets_skips_managed_secret_reads(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value")
    assert apply(capsys).code == 0
    aws.reset_counters()
    planned = plan(capsys, "--no-verify-secrets")
    assert planned.code == 0
    assert "secret values not verified" in planned.out
    assert aws.calls("BatchGetSecretValue") == 1  # the source secret only
