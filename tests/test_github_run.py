"""run-plan and run: reconcile's exit code becomes step outputs; only a real error fails the step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.github.cli import main
from support.cli import api_key_spec, write
from support.fake_github import outputs
from testing.emulator import TestEmulator

SHA = "0123456789abcdef0123456789abcdef01234567"
RECORD = '<!-- reconcile-plan-record {{"v":1,"sha":{sha},"exit":{exit},"targets":{targets}}} -->'
FAILED = (
    "❌ **The plan failed** (exit 1), so pending changes are unknown. "
    "See the [workflow run](https://github.test/acme/connections/actions/runs/4242) log for the error."
)


@pytest.fixture
def ws(aws: TestEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace as a job sees it: cwd at the checkout, the Actions variables set."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "github-output").touch()
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github-output"))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.test")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/connections")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.delenv("RECONCILE_DIR", raising=False)
    return tmp_path


def _run_plan(ws: Path, *extra: str) -> int:
    (ws / "github-output").write_text("", encoding="utf-8")
    return main(["run-plan", "--file", str(ws / "plan.md"), "--summary", str(ws / "summary.md"), *extra])


def _record(sha: str | None, exit_code: int, targets: str) -> str:
    return RECORD.format(sha=f'"{sha}"' if sha else "null", exit=exit_code, targets=targets)


def test_changes_pending_is_success_with_has_changes(ws: Path, secrets: Any, capfd: pytest.CaptureFixture[str]) -> None:
    write(ws / "connections", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    assert _run_plan(ws, "--sha", SHA) == 0
    assert outputs(ws / "github-output") == {"exit-code": "2", "has-changes": "true", "plan-file": str(ws / "plan.md")}
    plan = (ws / "plan.md").read_text(encoding="utf-8")
    # The record (what apply compares with), the commit, then reconcile's own markdown.
    stripe = '{"default":{"counts":[1,0,0],"digest":"e05a7cda1e374cc6","changes":[["create","stripe"]]}}'
    assert plan.startswith(
        "<!-- reconcile-plan -->\n### reconcile plan\n\n"
        f"{_record(SHA, 2, stripe)}\n\n"
        f"Planned at commit [`0123456`](https://github.test/acme/connections/commit/{SHA}).\n\n"
    )
    head = plan.split("**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged.")[0]
    # The target's account and region: as reconcile's plan reports them when it does, else the
    # region the workflow runs in (no reconcile.yaml) and the account said to be unknown.
    assert "123456789012" in head or "| `default` | account not known | `us-east-1` |" in head
    assert "`default`" in head and "us-east-1" in head
    assert (ws / "summary.md").read_text(encoding="utf-8") == plan
    assert capfd.readouterr().out == plan


def test_in_sync_is_success_without_changes(
    ws: Path, secrets: Any, events: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    write(ws / "connections", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sk-value-1"}}
    events.create_connection(Name="stripe", Description="Stripe", AuthorizationType="API_KEY", AuthParameters=auth)
    events.describe_connection(Name="stripe")  # settled already: AUTHORIZED at once, as recorded from AWS
    assert _run_plan(ws) == 0
    assert outputs(ws / "github-output") == {"exit-code": "0", "has-changes": "false", "plan-file": str(ws / "plan.md")}
    plan = (ws / "plan.md").read_text(encoding="utf-8")
    assert "✅ **No changes.** 1 connection(s) match the specs." in plan
    assert _record(None, 0, '{"default":{"counts":[0,0,0],"digest":"e3b0c44298fc1c14","changes":[]}}') in plan
    assert "Planned at commit" not in plan  # no --sha: no commit is named


def test_failed_plan_fails_the_step_and_says_so_in_the_plan_file(ws: Path, capfd: pytest.CaptureFixture[str]) -> None:
    write(ws / "connections", "bad.yaml", "Name: bad\nAuthorizationType: NOPE\n")
    (ws / "summary.md").write_text("earlier step\n", encoding="utf-8")
    assert _run_plan(ws) == 1
    assert outputs(ws / "github-output") == {"exit-code": "1", "has-changes": "false", "plan-file": str(ws / "plan.md")}
    expected = f"<!-- reconcile-plan -->\n### reconcile plan\n\n{_record(None, 1, '{}')}\n\n{FAILED}\n"
    assert (ws / "plan.md").read_text(encoding="utf-8") == expected
    assert (ws / "summary.md").read_text(encoding="utf-8") == "earlier step\n" + expected
    err = capfd.readouterr().err
    assert "connections/bad.yaml:2:" in err  # reconcile's own message reaches the job log
    assert err.endswith("reconcile-github: reconcile plan failed (exit 1)\n")
    assert "Traceback" not in err


def test_arguments_after_double_dash_go_to_reconcile(
    ws: Path, secrets: Any, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(ws / "specs", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    assert _run_plan(ws, "--", "--dir", "specs") == 0
    assert outputs(ws / "github-output")["exit-code"] == "2"
    # The composite action passes its `dir` input as RECONCILE_DIR.
    monkeypatch.setenv("RECONCILE_DIR", "elsewhere")
    write(ws / "elsewhere", "x.yaml", "Name: x\n")
    assert _run_plan(ws) == 1


def test_run_passes_any_command_through_with_its_exit_code(ws: Path, capfd: pytest.CaptureFixture[str]) -> None:
    write(ws / "connections", "bad.yaml", "Name: bad\nAuthorizationType: NOPE\n")
    assert main(["run", "--", "validate", "--format", "github"]) == 1
    assert outputs(ws / "github-output") == {"exit-code": "1"}
    assert capfd.readouterr().out.splitlines()[-1] == (
        "::error file=connections/bad.yaml,line=2,col=1,title=reconcile validate::"
        "AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'NOPE')"
    )

    (ws / "connections" / "bad.yaml").unlink()
    write(ws / "connections", "stripe.yaml", api_key_spec())
    (ws / "github-output").write_text("", encoding="utf-8")
    assert main(["run", "--", "validate", "--format", "github"]) == 0
    assert outputs(ws / "github-output") == {"exit-code": "0"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run"], "run needs a reconcile command after --, e.g. `run -- validate --format github`"),
        (["pr-comment", "--pr", "1", "--file", "x", "--", "--dir", "y"], "pr-comment takes no arguments after --"),
        (
            ["nope"],
            "argument command: invalid choice: 'nope' (choose from 'run-plan', 'run', 'changed', 'pr-comment', "
            "'run-apply', 'apply-comment', 'drift') (see python -m reconciler.github --help)",
        ),
        (["run-plan", "--sha", "HEAD; rm -rf /"], "--sha must be a commit SHA (hexadecimal), got 'HEAD; rm -rf /'"),
        (
            ["run-apply", "--report", "r.json"],
            "run-apply needs apply's arguments after --, e.g. `run-apply --report F -- --yes`",
        ),
        (
            ["apply-comment", "--sha", "", "--report", "r.json"],
            "--sha must be the commit that was applied (GITHUB_SHA), got ''",
        ),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    assert capsys.readouterr().err == f"reconcile-github: error: {message}\n"
