"""Whose comments and issues reconcile may take for its own: those written by the identity it
posts as, never anyone else's, whatever their text says.

Anyone who can comment on a pull request can write `<!-- reconcile-plan -->` as the first
line of a comment. Found by its marker alone, that comment would be edited by the bot, and
its hidden plan record would be what the apply comment compares with. So a comment or
issue is ours only when its marker opens it *and* its author is the login reconcile posts as.

That login is a setting, not asked of GitHub: `GET /user` is refused (403) for installation
tokens, `GITHUB_TOKEN` included (GitHub REST docs, "Get the authenticated user"). Comments
made with `GITHUB_TOKEN` are authored by `github-actions[bot]`, a GitHub App's by
`APP-SLUG[bot]`, a personal token's by that user; set RECONCILE_GITHUB_AUTHOR (the action's
`github-author` input) for anything but the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DEFAULT_AUTHOR = "github-actions[bot]"
VARIABLE = "RECONCILE_GITHUB_AUTHOR"
# GitHub logins: letters, digits and single hyphens, at most 39 characters; bots add "[bot]".
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


class AuthorError(ValueError):
    pass


def author_from(env: Mapping[str, str]) -> str:
    login = env.get(VARIABLE, "").strip() or DEFAULT_AUTHOR
    if not _LOGIN.fullmatch(login):
        raise AuthorError(f"{VARIABLE} must be a GitHub login such as {DEFAULT_AUTHOR}, got {login!r}")
    return login


def written_by(item: dict[str, Any], login: str) -> bool:
    """Whether a comment or issue was written by `login` (logins compare without case, as GitHub's do)."""
    user = item.get("user")
    found = user.get("login") if isinstance(user, dict) else None
    return isinstance(found, str) and found.casefold() == login.casefold()
