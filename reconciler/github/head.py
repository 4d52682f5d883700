"""Apply only the branch's head commit.

Re-running a workflow (or its failed jobs) uses the run's original GITHUB_SHA and GITHUB_REF
(GitHub docs, "Re-running workflows and jobs"): a re-run of last week's apply would apply last
week's specs over everything merged since. So apply first reads the branch's head
(`GET /repos/{owner}/{repo}/branches/{branch}` → `commit.sha`) and refuses any other commit,
before it calls AWS; `--allow-old-commit` is the deliberate way back to an older commit.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from reconciler.github.client import GitHub, GitHubError


class OldCommit(Exception):
    """The commit to apply is not the branch's head; the message names both."""


@dataclass(frozen=True)
class Checked:
    branch: str
    sha: str


def branch_head(client: GitHub, branch: str) -> str:
    found = client.request("GET", client.repo_path(f"branches/{urllib.parse.quote(branch, safe='')}"))
    sha = (found.get("commit") or {}).get("sha") if isinstance(found, dict) else None
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{40,64}", sha):
        raise GitHubError(f"GET {client.repo_path('branches/' + branch)}: no commit.sha in the answer")
    return sha


def require_head(env: Mapping[str, str] | None = None, client: GitHub | None = None) -> Checked:
    """GITHUB_SHA must be the head of GITHUB_REF_NAME, a branch (GITHUB_REF_TYPE)."""
    env = os.environ if env is None else env
    sha, branch = env.get("GITHUB_SHA", "").strip(), env.get("GITHUB_REF_NAME", "").strip()
    if not sha or not branch or env.get("GITHUB_REF_TYPE", "branch") != "branch":
        raise OldCommit(
            "cannot tell whether this commit is its branch's head (GITHUB_SHA, GITHUB_REF_NAME and a branch ref "
            "are needed); run apply from a workflow on a branch, or pass --allow-old-commit"
        )
    head = branch_head(client or GitHub.from_env(env), branch)
    if head != sha:
        raise OldCommit(
            f"commit {sha[:12]} is not the head of branch {branch!r} (now {head[:12]}): a re-run applies its "
            f"run's original commit, which would undo what was merged since. Run the workflow on the branch head "
            "instead (Actions → the apply workflow → Run workflow), or pass --allow-old-commit to apply this "
            "commit on purpose"
        )
    return Checked(branch, sha)
