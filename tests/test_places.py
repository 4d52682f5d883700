"""Where a plan was made: each target's account (STS GetCallerIdentity) and region, shown in
every plan, recorded in saved plans, and held against the run that applies one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import ACCOUNT, HEADER, REGION, api_key_spec, place_line, plan, run, write
from testing.emulator import TestEmulator


def test_a_plan_says_where_it_was_made(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.reset_counters()
    result = plan(capsys, "--format", "json")
    assert result.code == 2, result.err
    assert json.loads(result.out)["places"] == {"default": {"account": ACCOUNT, "region": REGION}}
    assert aws.calls("GetCallerIdentity") == 1  # one per target

    text = plan(capsys)
    assert text.code == 2, text.err
    assert text.out.splitlines()[0] == place_line() == f"Target default: account {ACCOUNT}, region {REGION}"
    assert text.out.startswith(HEADER + "+ stripe: create  (connections/stripe.yaml)\n")


def test_a_saved_plan_is_refused_in_another_region(
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    saved = tmp_path / "plan.json"
    planned = plan(capsys, "--out", str(saved))
    assert planned.code == 2, planned.err
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["places"] == {"default": {"account": ACCOUNT, "region": REGION}}
    # No --region was given, so the saved options name none: the replay takes the environment's.
    assert document["options"]["region"] is None

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    aws.reset_counters()
    applied = run(capsys, "apply", str(saved), "--yes")
    assert applied.code == 1, applied.out + applied.err
    assert applied.err == (
        f"reconcile: error: {saved} was planned for target default in account {ACCOUNT}, region {REGION}, "
        f"but this run reaches account {ACCOUNT}, region eu-west-1; refusing to apply it elsewhere. "
        "Nothing was written\n"
    )
    # Refused as soon as the place was known: nothing was read there (its secrets don't even exist).
    assert aws.calls_by_action() == {"GetCallerIdentity": 1}
    assert aws.write_calls() == 0
    assert events.list_connections()["Connections"] == []
    eu_events = boto3.session.Session().client("events", region_name="eu-west-1")
    assert eu_events.list_connections()["Connections"] == []
