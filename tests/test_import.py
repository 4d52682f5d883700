"""`reconcile import`: adopt live connections (issue #6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import HEADER, run
from testing.emulator import TestEmulator

SECRET = "SENTINEL-import-value"


def _seed(events: Any) -> None:
    events.create_connection(
        Name="app-crm",
        Description="CRM",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "app", "ClientSecret": SECRET + "-client"},
                "AuthorizationEndpoint": "https://login.example.com/token",
                "HttpMethod": "POST",
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "write", "IsValueSecret": False}]},
            },
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "X-Env", "Value": "prod", "IsValueSecret": False},
                    {"Key": "X-Token", "Value": SECRET + "-header", "IsValueSecret": True},
                ]
            },
        },
    )
    events.create_connection(
        Name="app-basic",
        AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": SECRET + "-password"}},
    )
    events.create_connection(
        Name="other",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": SECRET + "-key"}},
    )
    for name in ("app-crm", "app-basic", "other"):
        events.describe_connection(Name=name)


def test_import_with_copied_values_gives_a_clean_first_plan(
    aws: TestEmulator,
    events: Any,
    secrets: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(events)
    result = run(capsys, "import", "--dir", "adopted", "--prefix", "app-", "--copy-secret-values")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "adopted").iterdir()) == ["app-basic.yaml", "app-crm.yaml"]
    crm = (tmp_path / "adopted" / "app-crm.yaml").read_text()
    assert "Value: '{{resolve:secretsmanager:eventbridge/app-crm:SecretString:header/X-Token}}'" in crm
    assert "ClientSecret: '{{resolve:secretsmanager:eventbridge/app-crm:SecretString:client_secret}}'" in crm
    stored = json.loads(secrets.get_secret_value(SecretId="eventbridge/app-crm")["SecretString"])
    assert stored == {"client_secret": SECRET + "-client", "header/X-Token": SECRET + "-header"}
    for path in (tmp_path / "adopted").iterdir():
        assert SECRET not in path.read_text()
    assert SECRET not in result.out + result.err
    assert run(capsys, "validate", "--dir", "adopted").code == 0
    aws.reset_counters()
    plan = run(capsys, "plan", "--dir", "adopted")
    assert (plan.code, plan.out) == (0, HEADER + "No changes: 2 connection(s) match the specs.\n")
    assert aws.write_calls() == 0


def test_import_without_values_lists_the_secrets_to_create(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(events)
    aws.reset_counters()
    result = run(capsys, "import", "--dir", "adopted", "--secret-name", "imported/{name}")
    assert result.code == 0, result.err
    assert "  imported/other: JSON keys api_key_value" in result.out
    assert "  imported/app-crm: JSON keys client_secret, header/X-Token" in result.out
    assert aws.write_calls() == 0
    assert aws.calls("GetSecretValue") + aws.calls("BatchGetSecretValue") == 0


def test_import_refuses_to_overwrite(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(events)
    (tmp_path / "adopted").mkdir()
    (tmp_path / "adopted" / "other.yaml").write_text("# mine\n")
    result = run(capsys, "import", "--dir", "adopted")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: refusing to overwrite adopted/other.yaml; pass --overwrite or choose another --dir. "
        "Nothing was written\n"
    )
    assert (tmp_path / "adopted" / "other.yaml").read_text() == "# mine\n"


def test_import_skips_what_the_folder_declares_and_writes_the_editor_schema_line(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(events)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "connection.schema.json").write_text(run(capsys, "schema").out)
    adopted = tmp_path / "specs" / "adopted"
    adopted.mkdir(parents=True)
    mine = (
        "Name: other\nAuthorizationType: API_KEY\nAuthParameters:\n  ApiKeyAuthParameters:\n"
        "    ApiKeyName: k\n    ApiKeyValue: '{{resolve:secretsmanager:mine/other}}'\n"
    )
    (adopted / "hand-written.yaml").write_text(mine)
    result = run(capsys, "import", "--dir", "specs/adopted")
    assert result.code == 0, result.err
    assert "skipped other: already declared in specs/adopted/hand-written.yaml\n" in result.out
    assert sorted(p.name for p in adopted.iterdir()) == ["app-basic.yaml", "app-crm.yaml", "hand-written.yaml"]
    assert (adopted / "hand-written.yaml").read_text() == mine
    first = (adopted / "app-crm.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/connection.schema.json"


def test_import_writes_every_file_or_none(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _seed(events)
    (tmp_path / "adopted" / "other.yaml").mkdir(parents=True)  # a folder where a spec would go
    result = run(capsys, "import", "--dir", "adopted", "--overwrite")
    assert result.code == 1
    assert result.err == (
        "reconcile: error: adopted/other.yaml: not a file, so no spec can be written there; nothing was written\n"
    )
    assert [p.name for p in (tmp_path / "adopted").iterdir()] == ["other.yaml"]  # no spec, no staging folder
