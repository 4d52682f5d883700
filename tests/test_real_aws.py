"""Optional: the same loop against a real AWS account, to check the unverified behaviours
in docs/aws-behaviour.md. Skipped unless RECONCILE_REAL_AWS=1 and credentials are set.

Creates a connection, an API destination and a secret named `reconcile-it-<random>` in
AWS_REGION, and deletes them at the end. Needs the permissions of iam/apply-policy.json plus
secretsmanager:CreateSecret/PutSecretValue/DeleteSecret on `reconcile-it-*`.
"""

from __future__ import annotations

import os
import secrets as tokens
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import run, write

pytestmark = pytest.mark.skipif(
    os.environ.get("RECONCILE_REAL_AWS") != "1",
    reason="set RECONCILE_REAL_AWS=1 (and AWS credentials) to run against a real account",
)

SPEC = """
Name: {name}
Description: reconcile integration test
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{{{resolve:secretsmanager:{name}:SecretString:key}}}}"
  InvocationHttpParameters:
    HeaderParameters:
{headers}
"""


@pytest.fixture
def real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any, Any]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    name = f"reconcile-it-{tokens.token_hex(4)}"
    events, secrets = boto3.client("events"), boto3.client("secretsmanager")
    secrets.create_secret(Name=name, SecretString=f'{{"key": "{tokens.token_urlsafe(16)}"}}')
    try:
        yield name, events, secrets
    finally:
        for delete in (events.delete_api_destination, events.delete_connection):
            try:
                delete(Name=name)
            except events.exceptions.ResourceNotFoundException:
                pass
        secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)


def test_round_trip_and_removed_parameters(
    real: tuple[str, Any, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, events, secrets = real
    two = "      - Key: X-A\n        Value: a\n      - Key: X-B\n        Value: b\n"
    write(tmp_path, f"connections/{name}.yaml", SPEC.format(name=name, headers=two))
    assert run(capsys, "apply", "--dir", "connections", "--yes").code == 0
    described = events.describe_connection(Name=name)
    assert "ApiKeyValue" not in described["AuthParameters"]["ApiKeyAuthParameters"]
    assert run(capsys, "plan", "--dir", "connections").code == 0
    # Removing a header must remove it live (hashicorp/terraform-provider-aws#37814).
    write(tmp_path, f"connections/{name}.yaml", SPEC.format(name=name, headers="      - Key: X-A\n        Value: a\n"))
    assert run(capsys, "apply", "--dir", "connections", "--yes").code == 0
    headers = events.describe_connection(Name=name)["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    assert [h["Key"] for h in headers] == ["X-A"]
    # Rotation is seen through the managed secret.
    secrets.put_secret_value(SecretId=name, SecretString=f'{{"key": "{tokens.token_urlsafe(16)}"}}')
    rotated = run(capsys, "plan", "--dir", "connections")
    assert rotated.code == 2 and "(secret changed" in rotated.out
    assert run(capsys, "apply", "--dir", "connections", "--yes").code == 0
    assert run(capsys, "plan", "--dir", "connections").code == 0


DESTINATION = """
---
Type: AWS::Events::ApiDestination
Name: {name}
Connection: {name}
InvocationEndpoint: https://example.com/reconcile-it
HttpMethod: POST
{extra}"""


def test_destination_fields_clear_and_reset(
    real: tuple[str, Any, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unverified in docs/aws-behaviour.md: "" clears Description, and the rate goes back to 300."""
    name, events, _ = real
    connection = SPEC.format(name=name, headers="      - Key: X-A\n        Value: a\n")
    spec = f"connections/{name}.yaml"
    extra = "Description: first words\nInvocationRateLimitPerSecond: 20\n"
    write(tmp_path, spec, connection + DESTINATION.format(name=name, extra=extra))
    assert run(capsys, "apply", "--dir", "connections", "--yes").code == 0
    live = events.describe_api_destination(Name=name)
    assert (live["Description"], live["InvocationRateLimitPerSecond"]) == ("first words", 20)
    write(tmp_path, spec, connection + DESTINATION.format(name=name, extra=""))
    assert run(capsys, "apply", "--dir", "connections", "--yes").code == 0
    live = events.describe_api_destination(Name=name)
    assert (live.get("Description") or "", live["InvocationRateLimitPerSecond"]) == ("", 300)
    assert run(capsys, "plan", "--dir", "connections").code == 0
