"""The least-privilege policies in iam/ grant what each mode calls, and no more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import run, write
from testing.emulator import TestEmulator

IAM = Path(__file__).parent.parent / "iam"
WRITES = {
    "events:CreateConnection",
    "events:UpdateConnection",
    "events:DeleteConnection",
    "events:CreateApiDestination",
    "events:UpdateApiDestination",
    "events:DeleteApiDestination",
    "iam:CreateServiceLinkedRole",
}


def _actions(name: str) -> dict[str, list[Any]]:
    document = json.loads((IAM / name).read_text())
    granted: dict[str, list[Any]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            granted.setdefault(action, []).append(statement["Resource"])
    return granted


def test_plan_policy_reads_only() -> None:
    granted = _actions("plan-policy.json")
    assert {"events:DescribeConnection", "secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"} <= set(
        granted
    )
    assert not WRITES & set(granted)
    # Without verification, the connections' managed secrets are not readable.
    assert not any("events!connection" in str(r) for r in granted["secretsmanager:GetSecretValue"])


def test_verify_policy_adds_managed_secret_reads_and_kms() -> None:
    granted = _actions("plan-verify-secrets-policy.json")
    assert any("secret:events!connection/*" in str(r) for r in granted["secretsmanager:GetSecretValue"])
    assert "kms:Decrypt" in granted
    assert not WRITES & set(granted)


def test_apply_policy_writes_connections_and_nothing_else() -> None:
    granted = _actions("apply-policy.json")
    assert WRITES <= set(granted)
    writes = {a for a in granted if not a.split(":")[1].startswith(("Describe", "List", "Get", "BatchGet", "Decrypt"))}
    assert writes == WRITES | {"kms:GenerateDataKey"}
    # Secrets Manager writes are not needed: EventBridge writes the managed secret itself.
    assert not any(
        a.startswith("secretsmanager:") and a.split(":")[1].startswith(("Put", "Create", "Update")) for a in granted
    )


def test_import_policy_writes_only_its_own_secrets() -> None:
    granted = _actions("import-policy.json")
    assert not WRITES & set(granted)
    assert granted["secretsmanager:CreateSecret"] == ["arn:aws:secretsmanager:REGION:ACCOUNT_ID:secret:eventbridge/*"]


def test_import_policy_reads_connections_and_api_destinations() -> None:
    granted = _actions("import-policy.json")
    assert {
        "events:ListConnections",
        "events:DescribeConnection",
        "events:ListApiDestinations",
        "events:DescribeApiDestination",
    } <= set(granted)


OIDC = "token.actions.githubusercontent.com"


def _trust(name: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads((IAM / name).read_text())["Statement"]
    assert all(s["Effect"] == "Allow" for s in statements)
    return statements


def test_github_trust_policies_pin_audience_and_subject_exactly() -> None:
    # StringEquals only: a StringLike with `*` in `sub` would let any branch, pull request or
    # environment of the repository (or of another) assume the role.
    for name in ("github-oidc-trust-plan.json", "github-oidc-trust-apply.json"):
        [statement] = _trust(name)
        assert set(statement["Condition"]) == {"StringEquals"}, name
        condition = statement["Condition"]["StringEquals"]
        assert set(condition) == {f"{OIDC}:aud", f"{OIDC}:sub"}, name
        assert condition[f"{OIDC}:aud"] == "sts.amazonaws.com", name
        subject = condition[f"{OIDC}:sub"]
        subjects = [subject] if isinstance(subject, str) else subject
        assert subjects and all("*" not in s and s.startswith("repo:OWNER/REPO:") for s in subjects), name


def test_the_apply_role_trusts_only_jobs_in_the_apply_environment() -> None:
    # An environment's protection rules (required reviewers, branches) gate the job; a branch
    # subject (ref:refs/heads/main) would let any job on main, in any workflow, assume it.
    [statement] = _trust("github-oidc-trust-apply.json")
    assert statement["Condition"]["StringEquals"][f"{OIDC}:sub"] == "repo:OWNER/REPO:environment:reconcile-apply"


def test_target_roles_trust_the_plan_and_apply_roles_and_nobody_else() -> None:
    # A target's role_arn in reconcile.yaml: assumed by plans and drift checks (the plan role)
    # and by apply (the apply role), from the account the GitHub roles live in.
    statements = _trust("target-role-trust.json")
    assert {s["Sid"]: s["Principal"] for s in statements} == {
        "ReconcilePlanAndDriftRole": {"AWS": "arn:aws:iam::CENTRAL_ACCOUNT_ID:role/reconcile-plan"},
        "ReconcileApplyRole": {"AWS": "arn:aws:iam::CENTRAL_ACCOUNT_ID:role/reconcile-apply"},
    }
    assert {s["Action"] for s in statements} == {"sts:AssumeRole"}


def test_organizations_policy_grants_the_calls_a_units_expansion_makes(
    aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """reconcile targets over an organizational unit (with a child unit) calls Organizations only
    for what iam/organizations-read-policy.json grants, and the policy grants no more."""
    monkeypatch.chdir(tmp_path)
    org = boto3.session.Session().client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="a")["OrganizationalUnit"]["Id"]
    org.create_organizational_unit(ParentId=unit, Name="child")
    write(
        tmp_path,
        "reconcile.yaml",
        f"targets:\n  - name: t-{{account}}\n    organizational_units: [{unit}]\n    region: us-east-1\n"
        "    role_arn: arn:aws:iam::{account}:role/r\n",
    )
    aws.reset_counters()
    assert run(capsys, "targets").code == 0
    called = {f"organizations:{action}" for action in aws.calls_by_action()}
    granted = _actions("organizations-read-policy.json")
    assert called == set(granted) == {"organizations:ListChildren", "organizations:ListAccountsForParent"}
