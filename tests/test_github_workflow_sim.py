"""The workflows, run locally: each `run:` step of the real workflow file, in bash, in order.

`uses:` steps (checkout, setup-python, AWS credentials) and the pip install are what a runner
provides; here the checkout is tmp_path, reconcile is this interpreter's, AWS is the emulator
and GitHub is the fake. Expressions in `if:` and `env:` are evaluated by a small evaluator
that knows only the forms the workflows use, so a new form fails loudly here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from reconciler.github.drift import LABEL
from reconciler.sandbox.emulator import Emulator
from support.cli import api_key_spec, write
from support.fake_github import REPO, FakeGitHub, github_env, outputs

WORKFLOWS = Path(__file__).parent.parent / ".github" / "workflows"
ACTION = Path(__file__).parent.parent / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_NAME = re.compile(r"\b(?:github|steps|env|vars|inputs|needs|matrix)(?:\.[A-Za-z_][\w-]*)+")
_STATUS = ("always()", "cancelled()", "failure()", "success()")


@dataclass
class Job:
    ran: list[str] = field(default_factory=list)
    failed: bool = False
    out: str = ""
    summary: str = ""
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        yield fake


def _evaluate(expression: str, context: dict[str, Any], job: Job, env: dict[str, str]) -> Any:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(0)
        parts = name.split(".")
        if parts[0] == "steps":
            step = job.outputs.get(parts[1], {})
            value: Any = step.get(parts[3], "") if parts[2] == "outputs" else step.get("__outcome__", "")
        elif parts[0] == "env":
            value = env.get(parts[1], "")
        else:
            value = context.get(name)
        return repr(value)

    python = _NAME.sub(lookup, expression.strip())
    python = python.replace("!cancelled()", "True").replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python).replace("null", "None")
    functions = {"format": lambda text, *args: text.format(*args), "fromJSON": json.loads}
    return eval(python, {"__builtins__": {}}, functions)  # noqa: S307 - our own files


def _render(value: Any, context: dict[str, Any], job: Job, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        result = _evaluate(match.group(1), context, job, env)
        return str(result).lower() if isinstance(result, bool) else "" if result is None else str(result)

    return _EXPR.sub(one, str(value))


def _runner(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A runner's temp dir and environment: this interpreter as `python` and `reconcile`."""
    run_dir = tmp_path / f"runner-{len(list(tmp_path.glob('runner-*')))}"
    (run_dir / "bin").mkdir(parents=True)
    # A wrapper, not a link: an interpreter reached through a symlink outside its venv (pyenv's,
    # a distro's) starts without the venv's site-packages.
    python = run_dir / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    reconcile = run_dir / "bin" / "reconcile"
    reconcile.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m reconciler "$@"\n')
    reconcile.chmod(0o755)
    # The runner sets no GITHUB_TOKEN: a step that needs it must pass it through env:.
    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITHUB_OUTPUT", "RECONCILE_DIR")}
    base.update(PATH=f"{run_dir / 'bin'}:{os.environ['PATH']}", RUNNER_TEMP=str(run_dir), GITHUB_STEP_SUMMARY=str(run_dir / "summary.md"))
    return run_dir, base


def run_steps(steps: list[dict[str, Any]], job_env: dict[str, Any], context: dict[str, Any], workspace: Path, tmp_path: Path) -> Job:
    """Run `run:` steps in order with a runner's `if:` rules; `uses:` steps and pip install count as done."""
    job = Job()
    run_dir, base = _runner(tmp_path)
    rendered_job_env = {k: _render(v, context, job, {}) for k, v in job_env.items()}
    for index, step in enumerate(steps):
        step_id = step.get("id", f"step{index}")
        condition = str(step.get("if", "success()"))
        if not any(status in condition for status in _STATUS):
            condition = f"success() && ({condition})"
        condition = condition.replace("success()", str(not job.failed))
        env = {**base, **rendered_job_env}
        if not _evaluate(_EXPR.sub(r"\1", condition), context, job, env):
            job.outputs[step_id] = {"__outcome__": "skipped"}
            continue
        job.ran.append(step["name"])
        if "uses" in step or "pip install" in step["run"]:
            job.outputs[step_id] = {"__outcome__": "success"}
            continue
        assert step.get("shell", "bash") == "bash"
        env.update({k: _render(v, context, job, env) for k, v in (step.get("env") or {}).items()})
        output = run_dir / f"output-{index}"
        output.touch()
        env["GITHUB_OUTPUT"] = str(output)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True, check=False)
        job.out += proc.stdout + proc.stderr
        job.outputs[step_id] = {**outputs(output), "__outcome__": "success" if proc.returncode == 0 else "failure"}
        job.failed |= proc.returncode != 0
    summary = run_dir / "summary.md"
    job.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return job


def run_workflow(name: str, context: dict[str, Any], workspace: Path, tmp_path: Path) -> Job:
    """Every job in file order, with `needs:` outputs and a `matrix:` expanded; returns the
    last job that ran (failed if any job failed), or an empty Job when none ran."""
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    finished: dict[str, dict[str, str]] = {}
    last, failed = Job(), False
    for job_name, spec in document["jobs"].items():
        needs = spec.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if any(n not in finished for n in needs):
            continue  # a job it needs was skipped or failed
        job_context = {**context, **{f"needs.{n}.outputs.{k}": v for n in needs for k, v in finished[n].items()}}
        if "if" in spec and not _evaluate(_EXPR.sub(r"\1", str(spec["if"])), job_context, Job(), {}):
            continue
        matrix = (spec.get("strategy") or {}).get("matrix") or {}
        combos: list[dict[str, Any]] = [{}]
        for key, values in matrix.items():
            items = _evaluate(_EXPR.sub(r"\1", values), job_context, Job(), {}) if isinstance(values, str) else values
            combos = [{**c, f"matrix.{key}": item} for c in combos for item in items]
        for combo in combos:
            last = run_steps(spec["steps"], spec.get("env") or {}, {**job_context, **combo}, workspace, tmp_path)
            failed |= last.failed
        if not last.failed:
            finished[job_name] = {k: _render(v, job_context, last, {}) for k, v in (spec.get("outputs") or {}).items()}
    last.failed = failed
    return last


def run_action(inputs: dict[str, str], context: dict[str, Any], workspace: Path, tmp_path: Path) -> tuple[Job, dict[str, str]]:
    """The composite action with these inputs (defaults filled in); returns the job and the action's outputs."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    given = {f"inputs.{k}": inputs.get(k, _render(v.get("default", ""), context, Job(), {})) for k, v in action["inputs"].items()}
    context = {**context, **given, "github.action_path": str(ACTION.parent)}
    job = run_steps(action["runs"]["steps"], {}, context, workspace, tmp_path)
    return job, {k: _render(v["value"], context, job, {}) for k, v in action["outputs"].items()}


def _pr(number: int = 7, head_repo: str = REPO) -> dict[str, Any]:
    return {
        "github.event.pull_request.number": number,
        "github.event.pull_request.head.repo.full_name": head_repo,
        "github.repository": REPO,
        "github.token": "ghs_fake-token-0123456789",
        "vars.RECONCILE_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/reconcile-plan",
        "vars.AWS_REGION": "us-east-1",
    }


def _main(event: str) -> dict[str, Any]:
    return {
        "github.event_name": event,
        "github.ref": "refs/heads/main",
        "github.event.repository.default_branch": "main",
        "github.repository": REPO,
        "github.token": "ghs_fake-token-0123456789",
        "vars.RECONCILE_APPLY_ROLE_ARN": "arn:aws:iam::123456789012:role/reconcile-apply",
        "vars.AWS_REGION": "us-east-1",
    }


@pytest.fixture
def workspace(tmp_path: Path, secrets: Any) -> Path:
    checkout = tmp_path / "checkout"
    write(checkout / "connections", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    return checkout


def test_pull_request_flow(aws: Emulator, github: FakeGitHub, workspace: Path, tmp_path: Path) -> None:
    aws.reset_counters()
    first = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not first.failed, first.out
    assert first.ran == ["Check out", "Set up Python", "Install reconcile", "Validate specs", "Configure AWS credentials (OIDC, plan role)", "Plan", "Comment the plan on the pull request"]
    assert first.outputs["plan"]["exit-code"] == "2"
    [comment] = github.comments[7]
    assert "**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged." in comment["body"]
    assert first.summary.startswith("<!-- reconcile-plan -->") and "| `stripe` | 🟢 create |" in first.summary

    # The next push edits the same comment.
    write(workspace / "connections", "stripe.yaml", api_key_spec(description="Stripe payments"))
    second = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not second.failed, second.out
    assert [c["id"] for c in github.comments[7]] == [comment["id"]]
    assert '+ Description: "Stripe payments"' in github.comments[7][0]["body"]

    # A push with an invalid spec: annotations, a failed job, and the comment says the plan failed.
    write(workspace / "connections", "stripe.yaml", "Name: stripe\nAuthorizationType: NOPE\n")
    third = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert third.failed
    assert "::error file=connections/stripe.yaml,line=2,col=1,title=reconcile validate::AuthorizationType: must be one of" in third.out
    assert third.outputs["plan"]["exit-code"] == "1"
    assert len(github.comments[7]) == 1
    assert "❌ **The plan failed** (exit 1)" in github.comments[7][0]["body"]
    assert aws.write_calls() == 0


def test_pull_request_from_a_fork_only_validates(aws: Emulator, github: FakeGitHub, workspace: Path, tmp_path: Path) -> None:
    job = run_workflow("reconcile-plan.yml", _pr(head_repo="mallory/connections"), workspace, tmp_path)
    assert not job.failed, job.out
    assert job.ran == ["Check out", "Set up Python", "Install reconcile", "Validate specs"]
    assert github.requests == []


def test_apply_then_drift_flow(aws: Emulator, github: FakeGitHub, workspace: Path, events: Any, tmp_path: Path) -> None:
    applied = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not applied.failed, applied.out
    assert "| `stripe` | create | ✅ AUTHORIZED |" in applied.summary
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed." in applied.summary

    clean = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert not clean.failed, clean.out
    assert (clean.outputs["plan"]["exit-code"], clean.outputs["drift"]["drift"]) == ("0", "false")
    assert github.issues == {}

    # Someone edits the connection in the console: the check opens one issue, then updates it.
    events.update_connection(Name="stripe", Description="edited in the console")
    for _ in range(2):
        drifted = run_workflow("reconcile-drift.yml", _main("workflow_dispatch"), workspace, tmp_path)
        assert not drifted.failed, drifted.out
        assert drifted.outputs["drift"] == {"drift": "true", "issue": "1", "__outcome__": "success"}
        assert "::warning title=reconcile drift::Live connections differ from the specs; see issue #1." in drifted.out
    [issue] = github.open_issues()
    assert [label["name"] for label in issue["labels"]] == [LABEL]
    assert '! Description: "edited in the console" → "Stripe"' in issue["body"]

    # A failing check (here: a broken spec) fails the job and leaves the issue open.
    good = (workspace / "connections" / "stripe.yaml").read_text()
    write(workspace / "connections", "stripe.yaml", "Name: [\n")
    broken = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert broken.failed
    assert broken.ran[-1] == "Plan"
    assert [i["number"] for i in github.open_issues()] == [1]
    (workspace / "connections" / "stripe.yaml").write_text(good)

    # Applying restores the specs; the next check closes the issue.
    dispatched = run_workflow("reconcile-apply.yml", _main("workflow_dispatch"), workspace, tmp_path)
    assert not dispatched.failed, dispatched.out
    resolved = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert not resolved.failed, resolved.out
    assert github.open_issues() == []
    assert github.issues[1]["state_reason"] == "completed"


def test_apply_failure_fails_the_job_and_is_in_the_summary(aws: Emulator, github: FakeGitHub, workspace: Path, tmp_path: Path) -> None:
    aws.settle_into("stripe", "DEAUTHORIZED", "Invalid API key")
    job = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert job.failed
    assert job.ran[-1] == "Apply"
    assert "| `stripe` | create | ❌ `DEAUTHORIZED` DEAUTHORIZED: Invalid API key |" in job.summary
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 1 failed." in job.summary


def test_apply_and_drift_skip_other_branches(aws: Emulator, github: FakeGitHub, workspace: Path, tmp_path: Path) -> None:
    aws.reset_counters()
    context = {**_main("workflow_dispatch"), "github.ref": "refs/heads/feature"}
    assert run_workflow("reconcile-apply.yml", context, workspace, tmp_path).ran == []
    assert run_workflow("reconcile-drift.yml", context, workspace, tmp_path).ran == []
    assert aws.write_calls() == 0


def test_composite_action(aws: Emulator, github: FakeGitHub, workspace: Path, events: Any, tmp_path: Path) -> None:
    pr = {**_pr(), "github.event_name": "pull_request"}
    job, outs = run_action({"command": "validate"}, pr, workspace, tmp_path)
    assert (job.failed, outs) == (False, {"exit-code": "0", "has-changes": "false"})
    assert "Configure AWS credentials (OIDC)" not in job.ran

    job, outs = run_action({"command": "plan", "role-to-assume": "arn:aws:iam::123456789012:role/x", "aws-region": "us-east-1"}, pr, workspace, tmp_path)
    assert (job.failed, outs) == (False, {"exit-code": "2", "has-changes": "true"}), job.out
    assert "Configure AWS credentials (OIDC)" in job.ran
    assert len(github.comments[7]) == 1

    job, outs = run_action({"command": "apply"}, _main("push"), workspace, tmp_path)
    assert (job.failed, outs) == (False, {"exit-code": "0", "has-changes": "false"}), job.out
    assert "Apply complete: 1 created" in job.summary

    events.update_connection(Name="stripe", Description="edited in the console")
    job, outs = run_action({"command": "drift"}, _main("schedule"), workspace, tmp_path)
    assert (job.failed, outs) == (False, {"exit-code": "2", "has-changes": "true"}), job.out
    assert len(github.open_issues()) == 1

    # Another folder through the `dir` input; a bad command is refused before anything runs.
    write(workspace / "other", "bad.yaml", "Name: [\n")
    job, outs = run_action({"command": "validate", "dir": "other"}, pr, workspace, tmp_path)
    assert (job.failed, outs["exit-code"]) == (True, "1")
    assert "::error file=other/bad.yaml" in job.out
    job, _ = run_action({"command": "destroy"}, pr, workspace, tmp_path)
    assert job.failed and job.ran == ["Check the command input"]
    assert "reconcile: the command input must be validate, plan, apply or drift" in job.out
