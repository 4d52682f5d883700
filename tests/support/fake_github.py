"""A fake GitHub REST API on 127.0.0.1: just the endpoints reconciler.github calls, state in memory.

It checks `Authorization: Bearer <token>`, paginates with a Link header (page size settable, to
force several pages), and records every request so tests can count writes.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

TOKEN = "ghs_fake-token-0123456789"
REPO = "acme/connections"
BOT = {"login": "github-actions[bot]", "type": "Bot"}  # who GITHUB_TOKEN posts as
MALLORY = {"login": "mallory", "type": "User"}  # anyone who can comment


@dataclass
class FakeGitHub:
    token: str = TOKEN
    repository: str = REPO
    page_size: int = 100
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # commit sha -> its pull requests
    branches: dict[str, str] = field(default_factory=dict)  # branch name -> its head commit
    files: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # pull request -> its changed files
    user: dict[str, Any] = field(default_factory=lambda: dict(BOT))  # the author of what the token writes
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    link_base: str | None = None  # serve next-page links on this base instead of our own
    redirect: dict[tuple[str, str], str] = field(default_factory=dict)  # (method, path) -> Location
    authorization: list[str | None] = field(default_factory=list)  # the header of each request
    _ids: int = 1000
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- set-up helpers for tests -------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_comment(self, number: int, body: str, user: dict[str, Any] | None = None) -> dict[str, Any]:
        self._ids += 1
        comment = {
            "id": self._ids,
            "body": body,
            "user": user or BOT,
            "html_url": f"https://github.test/{self.repository}/pull/{number}#issuecomment-{self._ids}",
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def add_issue(
        self,
        title: str,
        body: str,
        labels: tuple[str, ...] = (),
        pull_request: bool = False,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue: dict[str, Any] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "state_reason": None,
            "labels": [{"name": n} for n in labels],
            "user": user or BOT,
        }
        if pull_request:
            issue["pull_request"] = {"url": "..."}
        self.issues[number] = issue
        return issue

    def add_pull(
        self, number: int, commit: str, head: str, merged: bool = True, merge_commit: str | None = None
    ) -> dict[str, Any]:
        """A pull request associated with `commit` (GET commits/{sha}/pulls); merged as
        `merge_commit` (default: `commit` itself) unless `merged` is False."""
        pull = {
            "number": number,
            "state": "closed" if merged else "open",
            "merged_at": "2025-01-01T00:00:00Z" if merged else None,
            "merge_commit_sha": (merge_commit or commit) if merged else None,
            "head": {"sha": head, "ref": f"feature-{number}"},
            "base": {"ref": "main"},
            "html_url": f"https://github.test/{self.repository}/pull/{number}",
        }
        self.pulls.setdefault(commit, []).append(pull)
        return pull

    def change_files(self, number: int, *paths: str) -> None:
        """The files pull request `number` changes ("old -> new" for a rename)."""
        self.files[number] = [
            {"filename": p.split(" -> ")[-1], "status": "renamed", "previous_filename": p.split(" -> ")[0]}
            if " -> " in p
            else {"filename": p, "status": "modified"}
            for p in paths
        ]

    def open_issues(self) -> list[dict[str, Any]]:
        return [i for i in self.issues.values() if i["state"] == "open" and "pull_request" not in i]

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # -- the API ----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        prefix = f"/repos/{self.repository}/"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}, {}
        route = path[len(prefix) :]
        if m := re.fullmatch(r"issues/(\d+)/comments", route):
            number = int(m.group(1))
            if method == "GET":
                return self._page(path, query, self.comments.get(number, []))
            if method == "POST":
                return 201, self.add_comment(number, body["body"], dict(self.user)), {}
        if (m := re.fullmatch(r"commits/([0-9a-f]+)/pulls", route)) and method == "GET":
            return self._page(path, query, self.pulls.get(m.group(1), []))
        if (m := re.fullmatch(r"pulls/(\d+)/files", route)) and method == "GET":
            return self._page(path, query, self.files.get(int(m.group(1)), []))
        if (m := re.fullmatch(r"branches/([^/]+)", route)) and method == "GET":
            name = urllib.parse.unquote(m.group(1))
            if name not in self.branches:
                return 404, {"message": "Branch not found"}, {}
            return 200, {"name": name, "commit": {"sha": self.branches[name]}, "protected": True}, {}
        if (m := re.fullmatch(r"issues/comments/(\d+)", route)) and method == "PATCH":
            for comment in (c for cs in self.comments.values() for c in cs):
                if comment["id"] == int(m.group(1)):
                    comment["body"] = body["body"]
                    return 200, comment, {}
            return 404, {"message": "Not Found"}, {}
        if route == "issues":
            if method == "GET":
                found = [i for i in self.issues.values() if query.get("state", "open") in ("all", i["state"])]
                if "labels" in query:
                    wanted = set(query["labels"].split(","))
                    found = [i for i in found if wanted <= {label["name"] for label in i["labels"]}]
                return self._page(path, query, found)
            if method == "POST":
                labels = tuple(body.get("labels", ()))
                if not set(labels) <= set(self.labels):
                    # Stricter than GitHub, so a test sees an issue opened before its label exists.
                    return 422, {"message": "Validation Failed: label does not exist"}, {}
                return 201, self.add_issue(body["title"], body["body"], labels, user=dict(self.user)), {}
        if (m := re.fullmatch(r"issues/(\d+)", route)) and method == "PATCH":
            issue = self.issues.get(int(m.group(1)))
            if issue is None:
                return 404, {"message": "Not Found"}, {}
            issue.update({k: v for k, v in body.items() if k in ("body", "state", "state_reason", "title")})
            return 200, issue, {}
        if m := re.fullmatch(r"labels/([^/]+)", route):
            label = self.labels.get(urllib.parse.unquote(m.group(1)))
            return (200, label, {}) if label else (404, {"message": "Not Found"}, {})
        if route == "labels" and method == "POST":
            self.labels[body["name"]] = dict(body)
            return 201, body, {}
        return 404, {"message": "Not Found"}, {}

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]]) -> tuple[int, Any, dict[str, str]]:
        size = min(int(query.get("per_page", 30)), self.page_size)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            nxt = urllib.parse.urlencode({**query, "page": str(page + 1)})
            base = self.link_base or self.url
            headers["Link"] = f'<{base}{path}?{nxt}>; rel="next", <{base}{path}?page=999>; rel="last"'
        return 200, chunk, headers


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def _serve(self) -> None:
        fake = self.github
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        headers: dict[str, str] = {}
        with fake._lock:
            fake.requests.append((self.command, parts.path))
            fake.authorization.append(self.headers.get("Authorization"))
            if (self.command, parts.path) in fake.redirect:
                status, payload, headers = 302, {}, {"Location": fake.redirect[(self.command, parts.path)]}
            elif self.headers.get("Authorization") != f"Bearer {fake.token}":
                status, payload = 401, {"message": "Bad credentials"}
            elif (self.command, parts.path) in fake.fail:
                status, message = fake.fail[(self.command, parts.path)]
                payload = {"message": message}
            else:
                status, payload, headers = fake.handle(self.command, parts.path, query, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = _serve


def github_env(fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point reconciler.github at the fake as an Actions job would; returns the $GITHUB_OUTPUT file."""
    output = tmp_path / "github-output"
    output.touch()
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.repository)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.test")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    return output


def outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT as a dict (single-line values only, which is all we write)."""
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())
