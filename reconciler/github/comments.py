"""Comments found again by their author and the marker that opens them, and edited in place.

The plan comment: one per pull request, the newest plan first and the plans it replaced
collapsed below it as outdated (plan_comment.py). Apply comments use their own markers
(apply_comment.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.github.author import written_by
from reconciler.github.body import footer, with_marker
from reconciler.github.client import GitHub
from reconciler.github.plan_comment import fold
from reconciler.render.markdown import MARKER


@dataclass(frozen=True)
class Upserted:
    action: str  # "created" or "updated"
    id: int
    url: str


def is_ours(comment: dict[str, Any], author: str, marker: str = MARKER) -> bool:
    # Written by the login reconcile posts as (anyone can type the marker), and the marker opens
    # the body: our own comment quoting it further down is not the one we look for.
    return written_by(comment, author) and str(comment.get("body") or "").lstrip().startswith(marker)


def find_comment(client: GitHub, pr_number: int, marker: str = MARKER) -> dict[str, Any] | None:
    """Our earliest comment on the pull request (issue comments, every page); others' never."""
    for comment in client.paginate(client.repo_path(f"issues/{pr_number}/comments")):
        if is_ours(comment, client.author, marker):
            return comment
    return None


def upsert(client: GitHub, pr_number: int, marker: str, make_body: Callable[[str | None], str]) -> Upserted:
    """PATCH our comment with `make_body(its body)` if the pull request has one, else POST `make_body(None)`."""
    existing = find_comment(client, pr_number, marker)
    if existing is not None:
        text = make_body(str(existing.get("body") or ""))
        done = client.request("PATCH", client.repo_path(f"issues/comments/{existing['id']}"), {"body": text})
        return Upserted("updated", int(done["id"]), str(done.get("html_url", "")))
    done = client.request("POST", client.repo_path(f"issues/{pr_number}/comments"), {"body": make_body(None)})
    return Upserted("created", int(done["id"]), str(done.get("html_url", "")))


def upsert_pr_comment(pr_number: int, body: str, client: GitHub | None = None) -> Upserted:
    """The plan comment: this plan first, the ones it replaces kept below it, marked outdated."""
    client = client or GitHub.from_env()
    new = with_marker(MARKER, body)
    return upsert(client, pr_number, MARKER, lambda previous: fold(previous, new, footer()))
