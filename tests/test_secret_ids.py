"""A reference names exactly one secret (issue #19): exact ARN, exact name, or partial ARN."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from reconciler.aws.secret_versions import SecretVersion, names_secret, read_versions
from support.cli import ACCOUNT, REGION, api_key_spec, live_api_key, plan, write
from testing.emulator import TestEmulator

PREFIX = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
SVC = PREFIX + "svc-AbCdEf"
SVC_PROD = PREFIX + "svc-prod-GhIjKl"


@pytest.mark.parametrize(
    ("requested", "arn", "name", "expected"),
    [
        (SVC, SVC, "svc", True),  # exact ARN
        ("svc", SVC, "svc", True),  # exact name
        (PREFIX + "svc", SVC, "svc", True),  # partial ARN
        (PREFIX + "svc", SVC_PROD, "svc-prod", False),  # a prefix of another secret's name
        (PREFIX + "svc-prod", SVC_PROD, "svc-prod", True),
        (PREFIX + "svc-pro", SVC_PROD, "svc-prod", False),
        (PREFIX + "sv", SVC, "svc", False),
        (PREFIX + "svc-Ab", SVC, "svc", False),  # a suffix cut short is no partial ARN
        ("svc", SVC_PROD, "svc-prod", False),  # a name is matched whole, never as a prefix
        ("svc-AbCdEf", SVC, "svc", False),  # the suffix rule is for ARNs only
    ],
)
def test_a_requested_id_names_a_secret_by_exact_arn_exact_name_or_partial_arn(
    requested: str, arn: str, name: str, expected: bool
) -> None:
    assert names_secret(requested, arn, name) is expected


def _stubbed_batch(reply: dict[str, Any], ids: list[str]) -> dict[str, str]:
    client = boto3.client("secretsmanager", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub, ThreadPoolExecutor(1) as pool:
        stub.add_response("batch_get_secret_value", reply, {"SecretIdList": ids})
        got = read_versions(client, [(i, None, None) for i in ids], pool)
    return {key[0]: v.name if isinstance(v, SecretVersion) else f"{v.code}" for key, v in got.items()}


def test_a_partial_arn_is_not_taken_by_a_longer_name_listed_first_in_the_reply() -> None:
    ids = [PREFIX + "svc", PREFIX + "svc-prod"]
    reply = {
        "SecretValues": [
            {"ARN": SVC_PROD, "Name": "svc-prod", "VersionId": "v" * 32, "SecretString": "prod"},
            {"ARN": SVC, "Name": "svc", "VersionId": "w" * 32, "SecretString": "svc"},
        ],
        "Errors": [],
    }
    assert _stubbed_batch(reply, ids) == {PREFIX + "svc": "svc", PREFIX + "svc-prod": "svc-prod"}


def test_an_error_for_a_longer_name_is_not_the_error_of_a_missing_partial_arn() -> None:
    ids = [PREFIX + "svc", PREFIX + "svc-prod-GhIjKl"]
    reply = {
        "SecretValues": [],
        "Errors": [
            {"SecretId": PREFIX + "svc-prod-GhIjKl", "ErrorCode": "DecryptionFailure", "Message": "kms"},
            {"SecretId": PREFIX + "svc", "ErrorCode": "ResourceNotFoundException", "Message": "gone"},
        ],
    }
    got = _stubbed_batch(reply, ids)
    assert got == {PREFIX + "svc": "ResourceNotFoundException", PREFIX + "svc-prod-GhIjKl": "DecryptionFailure"}


@pytest.mark.parametrize("first", ["svc", "svc-prod"])
def test_partial_arns_of_svc_and_svc_prod_in_one_batch_each_resolve_to_their_own_secret(
    first: str,
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`svc` and `svc-prod`, created and referenced in either order, both by partial ARN: each
    connection is in sync with its own secret, and the JSON plan names each one's version."""
    names = ["svc", "svc-prod"] if first == "svc" else ["svc-prod", "svc"]
    versions = {}
    for name in names:
        versions[name] = secrets.create_secret(Name=name, SecretString=f"{name}-value")["VersionId"]
        live_api_key(events, f"conn-{name}", value=f"{name}-value")
    # Files load in name order, so the first secret's reference is the first id of the batch.
    for index, name in enumerate(names):
        write(specs, f"{index}-{name}.yaml", api_key_spec(name=f"conn-{name}", secret=PREFIX + name))

    in_sync = plan(capsys)
    assert (in_sync.code, in_sync.out.splitlines()[-1]) == (0, "No changes: 2 connection(s) match the specs.")

    # Fresh connections are created with a value each: the plan says from which secret version.
    for name in names:
        events.delete_connection(Name=f"conn-{name}")
    planned = plan(capsys, "--format", "json")
    assert planned.code == 2
    sources = {
        change["name"]: field["secret_source"]
        for change in json.loads(planned.out)["changes"]
        for field in change["fields"]
        if field["secret"]
    }
    assert sources == {f"conn-{name}": {"secret_id": PREFIX + name, "version": versions[name]} for name in names}
