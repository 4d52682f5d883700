"""Internal errors: a bug in reconcile, told apart from every error a user can act on.

The traceback goes to a file of its own, whose path the one-line message names (as pre-commit
does); it is redacted like every file reconcile writes, and holds no local variables. The
exit code is its own (EXIT_INTERNAL), so a script never takes a bug for a user error.
"""

from __future__ import annotations

import os
import tempfile
import traceback

from reconciler.secrets.redact import REDACTOR

EXIT_INTERNAL = 3


def record_crash(exc: BaseException) -> str:
    """Write `exc`'s traceback to a new file; its path. Never raises: a report must not fail too."""
    try:
        folder = os.environ.get("RECONCILE_CRASH_DIR") or tempfile.gettempdir()
        fd, path = tempfile.mkstemp(prefix="reconcile-crash-", suffix=".log", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(REDACTOR.redact("".join(traceback.format_exception(exc))))
        return path
    except OSError as failed:
        return f"(not written: {failed.strerror})"


def advice(path: str) -> str:
    """What a user should do after one: never rerun apply blindly, since some writes may be done."""
    return (
        f"a bug in reconcile; the traceback is in {path}: please report it. Writes already made at AWS are "
        "reported above; run `reconcile plan` to see where things stand before applying again"
    )
