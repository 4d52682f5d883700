"""Everything the tool prints goes through here, so the redactor sees all of it."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from reconciler.errors import ReconcileError
from reconciler.secrets.redact import REDACTOR, RedactingFormatter, WithholdResponseBodies


def out(text: str, stream: TextIO | None = None) -> None:
    target = stream or sys.stdout
    target.write(REDACTOR.redact(text))
    target.flush()


def err(text: str) -> None:
    out(text if text.endswith("\n") else text + "\n", sys.stderr)


def write_file(path: str, text: str, append: bool = False) -> None:
    """Write (or append to) a file reconcile produces: a saved plan, an imported spec, a
    job summary. Redacted like everything else reconcile emits."""
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as handle:
            handle.write(REDACTOR.redact(text))
    except OSError as exc:
        raise ReconcileError(f"{path}: cannot write: {exc.strerror}") from None


def append_file(path: str, text: str) -> None:
    write_file(path, text, append=True)


def setup_logging(verbosity: int) -> None:
    """-v info, -vv debug, -vvv debug including botocore's wire logs (redacted)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(WithholdResponseBodies())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_reconcile", False):
            root.removeHandler(old)
    handler._reconcile = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.getLogger("reconciler").setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
    root.setLevel(logging.DEBUG if verbosity >= 3 else level)
