"""Several targets from reconcile.yaml: regions, accounts, names unique per target (issue #5)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from support.cli import api_key_spec, place_line, run, write
from testing.emulator import TestEmulator

CONFIG = """
targets:
  - name: us
    region: us-east-1
    account: "123456789012"
    specs: [connections/common, connections/us]
  - name: eu
    region: eu-west-1
    specs: [connections/common]
"""


@pytest.fixture
def repo(aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for region in ("us-east-1", "eu-west-1"):
        boto3.session.Session().client("secretsmanager", region_name=region).create_secret(
            Name="prod/stripe", SecretString="sk-value-1"
        )
    write(tmp_path, "reconcile.yaml", CONFIG)
    write(tmp_path, "connections/common/stripe.yaml", api_key_spec())
    write(tmp_path, "connections/us/orders.yaml", api_key_spec(name="orders"))
    return tmp_path


def test_plan_groups_by_target_and_apply_writes_each_region(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = run(capsys, "plan")
    assert plan.code == 2, plan.err
    assert [line for line in plan.out.splitlines() if line and not line.startswith(" ")] == [
        place_line("us", "us-east-1"),
        place_line("eu", "eu-west-1"),
        "+ [us] stripe: create  (connections/common/stripe.yaml)",
        "+ [us] orders: create  (connections/us/orders.yaml)",
        "+ [eu] stripe: create  (connections/common/stripe.yaml)",
        "Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged.",
    ]
    document = json.loads(run(capsys, "plan", "--format", "json").out)
    assert sorted((c["target"], c["name"]) for c in document["changes"]) == [
        ("eu", "stripe"),
        ("us", "orders"),
        ("us", "stripe"),
    ]
    assert run(capsys, "apply", "--yes", "--wait-timeout", "10").code == 0
    eu = boto3.session.Session().client("events", region_name="eu-west-1")
    assert [c["Name"] for c in eu.list_connections()["Connections"]] == ["stripe"]
    assert run(capsys, "plan").code == 0
    only_eu = run(capsys, "plan", "--target", "eu", "--format", "json")
    assert {c["target"] for c in json.loads(only_eu.out)["changes"]} == {"eu"}


def test_names_are_unique_per_target_not_globally(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "validate").out == "3 connection spec(s) valid.\n"
    write(repo, "connections/us/again.yaml", api_key_spec(name="orders"))
    result = run(capsys, "validate")
    assert (
        result.err_lines[0]
        == "connections/us/orders.yaml:1:1: Name: connection 'orders' is also declared at connections/us/again.yaml:1:1"
    )


def test_wrong_account_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "reconcile.yaml", CONFIG.replace("123456789012", "999999999999"))
    result = run(capsys, "plan", "--target", "us")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: target us: credentials are for account 123456789012, but the target expects 999999999999; "
        "refusing to continue\n"
    )


def test_config_errors_name_file_and_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "reconcile.yaml", CONFIG.replace("region: eu-west-1", "region: europe"))
    result = run(capsys, "plan")
    assert result.code == 1
    assert (
        result.err_lines[0]
        == "reconcile.yaml:7:5: targets[1].region: does not match the pattern ^[a-z]{2}(-[a-z]+)+-\\d$ (got 'europe')"
    )
    write(repo, "reconcile.yaml", CONFIG)
    unknown = run(capsys, "plan", "--target", "ap")
    assert unknown.err == "reconcile: error: unknown target(s) ap; reconcile.yaml defines us, eu\n"


def test_targets_lists_the_matrix(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "targets", "--format", "json").out == '["us", "eu"]\n'
    (repo / "reconcile.yaml").unlink()
    assert run(capsys, "targets", "--format", "json").out == '["default"]\n'


HOOK = """
Type: AWS::Events::ApiDestination
Name: stripe-hook
Connection: stripe
InvocationEndpoint: https://api.example.com/hook
HttpMethod: POST
"""


def test_each_target_writes_its_destinations_with_its_own_connection(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder shared by both targets declares one destination: each region gets its own,
    on that region's connection."""
    write(repo, "connections/common/hook.yaml", HOOK)
    plan = run(capsys, "plan")
    assert "+ [us] API destination stripe-hook: create  (connections/common/hook.yaml)" in plan.out
    assert "+ [eu] API destination stripe-hook: create  (connections/common/hook.yaml)" in plan.out
    assert run(capsys, "apply", "--yes", "--wait-timeout", "10").code == 0
    for region in ("us-east-1", "eu-west-1"):
        events = boto3.session.Session().client("events", region_name=region)
        arn = events.describe_api_destination(Name="stripe-hook")["ConnectionArn"]
        assert arn == events.describe_connection(Name="stripe")["ConnectionArn"]
        assert f":{region}:" in arn
    assert run(capsys, "plan").code == 0
