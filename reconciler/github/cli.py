"""`python -m reconciler.github`: what the workflows call, so they hold no shell logic.

run-plan      --file F [--summary S] [--sha C] [-- PLAN ARGS]  plan as markdown; outputs exit-code, has-changes
run           -- ARGS                            any reconcile command; output exit-code
changed       --pr N [--summary S] [-- ARGS]     whether the pull request changes what reconcile reads
pr-comment    --pr N --file F                    create or update the one plan comment, older plans outdated
run-apply     --report F [--summary S] [--allow-old-commit] -- ARGS
                                                 reconcile apply of the branch head, its results saved
apply-comment --sha C --report F [-- ARGS]       apply's result on the pull request merged as commit C
drift         --exit-code N [--file F]           2: open/update the issue, 0: close it, else fail
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from reconciler.errors import ReconcileError
from reconciler.github import apply_report
from reconciler.github import drift as drift_issue
from reconciler.github.apply_comment import post, targets_of
from reconciler.github.changed import pull_request_changes
from reconciler.github.client import GitHubError
from reconciler.github.comments import upsert_pr_comment
from reconciler.github.head import OldCommit, require_head
from reconciler.github.outputs import set_outputs
from reconciler.github.plan_comment import plan_markdown
from reconciler.github.run import CHANGES, IN_SYNC, ApplyRun, run_apply, run_plan, run_reconcile, save_plan
from reconciler.github.where import read_arguments
from reconciler.output import append_file, err, out
from reconciler.untrusted import visible

PROG = "python -m reconciler.github"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on usage errors, which a drift step would read as "drift found".
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def _sha(value: str | None) -> str | None:
    """A commit SHA as the workflow passes it (GITHUB_SHA, or the pull request's head)."""
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9a-f]{7,64}", value):
        raise UsageError(f"--sha must be a commit SHA (hexadecimal), got {value!r}")
    return value


def cmd_run_plan(args: argparse.Namespace) -> int:
    sha = _sha(args.sha)
    plan = run_plan(args.passthrough)
    save_plan(plan_markdown(plan, sha, args.passthrough), args.file, args.summary)
    set_outputs(
        {"exit-code": str(plan.exit_code), "has-changes": str(plan.has_changes).lower(), "plan-file": args.file}
    )
    if not plan.ok:
        err(f"reconcile-github: reconcile plan failed (exit {plan.exit_code})")
        return plan.exit_code if plan.exit_code > 0 else 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    if not args.passthrough:
        raise UsageError("run needs a reconcile command after --, e.g. `run -- validate --format github`")
    code = run_reconcile(args.passthrough)
    set_outputs({"exit-code": str(code)})
    return code if code >= 0 else 1


def cmd_changed(args: argparse.Namespace) -> int:
    answer = pull_request_changes(args.pr, args.passthrough)
    set_outputs({"changed": str(answer.changed).lower()})
    if answer.changed:
        out(f"reconcile-github: pull request #{args.pr} changes what reconcile reads: {answer.why}\n")
        return 0
    note = f"reconcile-github: pull request #{args.pr}: {answer.why}; nothing to validate or plan\n"
    out(note)
    if args.summary:
        append_file(args.summary, f"### reconcile plan\n\n✅ Nothing to plan: {answer.why}.\n")
    return 0


def cmd_pr_comment(args: argparse.Namespace) -> int:
    done = upsert_pr_comment(args.pr, _read(args.file))
    set_outputs({"comment-id": str(done.id)})
    out(f"reconcile-github: plan comment {done.action} on pull request #{args.pr}: {done.url}\n")
    return 0


def cmd_run_apply(args: argparse.Namespace) -> int:
    if not args.passthrough:
        raise UsageError("run-apply needs apply's arguments after --, e.g. `run-apply --report F -- --yes`")
    if args.allow_old_commit:
        out("reconcile-github: --allow-old-commit: not checking that this commit is its branch's head\n")
    else:
        # Before reconcile runs, so before any AWS call: nothing is read or written for an old commit.
        try:
            checked = require_head()
        except OldCommit as exc:
            # The report says why, so the apply comment on the merged pull request does too.
            apply_report.save(args.report, ApplyRun(1, {"errors": [{"message": str(exc)}]}, ""))
            raise
        out(f"reconcile-github: commit {checked.sha[:12]} is the head of branch {checked.branch!r}\n")
    applied = run_apply(args.passthrough)
    apply_report.save(args.report, applied)
    if args.summary and applied.markdown:
        append_file(args.summary, applied.markdown)
    set_outputs({"exit-code": str(applied.exit_code)})
    return applied.exit_code if applied.exit_code >= 0 else 1


def cmd_apply_comment(args: argparse.Namespace) -> int:
    sha = _sha(args.sha)
    if sha is None:
        raise UsageError("--sha must be the commit that was applied (GITHUB_SHA), got ''")
    report = apply_report.load(args.report)
    key = ",".join(read_arguments(args.passthrough).targets) or "all"
    try:
        posted = post(sha, key, report, targets_of(report, args.passthrough), args.validate_outcome)
    except GitHubError as exc:
        # The step does not fail the job (continue-on-error): the annotation keeps it visible.
        reason = visible(str(exc))  # one line: nothing after it can start a line of its own
        warning = f"::warning title=reconcile apply comment::no comment on the merged pull request: {reason}\n"
        out(warning, workflow_commands=True)
        raise
    if posted.comment is None:
        set_outputs({"pull-request": ""})
        out(f"reconcile-github: no pull request was merged as commit {sha}; no apply comment\n")
        return 0
    set_outputs({"pull-request": str(posted.pull), "comment-id": str(posted.comment.id)})
    out(
        f"reconcile-github: apply comment {posted.comment.action} on pull request #{posted.pull}: "
        f"{posted.comment.url}\n"
    )
    return 0


def cmd_drift(args: argparse.Namespace) -> int:
    try:
        code = int(args.exit_code)
    except ValueError:
        raise UsageError(f"--exit-code must be the plan's exit code (0, 1 or 2), got {args.exit_code!r}") from None
    if code == CHANGES:
        if not args.file:
            raise UsageError("--file (the markdown plan) is needed when the plan has changes")
        outcome = drift_issue.report_drift(_read(args.file))
        set_outputs({"drift": "true", "issue": str(outcome.numbers[0])})
        out(f"reconcile-github: drift found; tracking issue #{outcome.numbers[0]} {outcome.action}\n")
        return 0
    if code == IN_SYNC:
        outcome = drift_issue.resolve_drift()
        set_outputs({"drift": "false"})
        closed = ", ".join(f"#{n}" for n in outcome.numbers)
        out(f"reconcile-github: no drift; {'closed ' + closed if closed else 'no tracking issue open'}\n")
        return 0
    err(f"reconcile-github: the plan failed (exit {code}); the drift issue was left as it is")
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="GitHub integration for reconcile: plan and apply comments, drift issues.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "run-plan",
        help="run `reconcile plan` once; write the markdown plan under its commit and targets, and step outputs",
    )
    p.add_argument(
        "--file", default="reconcile-plan.md", help="where to write the markdown plan (default: %(default)s)"
    )
    p.add_argument("--summary", metavar="FILE", help="also append the plan to FILE (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument("--sha", help="the commit planned, shown in the plan (the pull request's head, or GITHUB_SHA)")
    p.set_defaults(func=cmd_run_plan, takes_passthrough=True)

    p = sub.add_parser("run", help="run any reconcile command (after --) and set the exit-code output")
    p.set_defaults(func=cmd_run, takes_passthrough=True)

    p = sub.add_parser(
        "changed", help="output changed=true when the pull request changes specs, reconcile.yaml or schemas/"
    )
    p.add_argument("--pr", type=int, required=True, help="pull request number")
    p.add_argument("--summary", metavar="FILE", help="say so in FILE (e.g. $GITHUB_STEP_SUMMARY) when nothing changed")
    p.set_defaults(func=cmd_changed, takes_passthrough=True)

    p = sub.add_parser("pr-comment", help="create or update the pull request's plan comment")
    p.add_argument("--pr", type=int, required=True, help="pull request number")
    p.add_argument("--file", required=True, help="the markdown plan")
    p.set_defaults(func=cmd_pr_comment)

    p = sub.add_parser(
        "run-apply", help="run `reconcile apply` (arguments after --); save its results for apply-comment"
    )
    p.add_argument("--report", required=True, help="where to save apply's results (JSON)")
    p.add_argument("--summary", metavar="FILE", help="also append apply's markdown to FILE (e.g. $GITHUB_STEP_SUMMARY)")
    p.add_argument(
        "--allow-old-commit",
        action="store_true",
        help="apply GITHUB_SHA even when it is not the head of GITHUB_REF_NAME (a re-run of an older run)",
    )
    p.set_defaults(func=cmd_run_apply, takes_passthrough=True)

    p = sub.add_parser("apply-comment", help="comment apply's result on the pull request merged as --sha")
    p.add_argument("--sha", required=True, help="the commit applied (GITHUB_SHA of the push)")
    p.add_argument("--report", required=True, help="run-apply's report; missing: apply did not run")
    p.add_argument("--validate-outcome", default="", help="the validation step's outcome, to say why apply did not run")
    p.set_defaults(func=cmd_apply_comment, takes_passthrough=True)

    p = sub.add_parser("drift", help="open/update (exit code 2) or close (0) the drift tracking issue")
    p.add_argument("--exit-code", required=True, help="the exit code of `reconcile plan`")
    p.add_argument("--file", help="the markdown plan (needed when the exit code is 2)")
    p.set_defaults(func=cmd_drift)
    return parser


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Arguments after `--` belong to reconcile, not to us."""
    args = list(argv)
    if "--" in args:
        at = args.index("--")
        return args[:at], args[at + 1 :]
    return args, []


def main(argv: Sequence[str] | None = None) -> int:
    try:
        ours, passthrough = _split(sys.argv[1:] if argv is None else argv)
        args = build_parser().parse_args(ours)
        if passthrough and not getattr(args, "takes_passthrough", False):
            raise UsageError(f"{args.command} takes no arguments after --")
        args.passthrough = passthrough
        code: int = args.func(args)
        return code
    except (GitHubError, UsageError, ReconcileError, OldCommit) as exc:
        err(f"reconcile-github: error: {exc}")
        return 1
    except OSError as exc:
        err(f"reconcile-github: error: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        err("reconcile-github: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are caught
        err(f"reconcile-github: internal error: {type(exc).__name__} (a bug in reconcile; please report it)")
        return 1


def main_entry() -> NoReturn:
    sys.exit(main())
