"""Which calls write, and a layer counting them: the sandbox reports how many writes apply made."""

from __future__ import annotations

import threading

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.wire import AwsRequest, Environ, Reply

# Actions that change state, whatever the service.
MUTATING_PREFIXES = (
    "Create", "Update", "Delete", "Put", "Deauthorize", "Tag", "Untag", "Rotate", "Restore",
    "Cancel", "Remove", "Replicate", "Start", "Stop", "Activate", "Deactivate", "Enable", "Disable",
)  # fmt: skip


def is_write(action: str) -> bool:
    """Whether `action` (e.g. "UpdateConnection", "PutSecretValue") changes state."""
    return action.startswith(MUTATING_PREFIXES)


class WriteCount:
    """A layer (middleware.Layer) counting the write calls that pass it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        if is_write(request.action):
            with self._lock:
                self._count += 1
        return inner(request, environ)
