"""One tracking issue for drift: opened or updated while the plan has changes, closed once clean."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from reconciler.github.author import written_by
from reconciler.github.body import fit, footer, run_url
from reconciler.github.client import GitHub, GitHubError

LABEL = "reconcile-drift"
MARKER = "<!-- reconcile-drift -->"
TITLE = "reconcile: live EventBridge connections differ from the specs"
INTRO = (
    "The drift check found live connections or API destinations that differ from the specs on the default "
    "branch. "
    "Review the plan below, then either run the apply workflow to restore what the specs say, "
    "or change the specs to match. Each check updates this issue; the first clean check closes it."
)


@dataclass(frozen=True)
class Outcome:
    action: str  # "opened", "updated", "closed" or "none"
    numbers: tuple[int, ...] = ()


def is_tracking(issue: dict[str, Any], author: str) -> bool:
    # The issues endpoint lists pull requests too; the marker tells ours from hand-labelled ones,
    # and the author ours from anyone's who copied the marker (author.py): never edited or closed.
    return (
        "pull_request" not in issue
        and written_by(issue, author)
        and str(issue.get("body") or "").lstrip().startswith(MARKER)
    )


def open_issues(client: GitHub) -> list[dict[str, Any]]:
    """Open tracking issues reconcile opened, oldest first."""
    params = {"state": "open", "labels": LABEL, "sort": "created", "direction": "asc"}
    found = [i for i in client.paginate(client.repo_path("issues"), params) if is_tracking(i, client.author)]
    return sorted(found, key=lambda i: int(i["number"]))


def issue_body(plan_markdown: str) -> str:
    return fit(f"{MARKER}\n{INTRO}\n\n{plan_markdown.strip()}", footer())


def ensure_label(client: GitHub) -> None:
    """Create the label if missing: issues must carry it to be found again."""
    try:
        client.request("GET", client.repo_path(f"labels/{urllib.parse.quote(LABEL)}"))
    except GitHubError as exc:
        if exc.status != 404:
            raise
        client.request(
            "POST",
            client.repo_path("labels"),
            {"name": LABEL, "color": "d93f0b", "description": "Opened by reconcile's drift check"},
        )


def report_drift(plan_markdown: str, client: GitHub | None = None) -> Outcome:
    """Update the open tracking issue, or open one; close any duplicates a race left behind."""
    client = client or GitHub.from_env()
    body = issue_body(plan_markdown)
    issues = open_issues(client)
    if not issues:
        ensure_label(client)
        made = client.request("POST", client.repo_path("issues"), {"title": TITLE, "body": body, "labels": [LABEL]})
        return Outcome("opened", (int(made["number"]),))
    keep, duplicates = issues[0], issues[1:]
    client.request("PATCH", client.repo_path(f"issues/{keep['number']}"), {"body": body})
    for dup in duplicates:
        _close(client, dup, f"Duplicate of #{keep['number']}, which tracks this drift.", "not_planned")
    return Outcome("updated", (int(keep["number"]),))


def resolve_drift(client: GitHub | None = None) -> Outcome:
    """Close every open tracking issue with a comment saying the check is clean."""
    client = client or GitHub.from_env()
    issues = open_issues(client)
    url = run_url()
    note = "✅ The drift check found no changes: live connections and API destinations match the specs. Closing."
    if url:
        note += f" ([workflow run]({url}))"
    for issue in issues:
        _close(client, issue, note, "completed")
    return Outcome("closed" if issues else "none", tuple(int(i["number"]) for i in issues))


def _close(client: GitHub, issue: dict[str, Any], comment: str, reason: str) -> None:
    client.request("POST", client.repo_path(f"issues/{issue['number']}/comments"), {"body": comment})
    client.request("PATCH", client.repo_path(f"issues/{issue['number']}"), {"state": "closed", "state_reason": reason})
