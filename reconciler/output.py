"""Everything the tool prints goes through here, so the redactor sees all of it."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from reconciler.errors import ReconcileError
from reconciler.secrets.redact import REDACTOR, RedactingFormatter
from reconciler.secrets.wire_log import WIRE_FILTER, guard_loggers
from reconciler.untrusted import for_stream


def out(text: str, stream: TextIO | None = None, workflow_commands: bool = False) -> None:
    """Print text: secrets masked, and (untrusted.for_stream) no raw control character and no
    line a GitHub runner would take for a workflow command, unless `workflow_commands` says
    this text is reconcile's own annotations."""
    target = stream or sys.stdout
    target.write(for_stream(REDACTOR.redact(text), workflow_commands))
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
    """-v info, -vv debug, -vvv debug including botocore's wire logs (never a body, a
    signature or a credential: secrets/wire_log.py).

    The filters sit on the loggers themselves, so every handler (a user's on the root
    logger, `logging.lastResort`) gets the rewritten records; ours also has the filter
    (for loggers created after this call) and a formatter that redacts what is left."""
    guard_loggers()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(WIRE_FILTER)
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
