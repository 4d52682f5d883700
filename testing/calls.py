"""Counting the AWS calls the emulator receives: by action, by User-Agent, and repeats."""

from __future__ import annotations

import threading
import time
from collections import Counter

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.wire import AwsRequest, Environ, Reply
from reconciler.sandbox.writes import is_write


class CallLog:
    """A layer (reconciler.sandbox.middleware.Layer) counting every call that reaches it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_action: Counter[str] = Counter()
        self._seen: set[tuple[str, bytes]] = set()
        self._repeats = 0
        self._user_agents: Counter[str] = Counter()
        self._spans: dict[str, list[float]] = {}  # action → [first, last] arrival, time.monotonic()
        self._writes: list[tuple[str, str]] = []  # (action, Name) of each write, in arrival order

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        self.add(request.action or "unknown", request.raw, str(environ.get("HTTP_USER_AGENT", "")))
        if is_write(request.action):
            with self._lock:
                self._writes.append((request.action, str(request.body.get("Name", ""))))
        return inner(request, environ)

    def add(self, action: str, body: bytes = b"", user_agent: str = "") -> None:
        with self._lock:
            self._by_action[action] += 1
            self._user_agents[user_agent] += 1
            now = time.monotonic()
            self._spans.setdefault(action, [now, now])[1] = now
            if (action, body) in self._seen:
                self._repeats += 1
            else:
                self._seen.add((action, body))

    def repeats(self) -> int:
        """Requests identical (action and body) to an earlier one: retries, or reads made twice."""
        with self._lock:
            return self._repeats

    def calls(self, action: str | None = None) -> int:
        with self._lock:
            return sum(self._by_action.values()) if action is None else self._by_action[action]

    def by_action(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_action)

    def user_agents(self) -> dict[str, int]:
        with self._lock:
            return dict(self._user_agents)

    def span(self, action: str) -> float:
        """Seconds from the first to the last arrival of `action` (0 when fewer than two)."""
        with self._lock:
            first, last = self._spans.get(action, (0.0, 0.0))
            return last - first

    def spans(self) -> dict[str, float]:
        with self._lock:
            return {action: last - first for action, (first, last) in self._spans.items()}

    def writes(self) -> int:
        with self._lock:
            return sum(n for action, n in self._by_action.items() if is_write(action))

    def write_order(self) -> list[tuple[str, str]]:
        """(action, Name) of every write request, in the order they arrived."""
        with self._lock:
            return list(self._writes)

    def clear(self) -> None:
        with self._lock:
            self._writes.clear()
            self._by_action.clear()
            self._seen.clear()
            self._repeats = 0
            self._user_agents.clear()
            self._spans.clear()
