"""File and secret names for imported resources.

AWS allows any connection or API destination name of 1-64 characters of
`[\\.\\-_A-Za-z0-9]+` (botocore's model), so `.hidden-prod`, `.` and `..` are valid names.
Written as they are, `.hidden-prod.yaml` is a hidden file that discovery skips (and the next
`apply --prune` deletes the connection), and `eventbridge/..` is a secret name with a
path-like segment. A name that starts with `.` is therefore written with `@` in front: `@` is
in no valid name, so `@.hidden-prod.yaml` can only come from `.hidden-prod`, and dropping
the one leading `@` gives the name back.
"""

from __future__ import annotations

import os

from reconciler.errors import ReconcileError

ESCAPE = "@"


def visible(name: str) -> str:
    """`name` as it appears in a file or secret name: `@` in front when it starts with `.`."""
    return ESCAPE + name if name.startswith(".") else name


def spec_path(folder: str, name: str, suffix: str = ".yaml") -> str:
    return os.path.join(folder, visible(name) + suffix)


def check_secret_name(secret_name: str, resource: str) -> None:
    """A `--secret-name` pattern must not give a `.` or `..` segment: tools that map secret
    names to paths (mounts, policies written with wildcards) would read it as one."""
    if any(part in (".", "..") for part in secret_name.split("/")):
        raise ReconcileError(
            f"--secret-name gives {secret_name!r} for {resource}: a '.' or '..' between slashes reads as a path; "
            "nothing was written"
        )
