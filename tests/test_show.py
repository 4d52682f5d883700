"""`reconcile show PLAN`: a saved plan in every format, without AWS (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import api_key_spec, live_api_key, plan, run, write
from testing.emulator import TestEmulator


@pytest.fixture
def saved(aws: TestEmulator, specs: Path, secrets: Any, events: Any, tmp_path: Path) -> Path:
    """A saved plan with a create, an update, a secret change (masked), a deletion and a note."""
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    secrets.put_secret_value(SecretId="prod/stripe", SecretString="sk-value-2")  # rotated
    write(specs, "new.yaml", api_key_spec(name="new"))
    write(specs, "drifted.yaml", api_key_spec(name="drifted", description="New"))
    write(specs, "rotated.yaml", api_key_spec(name="rotated"))
    live_api_key(events, "drifted", "Old", value="sk-value-2")
    live_api_key(events, "rotated", "Stripe", value="sk-value-1")
    live_api_key(events, "gone", "Gone")
    return tmp_path / "plan.json"


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_prints_the_saved_plan_as_plan_did(
    fmt: str,
    aws: TestEmulator,
    saved: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planned = plan(capsys, "--prune", "--format", fmt, "--out", str(saved))
    assert planned.code == 2, planned.err
    # No AWS: no endpoint, no credentials, no region.
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    aws.reset_counters()
    shown = run(capsys, "show", str(saved), "--format", fmt)
    assert (shown.code, shown.err) == (0, "")
    assert shown.out == planned.out
    assert aws.calls() == 0


def test_show_defaults_to_text(aws: TestEmulator, saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planned = plan(capsys, "--out", str(saved))
    shown = run(capsys, "show", str(saved))
    assert shown.out == planned.out
    assert "~ AuthParameters.ApiKeyAuthParameters.ApiKeyValue: (secret changed: prod/stripe" in shown.out


def test_show_refuses_what_is_no_saved_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"kind": "something else"}')
    result = run(capsys, "show", str(other))
    assert (result.code, result.out) == (1, "")
    assert result.err == f"reconcile: error: {other}: not a saved plan written by `reconcile plan --out`\n"
    missing = run(capsys, "show", str(tmp_path / "missing.json"), "--format", "json")
    assert missing.code == 1
    assert json.loads(missing.out)["errors"][0]["message"] == (
        f"{tmp_path / 'missing.json'}: cannot read saved plan: No such file or directory"
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"kind": "reconcile-plan", "version": 2, "options": {}, "connections": [{"name": "x"}]}')
    result = run(capsys, "show", str(broken))
    assert result.err == f"reconcile: error: {broken}: not a saved plan this reconcile can read (KeyError: 'action')\n"
