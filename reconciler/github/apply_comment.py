"""On merge: what apply did, as a comment on the merged pull request.

One comment per apply job and merged commit. The apply workflow runs one job per target,
each posting its own comment (marked `<!-- reconcile-apply target=NAME commit=SHA -->`), so
jobs running side by side never edit the same comment; re-running a job edits its comment.
Each comment says, per target, what was created, updated and deleted and what failed and
why, then compares that with the last plan the pull request's plan comment showed (its
hidden record, record.py): the default branch may have moved on since, or live
connections changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.github.apply_report import Report, Result
from reconciler.github.body import commit_ref, fit, footer
from reconciler.github.client import GitHub
from reconciler.github.comments import Upserted, find_comment, upsert
from reconciler.github.plan_comment import split
from reconciler.github.record import PlanRecord, TargetChanges, compare, decode
from reconciler.github.where import Where, from_config, merged
from reconciler.render.markdown import MARKER as PLAN_MARKER

SHOWN = 50  # names per list; the job summary has every one
DONE = (("create", "🟢 Created"), ("update", "🟡 Updated"), ("delete", "🔴 Deleted"))


def marker(key: str, sha: str) -> str:
    return f"<!-- reconcile-apply target={key} commit={sha} -->"


def merged_pull(client: GitHub, sha: str) -> dict[str, Any] | None:
    """The merged pull request whose merge commit is `sha` (squash, rebase or merge commit)."""
    for pull in client.paginate(client.repo_path(f"commits/{sha}/pulls")):
        if pull.get("merged_at") and pull.get("merge_commit_sha") == sha:
            return pull
    return None


def targets_of(report: Report | None, args: Sequence[str]) -> list[Where]:
    """This run's targets as reconcile resolves them from its arguments; the account and region
    apply itself reports, when it does, win over reconcile.yaml's."""
    configured = from_config(args)
    known = report.places if report else {}
    return merged([known.get(w.name, Where(w.name)) for w in configured], configured)


@dataclass(frozen=True)
class LastPlan:
    found: bool  # the pull request has a plan comment
    record: PlanRecord | None  # what its current plan recorded; None: no record (an older reconcile)


def last_plan(client: GitHub, pr_number: int) -> LastPlan:
    comment = find_comment(client, pr_number, PLAN_MARKER)
    if comment is None:
        return LastPlan(False, None)
    current, _ = split(str(comment.get("body") or ""))
    return LastPlan(True, decode(current))


def _text(detail: str) -> str:
    return " ".join(detail.split()).replace("<", "&lt;")


def _names(results: Sequence[Result]) -> str:
    shown = ", ".join(r.shown for r in results[:SHOWN])
    return shown + (f" and {len(results) - SHOWN} more" if len(results) > SHOWN else "")


def _outcome(results: Sequence[Result]) -> list[str]:
    if not results:
        return ["Nothing to apply: live connections and API destinations already matched the specs."]
    lines = []
    for action, label in DONE:
        done = [r for r in results if r.ok and r.action == action]
        if done:
            lines.append(f"- {label}: {_names(done)}")
    for label, picked in (
        ("❌ Failed", [r for r in results if r.started and not r.ok]),
        ("⏭️ Not started", [r for r in results if not r.started]),
    ):
        if picked:
            lines.append(f"- {label}:")
            lines += [
                f"  - {r.shown} ({r.action}): {f'`{r.code}` ' if r.code else ''}{_text(r.detail)}"
                for r in picked[:SHOWN]
            ]
            if len(picked) > SHOWN:
                lines.append(f"  - … and {len(picked) - SHOWN} more (the job summary lists every one)")
    return lines


def _check(
    target: str, results: Sequence[Result], last: LastPlan, head: str | None, env: Mapping[str, str] | None
) -> list[str]:
    """Whether this target's apply did what the pull request's last plan showed."""
    if not last.found:
        return ["ℹ️ No plan comment on this pull request to compare with."]
    record = last.record
    if record is None:
        return ["ℹ️ The plan comment on this pull request records no changes to compare with (an older reconcile)."]
    at = f" (commit {commit_ref(record.sha, env)})" if record.sha else ""
    if record.exit_code not in (0, 2):
        return [f"⚠️ The last plan on this pull request{at} failed: what was applied was never shown there."]
    planned = record.targets.get(target)
    if planned is None:
        return [f"⚠️ The last plan on this pull request{at} did not cover target `{target}`."]
    applied = TargetChanges.of((r.action, r.label) for r in results)
    comparison = compare(planned, applied)
    if comparison.same:
        return [f"✅ Same changes as the last plan on this pull request{at}."]
    lines = [
        f"⚠️ **Not what the last plan on this pull request showed**{at}: it planned {planned.summary()}; apply "
        f"found {applied.summary()}. The default branch moved on after that plan (another merge), or live "
        "connections or API destinations changed since."
    ]
    if head and record.sha and head != record.sha:
        lines[0] += f" The pull request was merged at {commit_ref(head, env)}, after that plan."
    if comparison.differences:
        lines += ["", "| Change | Planned | Applied |", "|---|---|---|"]
        lines += [f"| `{d.name}` | {d.planned or '—'} | {d.applied or '—'} |" for d in comparison.differences[:SHOWN]]
        if len(comparison.differences) > SHOWN:
            lines.append(f"| … {len(comparison.differences) - SHOWN} more | | |")
    return lines


def _status(report: Report | None, validate_outcome: str) -> str:
    if report is None:
        if validate_outcome == "failure":
            return "❌ **Apply did not run**: the specs failed validation, so nothing was written. See the annotations."
        # Not "nothing was written": apply may have started and been stopped before its report.
        return (
            "❌ **No apply result**: an earlier step failed (AWS credentials?), or apply stopped before it "
            "reported. See the job log."
        )
    if report.results is None:
        errors = "".join(f"\n- {_text(e)}" for e in report.errors[:SHOWN])
        return (
            f"❌ **Apply failed** (exit {report.exit_code}) before it applied anything:{errors or ' see the job log.'}"
        )
    failed = sum(1 for r in report.results if not r.ok)
    if report.exit_code or failed:
        return f"❌ **Apply failed** for {failed} change(s) (exit {report.exit_code})."
    return "✅ **Applied.**" if report.results else "✅ **Nothing to apply.**"


def render(
    report: Report | None,
    wheres: Sequence[Where],
    sha: str,
    key: str,
    last: LastPlan,
    head: str | None = None,
    validate_outcome: str = "",
    env: Mapping[str, str] | None = None,
) -> str:
    lines = [
        marker(key, sha),
        "### reconcile apply",
        "",
        f"Commit {commit_ref(sha, env)}.",
        "",
        _status(report, validate_outcome),
    ]
    if report is not None and report.results is not None:
        results = report.results
        names = [w.name for w in wheres] + sorted({r.target for r in results} - {w.name for w in wheres})
        by_name = {w.name: w for w in wheres}
        for name in names:
            where = by_name.get(name, Where(name))
            account = f"account `{where.account}`" if where.account else "account not known"
            region = f"region `{where.region}`" if where.region else "region not known"
            mine = [r for r in results if r.target == name]
            lines += ["", f"#### Target `{name}` · {account} · {region}", "", *_outcome(mine), ""]
            lines += _check(name, mine, last, head, env)
    if report is not None and report.markdown.strip():
        applied = "\n".join(line for line in report.markdown.strip("\n").splitlines() if line != PLAN_MARKER)
        lines += ["", "<details><summary>The plan apply ran, and each result</summary>", "", applied, "", "</details>"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Posted:
    pull: int | None  # None: no merged pull request for this commit, nothing posted
    comment: Upserted | None = None


def post(
    sha: str,
    key: str,
    report: Report | None,
    wheres: Sequence[Where],
    validate_outcome: str = "",
    client: GitHub | None = None,
) -> Posted:
    client = client or GitHub.from_env()
    pull = merged_pull(client, sha)
    if pull is None:
        return Posted(None)
    number = int(pull["number"])
    head = (pull.get("head") or {}).get("sha")
    body = render(report, wheres, sha, key, last_plan(client, number), head, validate_outcome)
    done = upsert(client, number, marker(key, sha), lambda _previous: fit(body, footer()))
    return Posted(number, done)
