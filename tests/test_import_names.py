"""`reconcile import` writes what `plan` reads back (issue #20): names AWS allows that a file
or secret name can't carry as they are (`.hidden-prod`, `.`, `..`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import HEADER, run
from testing.emulator import TestEmulator

SECRET = "SENTINEL-import-names"


def _api_key(events: Any, name: str) -> None:
    events.create_connection(
        Name=name,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": f"{SECRET}-{name}"}},
    )


def test_dot_names_round_trip_through_import_and_a_pruning_plan(
    aws: TestEmulator,
    events: Any,
    secrets: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (".hidden-prod", "..", "normal"):
        _api_key(events, name)
    result = run(capsys, "import", "--dir", "adopted", "--copy-secret-values")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "adopted").iterdir()) == ["@...yaml", "@.hidden-prod.yaml", "normal.yaml"]
    # No secret name with a path-like "." or ".." segment.
    names = sorted(s["Name"] for s in secrets.list_secrets()["SecretList"] if s["Name"].startswith("eventbridge/"))
    assert names == ["eventbridge/@..", "eventbridge/@.hidden-prod", "eventbridge/normal"]
    stored = json.loads(secrets.get_secret_value(SecretId="eventbridge/@..")["SecretString"])
    assert stored == {"api_key_value": f"{SECRET}-.."}
    aws.reset_counters()
    plan = run(capsys, "plan", "--prune", "--dir", "adopted")
    assert (plan.code, plan.out) == (0, HEADER + "No changes: 3 connection(s) match the specs.\n"), plan.err
    assert aws.write_calls() == 0


def test_a_failed_secret_write_takes_the_written_files_out_again(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("first", "second"):
        _api_key(events, name)
    adopted = tmp_path / "adopted"
    adopted.mkdir()
    (adopted / "first.yaml").write_text("# kept as it was\n")
    aws.inject("CreateSecret", "access_denied")
    result = run(capsys, "import", "--dir", "adopted", "--copy-secret-values", "--overwrite")
    assert result.code == 1
    assert "CreateSecret" in result.err
    assert [p.name for p in adopted.iterdir()] == ["first.yaml"]  # no spec written, no staging folder
    assert (adopted / "first.yaml").read_text() == "# kept as it was\n"


def test_a_secret_name_pattern_giving_a_dot_segment_is_refused(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _api_key(events, "normal")
    result = run(capsys, "import", "--dir", "adopted", "--secret-name", "team/./{name}")
    assert (result.code, result.err) == (
        1,
        "reconcile: error: --secret-name gives 'team/./normal' for connection 'normal': a '.' or '..' between "
        "slashes reads as a path; nothing was written\n",
    )
    assert not (tmp_path / "adopted").exists()


def test_the_read_back_check_names_a_file_plan_would_not_read(tmp_path: Path) -> None:
    """The check itself, on a folder as plan's discovery sees it: a hidden file is never read."""
    from reconciler.errors import ReconcileError
    from reconciler.importing.read_back import check

    spec = "Name: .x\nAuthorizationType: BASIC\nAuthParameters:\n  BasicAuthParameters:\n    Username: u\n"
    spec += "    Password: '{{resolve:secretsmanager:s}}'\n"
    (tmp_path / ".x.yaml").write_text(spec)
    (tmp_path / "y.yaml").write_text(spec.replace(".x", "y"))
    with pytest.raises(ReconcileError) as raised:
        check(str(tmp_path), {str(tmp_path / ".x.yaml"): [("AWS::Events::Connection", ".x")]})
    assert "connection '.x' not read back" in str(raised.value)
