"""Run reconcile as a workflow step would, and turn its exit code into step outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.commands.plan import EXIT_CHANGES, EXIT_IN_SYNC
from reconciler.github.body import run_url
from reconciler.output import append_file, out, write_file
from reconciler.render.markdown import MARKER

# reconcile plan's exit codes (its contract, defined with the command).
IN_SYNC, CHANGES = EXIT_IN_SYNC, EXIT_CHANGES


@dataclass(frozen=True)
class PlanRun:
    exit_code: int
    markdown: str
    document: Any = None  # `reconcile plan --format json`, when the plan succeeded

    @property
    def has_changes(self) -> bool:
        return self.exit_code == CHANGES

    @property
    def ok(self) -> bool:
        return self.exit_code in (IN_SYNC, CHANGES)


@dataclass(frozen=True)
class ApplyRun:
    exit_code: int
    document: Any  # `reconcile apply --format json`: results, or errors; None if stdout was not JSON
    markdown: str  # what apply's --summary wrote: the plan it applied and each result


def reconcile_env() -> dict[str, str]:
    """This environment without the GitHub token: reconcile itself never talks to GitHub, and
    run-apply holds the token only to read the branch head."""
    return {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}


def reconcile_command(args: Sequence[str]) -> list[str]:
    # The same interpreter, so the reconcile installed next to this package runs.
    return [sys.executable, "-m", "reconciler", *args]


def failed_markdown(code: int) -> str:
    """Stands in for the plan, so a stale plan comment is not mistaken for the current one."""
    url = run_url()
    where = f"the [workflow run]({url}) log" if url else "the job log"
    return (
        f"{MARKER}\n### reconcile plan\n\n❌ **The plan failed** (exit {code}), so pending changes are unknown. See "
        f"{where} for the error.\n"
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _with_summary(command: str, args: Sequence[str]) -> tuple[int, str, str]:
    """`reconcile COMMAND ARGS --format json --summary TMP`: JSON on stdout, the markdown in TMP;
    stderr goes straight to the job log. Ours come last, so they win over the same flags in ARGS."""
    with tempfile.TemporaryDirectory(prefix="reconcile-github-") as folder:
        markdown_file = os.path.join(folder, "summary.md")
        proc = subprocess.run(
            reconcile_command([command, *args, "--format", "json", "--summary", markdown_file]),
            stdout=subprocess.PIPE,
            env=reconcile_env(),
            text=True,
            encoding="utf-8",
            check=False,
        )
        try:
            with open(markdown_file, encoding="utf-8") as handle:
                markdown = handle.read()
        except FileNotFoundError:
            markdown = ""
    return proc.returncode, proc.stdout, markdown


def run_plan(extra: Sequence[str]) -> PlanRun:
    """`reconcile plan`, once: the JSON plan (its changes, recorded in the comment) and the markdown."""
    code, stdout, markdown = _with_summary("plan", extra)
    document = _json(stdout)
    if code in (IN_SYNC, CHANGES) and markdown and isinstance(document, dict):
        return PlanRun(code, markdown, document)
    return PlanRun(code if code not in (IN_SYNC, CHANGES) else 1, failed_markdown(code))


def run_apply(args: Sequence[str]) -> ApplyRun:
    """`reconcile apply ARGS` with its results as JSON; the text plan and progress go to the job log."""
    code, stdout, markdown = _with_summary("apply", args)
    return ApplyRun(code, _json(stdout), markdown)


def save_plan(markdown: str, file: str, summary: str | None) -> None:
    write_file(file, markdown)
    if summary:
        append_file(summary, markdown)
    out(markdown)


def run_reconcile(args: Sequence[str]) -> int:
    """Any reconcile command, output passed through; its exit code returned as is."""
    return subprocess.run(reconcile_command(args), env=reconcile_env(), check=False).returncode
