"""A reconcile.yaml target written once for many places: regions, accounts, organizational units (issue #22)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import api_key_spec, run, write
from testing.emulator import TestEmulator

HOME = "123456789012"
ACCOUNTS = ("111111111111", "222222222222")
TEMPLATE = """
targets:
  - name: app-{account}-{region}
    accounts: ["111111111111", "222222222222"]
    regions: [us-east-1, eu-west-1]
    role_arn: arn:aws:iam::{account}:role/reconcile-{region}
    specs: [connections]
  - name: home
    region: us-east-1
    specs: [connections]
"""
ORGANIZATION_READS = ("ListChildren", "ListAccountsForParent")


@pytest.fixture
def repo(aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "connections/stripe.yaml", api_key_spec())
    return tmp_path


def role_session(account: str, region: str = "us-east-1", role: str = "reconcile") -> boto3.session.Session:
    arn = f"arn:aws:iam::{account}:role/{role}"
    keys = boto3.session.Session().client("sts").assume_role(RoleArn=arn, RoleSessionName="test")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=region,
    )


def test_accounts_and_regions_expand_to_their_cross_product(
    repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "reconcile.yaml", TEMPLATE)
    listed = run(capsys, "targets", "--format", "json")
    assert json.loads(listed.out) == [
        "app-111111111111-us-east-1",
        "app-111111111111-eu-west-1",
        "app-222222222222-us-east-1",
        "app-222222222222-eu-west-1",
        "home",
    ]
    text = run(capsys, "targets").out.splitlines()
    assert text[1] == "app-111111111111-eu-west-1\teu-west-1\t111111111111\tconnections"
    assert text[4] == "home\tus-east-1\t(credentials' account)\tconnections"
    assert aws.calls() == 0  # a list of accounts needs no AWS
    assert run(capsys, "validate").out == "5 connection spec(s) valid.\n"  # one per target, as before


def test_each_place_assumes_its_own_role_and_is_held_to_its_account(
    repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "reconcile.yaml", TEMPLATE)
    for account in ACCOUNTS:
        for region in ("us-east-1", "eu-west-1"):
            role_session(account, region).client("secretsmanager").create_secret(Name="prod/stripe", SecretString="v")
    boto3.session.Session().client("secretsmanager").create_secret(Name="prod/stripe", SecretString="v")
    aws.reset_counters()
    plan = run(capsys, "plan", "--format", "json", "--out", "plan.json")
    assert plan.code == 2, plan.err
    document = json.loads(plan.out)
    assert document["places"]["app-222222222222-eu-west-1"] == {"account": "222222222222", "region": "eu-west-1"}
    assert document["places"]["home"] == {"account": HOME, "region": "us-east-1"}
    assert len(document["changes"]) == 5
    # The saved plan records the expanded targets.
    saved = json.loads((repo / "plan.json").read_text())
    assert sorted(saved["places"]) == sorted(document["places"])
    assert aws.calls("AssumeRole") == 4
    assert run(capsys, "apply", "plan.json", "--yes", "--wait-timeout", "10").code == 0
    events = role_session("222222222222", "eu-west-1", "reconcile-eu-west-1").client("events")
    assert [c["Name"] for c in events.list_connections()["Connections"]] == ["stripe"]


def test_a_name_that_would_repeat_is_an_error_naming_the_line(
    repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "reconcile.yaml", TEMPLATE.replace("name: app-{account}-{region}", "name: app-{account}"))
    result = run(capsys, "validate")
    assert result.code == 1
    assert result.err_lines[0] == (
        "reconcile.yaml:2:5: targets[0].name: the target covers 2 regions: put {region} in its name, "
        "so each gets its own"
    )
    write(repo, "reconcile.yaml", TEMPLATE.replace("name: app-{account}-{region}", "name: app-{region}"))
    assert run(capsys, "plan").err_lines[0] == (
        "reconcile.yaml:2:5: targets[0].name: the target covers several accounts: put {account} in its name, "
        "so each gets its own"
    )
    collide = TEMPLATE.replace("name: home", "name: app-111111111111-us-east-1")
    write(repo, "reconcile.yaml", collide)
    assert run(capsys, "targets").err_lines[0] == (
        "reconcile.yaml:7:5: targets[1].name: expands to target 'app-111111111111-us-east-1', which targets[0] "
        "(line 2) also names; target names must be unique"
    )
    assert aws.calls() == 0


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            (
                "role_arn: arn:aws:iam::{account}:role/reconcile-{region}",
                "role_arn: arn:aws:iam::{account}:role/{acount}",
            ),
            "reconcile.yaml:5:5: targets[0].role_arn: unknown placeholder {acount}: use {account} or {region}",
        ),
        (
            ("role_arn: arn:aws:iam::{account}:role/reconcile-{region}", "role_arn: arn:aws:iam::111111111111:role/r"),
            "reconcile.yaml:5:5: targets[0].role_arn: the target covers several accounts: give role_arn with "
            "{account} in it (arn:aws:iam::{account}:role/NAME), a role to assume in each",
        ),
        (
            ("name: home", "name: home-{account}"),
            "reconcile.yaml:7:5: targets[1].name: {account} needs an account: give account, accounts or "
            "organizational_units",
        ),
        (
            ("    region: us-east-1\n", "    region: us-east-1\n    regions: [eu-west-1]\n"),
            "reconcile.yaml:9:5: targets[1].regions: give region (one) or regions (several), not both",
        ),
    ],
)
def test_template_mistakes_are_one_line_each(
    repo: Path, capsys: pytest.CaptureFixture[str], change: tuple[str, str], error: str
) -> None:
    write(repo, "reconcile.yaml", TEMPLATE.replace(*change))
    result = run(capsys, "validate")
    assert result.code == 1
    assert result.err_lines == [error, "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS"]


# --- organizational units, read from the emulator's AWS Organizations -------------------------


def organization(aws: TestEmulator) -> dict[str, Any]:
    """root → unit a → unit a/child; b beside a. Accounts: one active in a, one in a/child, one closed
    in a, one in a to exclude, one in b. Made with the base credentials: the management account."""
    org = boto3.session.Session().client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]

    def unit(parent: str, name: str) -> str:
        return str(org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"])

    def account(parent: str, name: str) -> str:
        made = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=made, SourceParentId=root, DestinationParentId=parent)
        return str(made)

    a = unit(root, "a")
    child = unit(a, "child")
    b = unit(root, "b")
    made = {
        "a": a,
        "child": child,
        "b": b,
        "in_a": account(a, "in-a"),
        "in_child": account(child, "in-child"),
        "closed": account(a, "closed"),
        "excluded": account(a, "excluded"),
        "in_b": account(b, "in-b"),
    }
    org.close_account(AccountId=made["closed"])
    for key in ("in_a", "in_child"):
        role_session(made[key]).client("secretsmanager").create_secret(Name="prod/stripe", SecretString="v")
    aws.reset_counters()
    return made


UNITS = """
targets:
  - name: org-{account}
    organizational_units: [UNIT]
    exclude_accounts: ["EXCLUDED"]
    region: us-east-1
    role_arn: arn:aws:iam::{account}:role/reconcile
    specs: [connections]
"""


def test_units_expand_to_their_active_accounts_and_child_units(
    repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    made = organization(aws)
    # Read with a role of the management account (here the base credentials' own account).
    reader = "organizations_role_arn: arn:aws:iam::123456789012:role/org-reader\n"
    write(repo, "reconcile.yaml", reader + UNITS.replace("UNIT", made["a"]).replace("EXCLUDED", made["excluded"]))
    # validate reads no AWS: the target stays one, as written.
    assert run(capsys, "validate").code == 0
    assert aws.calls() == 0
    listed = run(capsys, "targets", "--format", "json")
    assert listed.code == 0, listed.err
    # The closed (SUSPENDED) account, the excluded one and b's are left out.
    assert json.loads(listed.out) == [f"org-{made['in_a']}", f"org-{made['in_child']}"]
    assert aws.calls("ListChildren") == 2 and aws.calls("ListAccountsForParent") == 2
    assert aws.calls("AssumeRole") == 1

    plan = run(capsys, "plan", "--format", "json", "--out", "plan.json")
    assert plan.code == 2, plan.err
    document = json.loads(plan.out)
    assert document["places"] == {
        f"org-{made['in_a']}": {"account": made["in_a"], "region": "us-east-1"},
        f"org-{made['in_child']}": {"account": made["in_child"], "region": "us-east-1"},
    }
    assert [(c["target"], c["action"]) for c in document["changes"]] == [
        (f"org-{made['in_a']}", "create"),
        (f"org-{made['in_child']}", "create"),
    ]
    # An account that joins the unit after the plan: applying the saved plan is refused.
    org = boto3.session.Session().client("organizations")
    late = org.create_account(Email="late@example.com", AccountName="late")["CreateAccountStatus"]["AccountId"]
    root = org.list_roots()["Roots"][0]["Id"]
    org.move_account(AccountId=late, SourceParentId=root, DestinationParentId=made["child"])
    role_session(late).client("secretsmanager").create_secret(Name="prod/stripe", SecretString="v")
    aws.reset_counters()
    refused = run(capsys, "apply", "plan.json", "--yes")
    assert refused.code == 1
    assert f"org-{late}/stripe: not in the saved plan, and would now be a create" in refused.err
    assert aws.write_calls() == 0


def test_picking_another_target_reads_no_unit(
    repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    made = organization(aws)
    config = UNITS.replace("UNIT", made["a"]).replace("EXCLUDED", made["excluded"])
    write(repo, "reconcile.yaml", config + "  - name: home\n    region: us-east-1\n    specs: [connections]\n")
    assert (
        run(capsys, "targets", "--format", "json").out
        == '["org-' + made["in_a"] + '", "org-' + made["in_child"] + '", "home"]\n'
    )
    aws.reset_counters()
    boto3.session.Session().client("secretsmanager").create_secret(Name="prod/stripe", SecretString="v")
    aws.reset_counters()
    assert run(capsys, "plan", "--target", "home").code == 2
    assert not any(aws.calls(action) for action in ORGANIZATION_READS)


def test_a_unit_that_cannot_be_read_is_named(repo: Path, aws: TestEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    made = organization(aws)
    missing = made["a"][:-8] + "zzzzzzzz"
    write(repo, "reconcile.yaml", UNITS.replace("UNIT", missing).replace("EXCLUDED", made["excluded"]))
    result = run(capsys, "plan")
    assert result.code == 1
    assert result.err_lines == [
        f"reconcile.yaml:3:28: targets[0].organizational_units[0]: organizational unit {missing}: can't be read: "
        "no such organizational unit in the organization",
        "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS",
    ]
    assert aws.write_calls() == 0
