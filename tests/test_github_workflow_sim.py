"""The workflows, run locally: each `run:` step of the real workflow file, in bash, in order.

A `uses: $/` step (this repository's composite action) runs the action's own steps the same
way, with its inputs from the step's `with:`. Other `uses:` steps (checkout, setup-python,
AWS credentials) and the pip install are what a runner provides; here the checkout is
tmp_path, reconcile is this interpreter's, AWS is the emulator and GitHub is the fake.
Expressions in `if:`, `env:` and `with:` are evaluated by a small evaluator that knows only
the forms the workflows use, so a new form fails loudly here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.github.drift import LABEL
from support.cli import api_key_spec, write
from support.fake_github import REPO, FakeGitHub, github_env, outputs
from testing.emulator import TestEmulator

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
        fake.branches["main"] = MERGED  # the pushed commit is main's head
        fake.change_files(7, "connections/stripe.yaml")  # the pull request changes a spec
        yield fake


def _evaluate(expression: str, context: dict[str, Any], job: Job, env: dict[str, str]) -> Any:
    # Names become variables, not literals, so that operators inside their values (an input
    # holding `&&` or `!`) are never rewritten.
    values: dict[str, Any] = {}

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
        values[f"_value{len(values)}"] = value
        return f"_value{len(values) - 1}"

    python = _NAME.sub(lookup, expression.strip())
    python = python.replace("!cancelled()", "True").replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python).replace("null", "None")
    functions = {"format": lambda text, *args: text.format(*args), "fromJSON": json.loads}
    return eval(python, {"__builtins__": {}}, {**functions, **values})  # noqa: S307 - our own files


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
    base.update(
        PATH=f"{run_dir / 'bin'}:{os.environ['PATH']}",
        RUNNER_TEMP=str(run_dir),
        GITHUB_STEP_SUMMARY=str(run_dir / "summary.md"),
    )
    return run_dir, base


@dataclass
class Runner:
    """One job's machine: its temp dir (RUNNER_TEMP, the step summary) and base environment."""

    run_dir: Path
    env: dict[str, str]
    workspace: Path


def run_steps(
    steps: list[dict[str, Any]], job_env: dict[str, Any], context: dict[str, Any], workspace: Path, tmp_path: Path
) -> Job:
    """Run `run:` steps in order with a runner's `if:` rules; `uses: $/` runs the composite
    action; other `uses:` steps and pip install count as done."""
    job = Job()
    run_dir, base = _runner(tmp_path)
    # The default variables a runner sets from the run's context.
    for variable, name in (("GITHUB_SHA", "github.sha"), ("GITHUB_REF_NAME", "github.ref_name")):
        if context.get(name):
            base[variable] = str(context[name])
    base["GITHUB_REF_TYPE"] = "branch"
    rendered_job_env = {k: _render(v, context, job, {}) for k, v in job_env.items()}
    _run(steps, Runner(run_dir, {**base, **rendered_job_env}, workspace), context, job)
    summary = run_dir / "summary.md"
    job.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return job


def _action_context(with_: dict[str, str], context: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The action's definition, and the context its steps see: inputs (defaults filled in)."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    unknown = set(with_) - set(action["inputs"])
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    given = {
        f"inputs.{k}": with_.get(k, _render(v.get("default", ""), context, Job(), {}))
        for k, v in action["inputs"].items()
    }
    return action, {**context, **given, "github.action_path": str(ACTION.parent)}


def _run_action(
    step: dict[str, Any], runner: Runner, context: dict[str, Any], job: Job, env: dict[str, str]
) -> dict[str, str]:
    """A `uses: $/` step: the composite action's steps, listed in `job.ran` as "step / inner step"."""
    with_ = {k: _render(v, context, job, env) for k, v in (step.get("with") or {}).items()}
    action, inner_context = _action_context(with_, context)
    inner = Job()
    _run(action["runs"]["steps"], runner, inner_context, inner)
    job.ran += [f"{step['name']} / {name}" for name in inner.ran]
    job.out += inner.out
    outs = {k: _render(v["value"], inner_context, inner, {}) for k, v in action["outputs"].items()}
    return {**outs, "__outcome__": "failure" if inner.failed else "success"}


def _run(steps: list[dict[str, Any]], runner: Runner, context: dict[str, Any], job: Job) -> None:
    for index, step in enumerate(steps):
        step_id = step.get("id", f"step{index}")
        condition = str(step.get("if", "success()"))
        if not any(status in condition for status in _STATUS):
            condition = f"success() && ({condition})"
        condition = condition.replace("success()", str(not job.failed))
        env = dict(runner.env)
        if not _evaluate(_EXPR.sub(r"\1", condition), context, job, env):
            job.outputs[step_id] = {"__outcome__": "skipped"}
            continue
        job.ran.append(step["name"])
        if step.get("uses") == "$/":
            job.outputs[step_id] = _run_action(step, runner, context, job, env)
            job.failed |= job.outputs[step_id]["__outcome__"] == "failure"
            continue
        if "uses" in step or "pip install" in step["run"]:
            job.outputs[step_id] = {"__outcome__": "success"}
            continue
        assert step.get("shell", "bash") == "bash"
        env.update({k: _render(v, context, job, env) for k, v in (step.get("env") or {}).items()})
        output = runner.run_dir / f"output-{len(list(runner.run_dir.glob('output-*')))}"
        output.touch()
        env["GITHUB_OUTPUT"] = str(output)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=runner.workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        job.out += proc.stdout + proc.stderr
        job.outputs[step_id] = {**outputs(output), "__outcome__": "success" if proc.returncode == 0 else "failure"}
        # continue-on-error: the step's outcome is failure, the job goes on as if it succeeded.
        job.failed |= proc.returncode != 0 and step.get("continue-on-error") is not True


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


def run_action(
    inputs: dict[str, str], context: dict[str, Any], workspace: Path, tmp_path: Path
) -> tuple[Job, dict[str, str]]:
    """The composite action with these inputs (defaults filled in); returns the job and the action's outputs."""
    action, context = _action_context(inputs, context)
    job = run_steps(action["runs"]["steps"], {}, context, workspace, tmp_path)
    return job, {k: _render(v["value"], context, job, {}) for k, v in action["outputs"].items()}


HEAD_1 = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # pull request heads, one per push
HEAD_2 = "2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
HEAD_3 = "3333333ccccccccccccccccccccccccccccccccc"
MERGED = "9999999fffffffffffffffffffffffffffffffff"  # the commit a merge puts on main


def _pr(number: int = 7, head_repo: str = REPO, head: str = HEAD_1) -> dict[str, Any]:
    return {
        "github.event_name": "pull_request",
        "github.event.pull_request.number": number,
        "github.event.pull_request.head.repo.full_name": head_repo,
        "github.event.pull_request.head.sha": head,
        # Actions' GITHUB_SHA for a pull request: the merge of its head into the base branch.
        "github.sha": "8888888eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
        "github.repository": REPO,
        "github.token": "ghs_fake-token-0123456789",
        "vars.RECONCILE_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/reconcile-plan",
        "vars.AWS_REGION": "us-east-1",
    }


def _main(event: str, sha: str = MERGED) -> dict[str, Any]:
    return {
        "github.event_name": event,
        "github.sha": sha,
        "github.ref": "refs/heads/main",
        "github.ref_name": "main",
        "github.event.repository.default_branch": "main",
        "github.repository": REPO,
        "github.token": "ghs_fake-token-0123456789",
        "vars.RECONCILE_APPLY_ROLE_ARN": "arn:aws:iam::123456789012:role/reconcile-apply",
        "vars.RECONCILE_PLAN_ROLE_ARN": "arn:aws:iam::123456789012:role/reconcile-plan",
        "vars.AWS_REGION": "us-east-1",
    }


def _in_action(step: str, *inner: str) -> list[str]:
    """`job.ran` for a `uses: $/` step named `step` whose action ran these steps."""
    return [step, *(f"{step} / {name}" for name in inner)]


_SET_UP = ("Check the command input", "Set up Python", "Install reconcile", "Read the arguments")
_CHANGES = "Check what the pull request changes"
_COMMENT_APPLY = "Comment the result on the merged pull request"


def _outputs(**values: str) -> dict[str, str]:
    """The action's outputs: these values (exit_code for exit-code), the rest as the action leaves them."""
    return {
        "exit-code": "",
        "has-changes": "false",
        "drift": "",
        "issue": "",
        "targets": "",
        "changed": "true",
        **{k.replace("_", "-"): v for k, v in values.items()},
    }


@pytest.fixture
def workspace(tmp_path: Path, secrets: Any) -> Path:
    checkout = tmp_path / "checkout"
    write(checkout / "connections", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    return checkout


def test_pull_request_flow(aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path) -> None:
    aws.reset_counters()
    first = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not first.failed, first.out
    assert first.ran == [
        "Check out",
        *_in_action(
            "Validate and plan",
            *_SET_UP,
            _CHANGES,
            "Validate",
            "Configure AWS credentials (OIDC)",
            "Plan",
            "Comment the plan on the pull request",
        ),
    ]
    assert first.outputs["reconcile"]["exit-code"] == "2"
    [comment] = github.comments[7]
    assert "**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged." in comment["body"]
    assert first.summary.startswith("<!-- reconcile-plan -->") and "| `stripe` | 🟢 create |" in first.summary
    # The pull request's head commit (not Actions' merge commit), and where the target runs.
    head = comment["body"].split("**Plan:**")[0]
    assert f"Planned at commit [`1111111`](https://github.test/acme/connections/commit/{HEAD_1})." in head
    assert "8888888" not in comment["body"]
    assert "`default`" in head and "us-east-1" in head
    assert "123456789012" in head or "| `default` | account not known | `us-east-1` |" in head

    # The next push edits the same comment: its plan first, the first one kept below, outdated.
    write(workspace / "connections", "stripe.yaml", api_key_spec(description="Stripe payments"))
    second = run_workflow("reconcile-plan.yml", _pr(head=HEAD_2), workspace, tmp_path)
    assert not second.failed, second.out
    assert [c["id"] for c in github.comments[7]] == [comment["id"]]
    body = github.comments[7][0]["body"]
    current, outdated = body.split("<!-- reconcile-outdated -->", 1)
    assert '+ Description: "Stripe payments"' in current and "[`2222222`]" in current
    assert outdated.startswith(
        "\n<details><summary>Outdated plan (commit <code>1111111</code>): 1 to create, 0 to update, 0 to delete"
        "</summary>\n\n"
    )
    assert '+ Description: "Stripe"' in outdated and "Stripe payments" not in outdated

    # A push with an invalid spec: annotations, a failed job, and the comment says the plan failed.
    write(workspace / "connections", "stripe.yaml", "Name: stripe\nAuthorizationType: NOPE\n")
    third = run_workflow("reconcile-plan.yml", _pr(head=HEAD_3), workspace, tmp_path)
    assert third.failed
    assert (
        "::error file=connections/stripe.yaml,line=2,col=1,title=reconcile validate::AuthorizationType: must be one of"
        in third.out
    )
    assert third.outputs["reconcile"]["exit-code"] == "1"
    assert "Validate and plan / Plan" in third.ran
    assert len(github.comments[7]) == 1
    body = github.comments[7][0]["body"]
    assert "❌ **The plan failed** (exit 1)" in body.split("<!-- reconcile-outdated -->")[0]
    assert [line for line in body.splitlines() if line.startswith("<details><summary>Outdated")] == [
        f"<details><summary>Outdated plan (commit <code>{sha}</code>): 1 to create, 0 to update, 0 to delete</summary>"
        for sha in ("2222222", "1111111")
    ]
    assert aws.write_calls() == 0


def test_pull_request_from_a_fork_only_validates(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    job = run_workflow("reconcile-plan.yml", _pr(head_repo="mallory/connections"), workspace, tmp_path)
    assert not job.failed, job.out
    assert job.ran == ["Check out", *_in_action("Validate and plan", *_SET_UP, _CHANGES, "Validate")]
    # Its read-only token lists the pull request's files; nothing is written.
    assert github.requests == [("GET", "/repos/acme/connections/pulls/7/files")]


def test_apply_then_drift_flow(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, events: Any, tmp_path: Path
) -> None:
    applied = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not applied.failed, applied.out
    assert applied.ran == [
        "Check out",
        *_in_action("Apply", *_SET_UP, "Validate", "Configure AWS credentials (OIDC)", "Apply", _COMMENT_APPLY),
    ]
    # A push that no pull request was merged as (a direct push): nothing to comment on.
    assert f"reconcile-github: no pull request was merged as commit {MERGED}; no apply comment" in applied.out
    assert github.writes() == []
    assert "| `stripe` | create | ✅ AUTHORIZED |" in applied.summary
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed." in applied.summary

    clean = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert not clean.failed, clean.out
    assert clean.ran == [
        "Check out",
        *_in_action(
            "Drift check", *_SET_UP, "Configure AWS credentials (OIDC)", "Plan", "Open, update or close the drift issue"
        ),
    ]
    assert (clean.outputs["drift"]["exit-code"], clean.outputs["drift"]["drift"]) == ("0", "false")
    assert github.issues == {}

    # Someone edits the connection in the console: the check opens one issue, then updates it.
    events.update_connection(Name="stripe", Description="edited in the console")
    for _ in range(2):
        drifted = run_workflow("reconcile-drift.yml", _main("workflow_dispatch"), workspace, tmp_path)
        assert not drifted.failed, drifted.out
        assert drifted.outputs["drift"] == {
            **_outputs(exit_code="2", has_changes="true", drift="true", issue="1"),
            "__outcome__": "success",
        }
        assert "::warning title=reconcile drift::Live connections differ from the specs; see issue #1." in drifted.out
    [issue] = github.open_issues()
    assert [label["name"] for label in issue["labels"]] == [LABEL]
    assert '! Description: "edited in the console" → "Stripe"' in issue["body"]

    # A failing check (here: a broken spec) fails the job and leaves the issue open.
    good = (workspace / "connections" / "stripe.yaml").read_text()
    write(workspace / "connections", "stripe.yaml", "Name: [\n")
    broken = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert broken.failed
    assert broken.ran[-1] == "Drift check / Plan"
    assert [i["number"] for i in github.open_issues()] == [1]
    (workspace / "connections" / "stripe.yaml").write_text(good)

    # Applying restores the specs; the next check closes the issue.
    github.requests.clear()
    dispatched = run_workflow("reconcile-apply.yml", _main("workflow_dispatch"), workspace, tmp_path)
    assert not dispatched.failed, dispatched.out
    # A manual run: the branch head is checked, and no comment is made.
    assert _COMMENT_APPLY not in " ".join(dispatched.ran)
    assert github.requests == [("GET", "/repos/acme/connections/branches/main")]
    resolved = run_workflow("reconcile-drift.yml", _main("schedule"), workspace, tmp_path)
    assert not resolved.failed, resolved.out
    assert github.open_issues() == []
    assert github.issues[1]["state_reason"] == "completed"


def test_apply_failure_fails_the_job_and_is_in_the_summary(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    aws.settle_into("stripe", "DEAUTHORIZED", "Invalid API key")
    github.add_pull(7, MERGED, head=HEAD_1)
    job = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert job.failed
    assert job.ran[-2:] == ["Apply / Apply", f"Apply / {_COMMENT_APPLY}"]
    assert "| `stripe` | create | ❌ `DEAUTHORIZED` Invalid API key |" in job.summary
    assert "Apply complete: 0 created, 0 updated, 0 deleted, 1 failed." in job.summary
    # The merged pull request hears of it, with the reason.
    [comment] = github.comments[7]
    assert "❌ **Apply failed** for 1 change(s) (exit 1)." in comment["body"]
    assert "- ❌ Failed:\n  - `stripe` (create): `DEAUTHORIZED` DEAUTHORIZED: Invalid API key" in comment["body"]


def test_apply_and_drift_skip_other_branches(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    aws.reset_counters()
    context = {**_main("workflow_dispatch"), "github.ref": "refs/heads/feature"}
    assert run_workflow("reconcile-apply.yml", context, workspace, tmp_path).ran == []
    assert run_workflow("reconcile-drift.yml", context, workspace, tmp_path).ran == []
    assert aws.write_calls() == 0


def test_composite_action(aws: TestEmulator, github: FakeGitHub, workspace: Path, events: Any, tmp_path: Path) -> None:
    pr = {**_pr(), "github.event_name": "pull_request"}
    job, outs = run_action({"command": "validate"}, pr, workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="0"))
    assert job.ran == [*_SET_UP, _CHANGES, "Validate"]

    job, outs = run_action(
        {"command": "plan", "role-to-assume": "arn:aws:iam::123456789012:role/x", "aws-region": "us-east-1"},
        pr,
        workspace,
        tmp_path,
    )
    assert (job.failed, outs) == (False, _outputs(exit_code="2", has_changes="true")), job.out
    assert job.ran == [
        *_SET_UP,
        _CHANGES,
        "Validate",
        "Configure AWS credentials (OIDC)",
        "Plan",
        "Comment the plan on the pull request",
    ]
    assert len(github.comments[7]) == 1

    # Apply validates first.
    job, outs = run_action({"command": "apply"}, _main("push"), workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="0")), job.out
    assert job.ran == [*_SET_UP, "Validate", "Apply", _COMMENT_APPLY]
    assert "Apply complete: 1 created" in job.summary

    events.update_connection(Name="stripe", Description="edited in the console")
    job, outs = run_action({"command": "drift"}, _main("schedule"), workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="2", has_changes="true", drift="true", issue="1")), job.out
    assert len(github.open_issues()) == 1

    job, outs = run_action({"command": "targets"}, _main("push"), workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="0", targets='["default"]')), job.out

    # Another folder through the `dir` input; a bad command is refused before anything runs.
    write(workspace / "other", "bad.yaml", "Name: [\n")
    github.change_files(7, "other/bad.yaml")
    job, outs = run_action({"command": "validate", "dir": "other"}, pr, workspace, tmp_path)
    assert (job.failed, outs["exit-code"]) == (True, "1")
    assert "::error file=other/bad.yaml" in job.out
    job, _ = run_action({"command": "destroy"}, pr, workspace, tmp_path)
    assert job.failed and job.ran == ["Check the command input"]
    assert "reconcile: the command input must be validate, plan, apply, drift or targets" in job.out


def test_action_targets_config_and_args(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, secrets: Any, tmp_path: Path
) -> None:
    write(
        workspace,
        "deploy.yaml",
        """
        targets:
          - name: blue
            region: us-east-1
            specs: [blue]
          - name: green
            region: us-east-1
            specs: [green]
    """,
    )
    write(workspace / "blue", "one.yaml", api_key_spec(name="blue-one"))
    write(workspace / "green", "two.yaml", api_key_spec(name="green-two"))

    job, outs = run_action({"command": "targets", "config": "deploy.yaml"}, _main("push"), workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="0", targets='["blue", "green"]')), job.out

    # Only the target asked for; args split like words of a shell, quotes grouping them.
    aws.reset_counters()
    args = {
        "command": "plan",
        "config": "deploy.yaml",
        "targets": "green",
        "args": '--out "saved plan.json" --concurrency 4',
    }
    job, outs = run_action(args, _main("push"), workspace, tmp_path)
    assert (job.failed, outs) == (False, _outputs(exit_code="2", has_changes="true")), job.out
    assert "green-two" in job.summary and "blue-one" not in job.summary
    assert (workspace / "saved plan.json").is_file()

    # Both targets, and apply writes both; its validation sees the config too.
    job, outs = run_action(
        {"command": "apply", "config": "deploy.yaml", "targets": "blue,\ngreen"}, _main("push"), workspace, tmp_path
    )
    assert (job.failed, outs["exit-code"]) == (False, "0"), job.out
    assert "Apply complete: 2 created" in job.summary
    assert aws.write_calls() == 2


@pytest.mark.parametrize(
    "inputs, error",
    [
        (
            {"args": "--concurrency 4 $(touch pwned-1) ; touch pwned-2 `touch pwned-3` && touch pwned-4 > pwned-5"},
            "unrecognized arguments: $(touch pwned-1) ; touch pwned-2 `touch pwned-3` && touch pwned-4 > pwned-5",
        ),
        ({"targets": "green;touch pwned-1 $(touch pwned-2)"}, "green;touch"),
        ({"config": "$(touch pwned-1); touch pwned-2"}, "$(touch pwned-1); touch pwned-2"),
    ],
)
def test_action_inputs_are_never_run_by_a_shell(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path, inputs: dict[str, str], error: str
) -> None:
    job, outs = run_action({"command": "plan", **inputs}, _main("push"), workspace, tmp_path)
    assert (job.failed, outs["exit-code"]) == (True, "1")
    assert error in job.out
    assert sorted(p.name for p in tmp_path.rglob("pwned*")) == []


def test_action_refuses_args_it_cannot_split(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    aws.reset_counters()
    job, outs = run_action(
        {"command": "apply", "args": '--out "unclosed', "role-to-assume": "arn:aws:iam::123456789012:role/x"},
        _main("push"),
        workspace,
        tmp_path,
    )
    assert (job.failed, outs["exit-code"]) == (True, "")
    assert job.ran == list(_SET_UP)
    assert "reconcile: the args input cannot be split: No closing quotation" in job.out
    assert aws.write_calls() == 0


def test_action_apply_validates_first_and_assumes_no_role_for_invalid_specs(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    aws.reset_counters()
    github.add_pull(7, MERGED, head=HEAD_1)
    write(workspace / "connections", "stripe.yaml", "Name: stripe\nAuthorizationType: NOPE\n")
    job, outs = run_action(
        {"command": "apply", "role-to-assume": "arn:aws:iam::123456789012:role/apply", "aws-region": "us-east-1"},
        _main("push"),
        workspace,
        tmp_path,
    )
    assert (job.failed, outs["exit-code"]) == (True, "1")
    assert job.ran == [*_SET_UP, "Validate", _COMMENT_APPLY]
    assert (
        "::error file=connections/stripe.yaml,line=2,col=1,title=reconcile validate::AuthorizationType: must be one of"
        in job.out
    )
    assert aws.write_calls() == 0
    # The merged pull request is told that nothing was applied, and why.
    [comment] = github.comments[7]
    assert (
        "❌ **Apply did not run**: the specs failed validation, so nothing was written. See the annotations."
        in comment["body"]
    )


def _apply_comments(github: FakeGitHub, number: int = 7) -> dict[str, str]:
    """The apply comments on a pull request, by the first line (their marker)."""
    return {
        c["body"].split("\n", 1)[0]: c["body"]
        for c in github.comments.get(number, [])
        if c["body"].startswith("<!-- reconcile-apply")
    }


def test_merge_comments_what_was_applied_on_the_pull_request(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    planned = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not planned.failed, planned.out
    plan_body = github.comments[7][0]["body"]
    # The pull request is merged: main's new commit is its merge commit.
    github.add_pull(7, MERGED, head=HEAD_1)
    applied = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not applied.failed, applied.out
    assert applied.outputs["reconcile"]["exit-code"] == "0"
    [plan_comment, apply_comment] = github.comments[7]
    assert plan_comment["body"] == plan_body  # the plan comment is left as it was
    body = apply_comment["body"]
    assert body.startswith(
        f"<!-- reconcile-apply target=default commit={MERGED} -->\n### reconcile apply\n\n"
        f"Commit [`9999999`](https://github.test/acme/connections/commit/{MERGED}).\n\n✅ **Applied.**\n\n"
        "#### Target `default` · "
    )
    assert "region `us-east-1`" in body
    assert "- 🟢 Created: `stripe`\n\n✅ Same changes as the last plan on this pull request (commit [`1111111`]" in body
    assert "<details><summary>The plan apply ran, and each result</summary>" in body
    assert "| `stripe` | create | ✅ AUTHORIZED |" in body
    assert "sk-value-1" not in body and "ghs_" not in applied.out

    # Re-running the job for the same commit edits its comment: nothing is left to apply.
    again = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not again.failed, again.out
    assert [c["id"] for c in github.comments[7]] == [plan_comment["id"], apply_comment["id"]]
    body = github.comments[7][1]["body"]
    assert "✅ **Nothing to apply.**" in body
    assert "Nothing to apply: live connections and API destinations already matched the specs." in body
    assert "⚠️ **Not what the last plan on this pull request showed**" in body


def test_merge_after_main_moved_on_says_what_differs_per_target(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    import boto3

    boto3.session.Session().client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="prod/stripe", SecretString="sk-value-1"
    )
    write(
        workspace,
        "reconcile.yaml",
        """
        targets:
          - name: blue
            region: us-east-1
            account: "123456789012"
            specs: [connections]
          - name: green
            region: eu-west-1
            specs: [connections]
        """,
    )
    planned = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not planned.failed, planned.out
    head = github.comments[7][0]["body"].split("**Plan:**")[0]
    assert "`blue`" in head and "`green`" in head and "eu-west-1" in head
    # Before the merge, another pull request is merged and applied: main moved on, with
    # a connection this one never planned.
    write(workspace / "connections", "orders.yaml", api_key_spec(name="orders"))
    github.add_pull(7, MERGED, head=HEAD_2)
    applied = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not applied.failed, applied.out
    comments = _apply_comments(github)
    assert sorted(comments) == [
        f"<!-- reconcile-apply target=blue commit={MERGED} -->",
        f"<!-- reconcile-apply target=green commit={MERGED} -->",
    ]
    blue = comments[f"<!-- reconcile-apply target=blue commit={MERGED} -->"]
    assert "#### Target `blue` · account `123456789012` · region `us-east-1`" in blue
    assert "- 🟢 Created: `orders`, `stripe`" in blue
    assert (
        "⚠️ **Not what the last plan on this pull request showed** (commit [`1111111`]"
        f"(https://github.test/acme/connections/commit/{HEAD_1})): it planned 1 to create, 0 to update, 0 to delete; "
        "apply found 2 to create, 0 to update, 0 to delete. The default branch moved on after that plan (another "
        "merge), or live connections or API destinations changed since. The pull request was merged at [`2222222`]"
    ) in blue
    assert "| Change | Planned | Applied |\n|---|---|---|\n| `orders` | — | create |" in blue
    green = comments[f"<!-- reconcile-apply target=green commit={MERGED} -->"]
    assert "#### Target `green` · " in green and "region `eu-west-1`" in green
    assert "Target `blue`" not in green


def test_a_pull_request_changing_no_spec_completes_without_a_plan(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    # No paths: filter, so the required check runs on every pull request and always completes.
    aws.reset_counters()
    github.change_files(7, "README.md", "docs/setup.md")
    job = run_workflow("reconcile-plan.yml", _pr(), workspace, tmp_path)
    assert not job.failed, job.out
    assert job.ran == ["Check out", *_in_action("Validate and plan", *_SET_UP, _CHANGES)]
    assert job.outputs["reconcile"]["changed"] == "false"
    assert "Nothing to plan: no file reconcile reads (specs, reconcile.yaml, schemas/) changed." in job.summary
    assert github.writes() == [] and aws.calls() == 0


NEWER = "aaaaaaa0000000000000000000000000000000bb"  # main's head after later merges


def test_a_rerun_of_an_older_apply_is_refused_before_any_aws_call(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    # Re-running last week's run: GITHUB_SHA is last week's commit; main has moved on.
    github.branches["main"] = NEWER
    github.add_pull(7, MERGED, head=HEAD_1)
    aws.reset_counters()
    job = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert job.failed
    assert f"commit {MERGED[:12]} is not the head of branch 'main' (now {NEWER[:12]})" in job.out
    assert aws.calls() == 0
    [comment] = github.comments[7]
    assert "❌ **Apply failed** (exit 1) before it applied anything:\n- commit 9999999fffff" in comment["body"]


def test_apply_runs_one_job_per_batch_with_one_comment_each(
    aws: TestEmulator, github: FakeGitHub, workspace: Path, tmp_path: Path
) -> None:
    import boto3

    boto3.session.Session().client("secretsmanager", region_name="eu-west-1").create_secret(
        Name="prod/stripe", SecretString="sk-value-1"
    )
    # blue and green share a place (no account, us-east-1): one batch, one job.
    write(
        workspace,
        "reconcile.yaml",
        """
        targets:
          - {name: blue, region: us-east-1, specs: [teams/blue]}
          - {name: red, region: eu-west-1, specs: [teams/red]}
          - {name: green, region: us-east-1, specs: [teams/green]}
        """,
    )
    for team in ("blue", "red", "green"):
        write(workspace / "teams" / team, "c.yaml", api_key_spec(name=f"{team}-conn"))
    github.add_pull(7, MERGED, head=HEAD_1)
    aws.reset_counters()
    job = run_workflow("reconcile-apply.yml", _main("push"), workspace, tmp_path)
    assert not job.failed, job.out
    comments = _apply_comments(github)
    assert sorted(comments) == [
        f"<!-- reconcile-apply target=blue,green commit={MERGED} -->",
        f"<!-- reconcile-apply target=red commit={MERGED} -->",
    ]
    both = comments[f"<!-- reconcile-apply target=blue,green commit={MERGED} -->"]
    assert "#### Target `blue` · " in both and "#### Target `green` · " in both and "Target `red`" not in both
    assert "- 🟢 Created: `blue-conn`" in both and "- 🟢 Created: `green-conn`" in both
    assert aws.write_calls() == 3
