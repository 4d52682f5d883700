"""Exact request shapes of secret reads, pinned with botocore's Stubber."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.stub import Stubber

from reconciler.aws.secret_versions import SecretVersion, read_versions

VERSION = "a1b2c3d4-0000-4000-8000-000000000001"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe-AbCdEf"


def test_a_secret_named_with_and_without_awscurrent_is_one_read() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "batch_get_secret_value",
            {
                "SecretValues": [{"ARN": ARN, "Name": "prod/stripe", "VersionId": VERSION, "SecretString": "sk-value"}],
                "Errors": [],
            },
            {"SecretIdList": ["prod/stripe"]},
        )
        with ThreadPoolExecutor(2) as pool:
            got = read_versions(client, [("prod/stripe", None, None), ("prod/stripe", "AWSCURRENT", None)], pool)
        stub.assert_no_pending_responses()
    assert {key: (v.version_id if isinstance(v, SecretVersion) else v) for key, v in got.items()} == {
        ("prod/stripe", None, None): VERSION,
        ("prod/stripe", "AWSCURRENT", None): VERSION,
    }
