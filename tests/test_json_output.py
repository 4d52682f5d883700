"""JSON wherever --format json asks for it (issue #14): errors, apply results, nothing else on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import ACCOUNT, HEADER, REGION, api_key_spec, apply, live_api_key, plan, run, write
from testing.emulator import TestEmulator

BAD_TYPE = {
    "file": "connections/bad.yaml",
    "line": 3,
    "column": 1,
    "path": "AuthorizationType",
    "message": "must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'APIKEY')",
}
DUPLICATE_KEY = {
    "file": "connections/dup.yaml",
    "line": 8,
    "column": 1,
    "path": "Description",
    "message": "duplicate key (first at line 2)",
}


@pytest.fixture
def bad_specs(specs: Path) -> Path:
    write(specs, "good.yaml", api_key_spec(name="good"))
    write(specs, "bad.yaml", api_key_spec(name="bad").replace("API_KEY", "APIKEY"))
    write(specs, "dup.yaml", api_key_spec(name="dup") + "Description: again\n")
    return specs


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_spec_errors_are_json_on_stdout(
    command: str, aws: TestEmulator, bad_specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.reset_counters()
    result = (plan if command == "plan" else apply)(capsys, "--format", "json")
    assert result.code == 1
    assert json.loads(result.out) == {"errors": [BAD_TYPE, DUPLICATE_KEY]}
    # People still read the same errors on stderr.
    assert result.err_lines[0] == (
        "connections/bad.yaml:3:1: AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY "
        "(got 'APIKEY')"
    )
    assert aws.calls() == 0


def test_validate_json_lists_the_same_errors(bad_specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--dir", "connections", "--format", "json")
    assert result.code == 1
    assert json.loads(result.out) == {"valid": False, "connections": 0, "errors": [BAD_TYPE, DUPLICATE_KEY]}


def test_validate_json_reports_other_errors_as_json(specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--dir", "nowhere", "--format", "json")
    assert result.code == 1
    assert json.loads(result.out) == {
        "errors": [
            {
                "file": None,
                "line": None,
                "column": None,
                "path": None,
                "message": "nowhere: specs folder does not exist",
            }
        ]
    }


def test_an_error_without_a_file_is_json_too(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs.mkdir()
    result = plan(capsys, "--format", "json")
    assert result.code == 1
    assert json.loads(result.out) == {
        "errors": [
            {
                "file": None,
                "line": None,
                "column": None,
                "path": None,
                "message": "no connection specs found in connections",
            }
        ]
    }
    assert result.err == "reconcile: error: no connection specs found in connections\n"


def test_apply_json_prints_each_result_and_the_counts(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs, "new.yaml", api_key_spec(name="new"))
    write(specs, "same.yaml", api_key_spec(name="same", description="Same"))
    write(specs, "drifted.yaml", api_key_spec(name="drifted", description="New"))
    write(specs, "denied.yaml", api_key_spec(name="denied", description="New"))
    live_api_key(events, "same", "Same")
    live_api_key(events, "drifted", "Old")
    live_api_key(events, "denied", "Old")
    aws.inject("UpdateConnection", "access_denied")  # the first update: denied or drifted, whichever goes first
    result = apply(capsys, "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)  # stdout holds the document and nothing else
    assert document["format_version"] == 1
    assert document["summary"] == {"created": 1, "updated": 1, "deleted": 0, "failed": 1, "not_started": 0}
    results = document["results"]
    assert [(r["name"], r["action"]) for r in results] == [
        ("new", "create"),
        ("denied", "update"),
        ("drifted", "update"),
    ]
    assert results[0] == {
        "name": "new",
        "type": "AWS::Events::Connection",
        "target": "default",
        "action": "create",
        "ok": True,
        "detail": "AUTHORIZED",
        "code": None,
        "started": True,
    }
    failed = next(r for r in results if not r["ok"])
    assert (failed["code"], failed["started"]) == ("AccessDeniedException", True)
    assert failed["detail"].startswith("AccessDeniedException: ")
    # The plan and the progress are for people, on stderr.
    assert "+ new: create  (connections/new.yaml)" in result.err
    assert "Apply complete: 1 created, 1 updated, 0 deleted, 1 failed." in result.err


def test_apply_json_in_sync_is_an_empty_result_list(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs, "same.yaml", api_key_spec(name="same", description="Same"))
    live_api_key(events, "same", "Same")
    result = apply(capsys, "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "format_version": 1,
        "places": {"default": {"account": ACCOUNT, "region": REGION}},
        "results": [],
        "summary": {"created": 0, "updated": 0, "deleted": 0, "failed": 0, "not_started": 0},
    }
    assert result.err == HEADER + "No changes: 1 connection(s) match the specs.\n"


def test_apply_json_refusal_is_json(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs, "new.yaml", api_key_spec(name="new"))
    aws.reset_counters()
    result = run(capsys, "apply", "--dir", "connections", "--format", "json")  # no --yes, no terminal
    assert result.code == 1
    message = "refusing to apply without confirmation: no terminal to ask on; pass --yes to apply non-interactively"
    assert json.loads(result.out)["errors"] == [
        {"file": None, "line": None, "column": None, "path": None, "message": message}
    ]
    assert aws.write_calls() == 0
