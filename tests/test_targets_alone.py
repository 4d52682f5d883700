"""A target that fails is reported by name, and the other targets are still planned and applied
(issue #21); where the region comes from (AWS CLI v2's order)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import ACCOUNT, REGION, api_key_spec, place_line, run, write
from testing.emulator import TestEmulator

CONFIG = f"""
targets:
  - name: us
    region: {REGION}
    specs: [connections]
  - name: eu
    region: eu-west-1
    account: "999999999999"
    specs: [connections]
"""
MISMATCH = f"credentials are for account {ACCOUNT}, but the target expects 999999999999; refusing to continue"


@pytest.fixture
def repo(aws: TestEmulator, specs: Path, secrets: Any) -> Path:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs.parent, "reconcile.yaml", CONFIG)
    write(specs, "stripe.yaml", api_key_spec())
    return specs.parent


def test_a_failing_target_is_named_and_the_others_are_still_planned(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    planned = run(capsys, "plan")
    assert planned.code == 1
    assert planned.out.splitlines()[:2] == [place_line("us"), f"Target eu: not planned: {MISMATCH}"]
    assert "+ [us] stripe: create" in planned.out
    assert planned.out.splitlines()[-1] == "Incomplete: 1 target(s) not planned: eu."
    assert planned.err == f"reconcile: target eu: {MISMATCH}\n"
    document = json.loads(run(capsys, "plan", "--format", "json").out)
    assert document["failed_targets"] == {"eu": MISMATCH}
    assert [c["target"] for c in document["changes"]] == ["us"]


def test_a_failing_target_saves_no_plan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = repo / "plan.json"
    planned = run(capsys, "plan", "--out", str(saved))
    assert planned.code == 1
    assert not saved.exists()
    assert planned.err.splitlines()[-1] == f"reconcile: {saved} not written: a saved plan holds every target or none"


def test_apply_writes_the_targets_that_planned_and_fails(
    repo: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    applied = run(capsys, "apply", "--yes", "--wait-timeout", "10")
    assert applied.code == 1
    assert "[us] ✓ stripe: created (AUTHORIZED)" in applied.out
    assert f"reconcile: target eu: {MISMATCH}" in applied.err
    assert [c["Name"] for c in events.list_connections()["Connections"]] == ["stripe"]
    eu = boto3.session.Session().client("events", region_name="eu-west-1")
    assert eu.list_connections()["Connections"] == []


def test_aws_region_is_read_before_aws_default_region(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.session.Session().client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="prod/stripe", SecretString="sk-value-1"
    )
    write(specs, "stripe.yaml", api_key_spec())
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # AWS_DEFAULT_REGION stays us-east-1
    planned = run(capsys, "plan", "--dir", "connections")
    assert planned.code == 2, planned.err
    assert planned.out.splitlines()[0] == place_line(region="eu-west-1")


def test_no_region_says_everything_that_was_tried(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    planned = run(capsys, "plan", "--dir", "connections")
    assert planned.code == 1
    assert planned.err == (
        "reconcile: error: no AWS region: tried --region (or region: in reconcile.yaml), AWS_REGION, "
        "AWS_DEFAULT_REGION and the profile's region; set one of them\n"
    )
