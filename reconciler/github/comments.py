"""One plan comment per pull request, found again by its marker and edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.github.body import fit, footer, with_marker
from reconciler.github.client import GitHub
from reconciler.render.markdown import MARKER


@dataclass(frozen=True)
class Upserted:
    action: str  # "created" or "updated"
    id: int
    url: str


def is_ours(comment: dict[str, Any], marker: str = MARKER) -> bool:
    # The marker must open the body: a reviewer quoting it further down is not our comment.
    return str(comment.get("body") or "").lstrip().startswith(marker)


def find_comment(client: GitHub, pr_number: int, marker: str = MARKER) -> dict[str, Any] | None:
    """Our earliest comment on the pull request (issue comments, every page)."""
    for comment in client.paginate(client.repo_path(f"issues/{pr_number}/comments")):
        if is_ours(comment, marker):
            return comment
    return None


def upsert_pr_comment(pr_number: int, body: str, client: GitHub | None = None, marker: str = MARKER) -> Upserted:
    """PATCH our comment if the pull request has one, else POST it."""
    client = client or GitHub.from_env()
    text = fit(with_marker(marker, body), footer())
    existing = find_comment(client, pr_number, marker)
    if existing is not None:
        done = client.request("PATCH", client.repo_path(f"issues/comments/{existing['id']}"), {"body": text})
        return Upserted("updated", int(done["id"]), str(done.get("html_url", "")))
    done = client.request("POST", client.repo_path(f"issues/{pr_number}/comments"), {"body": text})
    return Upserted("created", int(done["id"]), str(done.get("html_url", "")))
