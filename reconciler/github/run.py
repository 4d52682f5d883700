"""Run reconcile as a workflow step would, and turn its exit code into step outputs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.github.body import run_url
from reconciler.output import append_file, out, write_file
from reconciler.render.markdown import MARKER

IN_SYNC = 0
CHANGES = 2


@dataclass(frozen=True)
class PlanRun:
    exit_code: int
    markdown: str

    @property
    def has_changes(self) -> bool:
        return self.exit_code == CHANGES

    @property
    def ok(self) -> bool:
        return self.exit_code in (IN_SYNC, CHANGES)


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


def run_plan(extra: Sequence[str]) -> PlanRun:
    """`reconcile plan --format markdown`; its stderr goes straight to the job log."""
    proc = subprocess.run(
        reconcile_command(["plan", "--format", "markdown", *extra]),
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        check=False,
    )
    code = proc.returncode
    ok = code in (IN_SYNC, CHANGES)
    return PlanRun(code, proc.stdout if ok else failed_markdown(code))


def save_plan(plan: PlanRun, file: str, summary: str | None) -> None:
    write_file(file, plan.markdown)
    if summary:
        append_file(summary, plan.markdown)
    out(plan.markdown)


def run_reconcile(args: Sequence[str]) -> int:
    """Any reconcile command, output passed through; its exit code returned as is."""
    return subprocess.run(reconcile_command(args), check=False).returncode
