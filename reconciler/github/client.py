"""A small GitHub REST client: bearer token, JSON in and out, pagination by the Link header."""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.github.author import DEFAULT_AUTHOR, AuthorError, author_from

API_VERSION = "2022-11-28"
PER_PAGE = 100
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(Exception):
    """A one-line message for the command line; never carries the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when GitHub answered


@dataclass(frozen=True)
class GitHub:
    api_url: str
    repository: str
    # repr=False: the token must not show up in any message or log line.
    token: str = field(repr=False)
    timeout: float = 30.0
    # The login this token posts as: only its comments and issues are ever read back as ours (author.py).
    author: str = DEFAULT_AUTHOR

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitHub:
        """The variables every Actions job has (GITHUB_TOKEN passed in through `env:`)."""
        env = os.environ if env is None else env
        token = env.get("GITHUB_TOKEN", "").strip()
        repository = env.get("GITHUB_REPOSITORY", "").strip()
        if not token:
            raise GitHubError("GITHUB_TOKEN is not set (pass `GITHUB_TOKEN: ${{ github.token }}` in the step's env)")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            raise GitHubError(f"GITHUB_REPOSITORY must be OWNER/REPO, got {repository!r}")
        api_url = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        if not api_url.startswith(("https://", "http://")):
            raise GitHubError(f"GITHUB_API_URL must be an http(s) URL, got {api_url!r}")
        try:
            author = author_from(env)
        except AuthorError as exc:
            raise GitHubError(str(exc)) from None
        return cls(api_url=api_url, repository=repository, token=token, author=author)

    def repo_path(self, suffix: str) -> str:
        return f"/repos/{self.repository}/{suffix.lstrip('/')}"

    def request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, params: Mapping[str, str] | None = None
    ) -> Any:
        data, _ = self._send(method, self._url(path, params), body)
        return data

    def paginate(self, path: str, params: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `Link: <…>; rel="next"`."""
        url: str | None = self._url(path, {"per_page": str(PER_PAGE), **(params or {})})
        while url:
            page, link = self._send("GET", url, None)
            if not isinstance(page, list):
                raise GitHubError(f"GET {_shown(url)}: expected a JSON list")
            yield from page
            url = _next_link(link)
            if url and not _same_origin(url, self.api_url):
                # Never send the token to a host other than the API's.
                raise GitHubError(f"GET {_shown(url)}: next page is on another host; refusing to follow")

    def _url(self, path: str, params: Mapping[str, str] | None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.api_url}{path}{query}"

    def _send(self, method: str, url: str, body: Mapping[str, Any] | None) -> tuple[Any, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "User-Agent": "reconcile",
            "X-GitHub-Api-Version": API_VERSION,
        }
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=payload, headers=headers, method=method)
        # Unredirected: urllib would otherwise resend it to wherever a redirect points.
        req.add_unredirected_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - http(s) checked in from_env
                raw = resp.read()
                link = resp.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            raise GitHubError(f"{method} {_shown(url)}: HTTP {exc.code} {_reason(exc)}", exc.code) from None
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(f"{method} {_shown(url)}: cannot reach the GitHub API: {reason}") from None
        try:
            return (json.loads(raw) if raw.strip() else None), link
        except ValueError:
            raise GitHubError(f"{method} {_shown(url)}: response is not JSON") from None


def _reason(exc: urllib.error.HTTPError) -> str:
    """GitHub's own `message`, which says what was wrong (missing permission, validation)."""
    try:
        message = json.loads(exc.read() or b"{}").get("message")
    except (ValueError, AttributeError, OSError):
        message = None
    text = str(message or exc.reason or "").replace("\n", " ").strip()
    hint = " (does the job grant the permission this needs?)" if exc.code in (401, 403, 404) else ""
    return f"{text}{hint}".strip()


def _next_link(link: str) -> str | None:
    match = _NEXT.search(link or "")
    return match.group(1) if match else None


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _shown(url: str) -> str:
    """The URL's path for messages, without the query."""
    return urllib.parse.urlsplit(url).path
