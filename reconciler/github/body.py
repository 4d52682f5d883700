"""Comment and issue bodies: keep the marker first and stay under GitHub's size limit."""

from __future__ import annotations

import os
from collections.abc import Mapping

# GitHub rejects comment and issue bodies over 65,536 characters; leave room for the footer.
MAX_BODY = 65_000


def run_url(env: Mapping[str, str] | None = None) -> str | None:
    """This workflow run's page, when running in Actions."""
    env = os.environ if env is None else env
    server, repo, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    if not (server and repo and run_id):
        return None
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"


def commit_ref(sha: str, env: Mapping[str, str] | None = None) -> str:
    """A commit as GitHub shows it: the short SHA, linked to the commit when running in Actions."""
    env = os.environ if env is None else env
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    short = f"`{sha[:7]}`"
    return f"[{short}]({server.rstrip('/')}/{repo}/commit/{sha})" if server and repo else short


def with_marker(marker: str, text: str) -> str:
    """The marker on the first line, so the comment or issue can be found again."""
    text = text.strip("\n")
    return text if text.startswith(marker) else f"{marker}\n{text}"


def fit(text: str, footer: str = "") -> str:
    """Cut an oversized plan at a line boundary and say where the whole plan is."""
    text = text.rstrip("\n")
    if len(text) + len(footer) > MAX_BODY:
        cut = text[: MAX_BODY - len(footer) - 200]
        text = cut[: cut.rfind("\n")] if "\n" in cut else cut
        # An open <details> or code fence would swallow the note; the run summary has the whole plan.
        if text.count("```") % 2:
            text += "\n```"
        text += "\n\n</details>\n\n" if text.count("<details") > text.count("</details>") else "\n\n"
        text += "✂️ **Plan truncated** to fit a GitHub comment; the job summary has all of it."
    return text + footer + "\n"


def footer(env: Mapping[str, str] | None = None) -> str:
    url = run_url(env)
    return f"\n\n<sub>Updated by [workflow run]({url}).</sub>" if url else ""
