"""Targets in other accounts: an assumed role acts in its own account, with its own connections (issue #22)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import api_key_spec, run, write
from testing.emulator import TestEmulator

OTHER = "111111111111"
ROLE = f"arn:aws:iam::{OTHER}:role/x"
CONFIG = f"""
targets:
  - name: other
    region: us-east-1
    role_arn: {ROLE}
    account: "{OTHER}"
    specs: [connections/other]
  - name: home
    region: us-east-1
    specs: [connections/home]
"""


def role_session(role_arn: str = ROLE) -> boto3.session.Session:
    """A session with the role's credentials, assumed from the base ones (as reconcile does)."""
    keys = boto3.session.Session().client("sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name="us-east-1",
    )


def names(client: Any) -> list[str]:
    return [c["Name"] for c in client.list_connections()["Connections"]]


@pytest.fixture
def repo(aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # Each account has its own source secret of the same name, with its own value.
    role_session().client("secretsmanager").create_secret(Name="prod/stripe", SecretString="other-value")
    boto3.session.Session().client("secretsmanager").create_secret(Name="prod/stripe", SecretString="home-value")
    write(tmp_path, "reconcile.yaml", CONFIG)
    write(tmp_path, "connections/other/stripe.yaml", api_key_spec())
    write(tmp_path, "connections/other/billing.yaml", api_key_spec(name="billing"))
    write(tmp_path, "connections/home/stripe.yaml", api_key_spec(description="Home"))
    return tmp_path


def test_an_assumed_role_acts_in_its_own_account(aws: TestEmulator) -> None:
    identity = role_session().client("sts").get_caller_identity()
    assert identity["Account"] == OTHER
    assert boto3.session.Session().client("sts").get_caller_identity()["Account"] == "123456789012"
    role_session().client("secretsmanager").create_secret(Name="only-there", SecretString="v")
    home = boto3.session.Session().client("secretsmanager")
    assert [s["Name"] for s in home.list_secrets()["SecretList"]] == []


def test_plan_and_apply_write_each_account_separately(repo: Path, aws: TestEmulator, capsys: Any) -> None:
    plan = run(capsys, "plan", "--format", "json")
    assert plan.code == 2, plan.err
    document = json.loads(plan.out)
    assert document["places"] == {
        "other": {"account": OTHER, "region": "us-east-1"},
        "home": {"account": "123456789012", "region": "us-east-1"},
    }
    assert sorted((c["target"], c["name"], c["action"]) for c in document["changes"]) == [
        ("home", "stripe", "create"),
        ("other", "billing", "create"),
        ("other", "stripe", "create"),
    ]
    assert run(capsys, "apply", "--yes", "--wait-timeout", "10").code == 0

    other_events = role_session().client("events")
    home_events = boto3.session.Session().client("events")
    assert names(other_events) == ["billing", "stripe"]
    assert names(home_events) == ["stripe"]
    assert f":{OTHER}:connection/stripe/" in other_events.describe_connection(Name="stripe")["ConnectionArn"]
    assert home_events.describe_connection(Name="stripe")["Description"] == "Home"
    # Each managed secret is in its connection's account, holding that account's source value.
    managed = other_events.describe_connection(Name="stripe")["SecretArn"]
    assert f":{OTHER}:secret:events!connection/stripe/" in managed
    value = json.loads(role_session().client("secretsmanager").get_secret_value(SecretId=managed)["SecretString"])
    assert value["api_key_value"] == "other-value"

    again = run(capsys, "plan")
    assert again.code == 0, again.out + again.err


def test_an_account_that_is_not_the_roles_is_refused_and_nothing_written_there(
    repo: Path, aws: TestEmulator, capsys: Any
) -> None:
    """The target fails alone (issue #21): nothing is written in its account, the other is applied."""
    write(repo, "reconcile.yaml", CONFIG.replace(f'account: "{OTHER}"', 'account: "222222222222"'))
    aws.reset_counters()
    result = run(capsys, "apply", "--yes")
    assert result.code == 1
    assert result.err == (
        f"reconcile: target other: credentials are for account {OTHER}, but the target expects 222222222222; "
        "refusing to continue\n"
    )
    assert names(role_session().client("events")) == []
    assert names(boto3.session.Session().client("events")) != []
    alone = run(capsys, "apply", "--yes", "--target", "other")
    assert alone.code == 1
    assert alone.err == (
        f"reconcile: error: target other: credentials are for account {OTHER}, but the target expects "
        "222222222222; refusing to continue\n"
    )
    assert names(role_session().client("events")) == []
