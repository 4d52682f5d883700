"""Read what import wrote the way `plan` reads it, before any secret is created.

Import's own staging check loads the files it wrote one by one; plan discovers a folder
(hidden files and folders skipped, the config file skipped) and validates every spec in it
together. A file plan never reads would be imported and then deleted by the next
`apply --prune` (issue #20), so the check is plan's own loading, not a copy of it.
"""

from __future__ import annotations

import os

from reconciler.errors import ReconcileError
from reconciler.load.discover import display_path
from reconciler.model import API_DESTINATION, CONNECTION
from reconciler.pipeline import load_valid_specs

Key = tuple[str, str]  # (type, name), as Spec.key


def _label(key: Key) -> str:
    kind, name = key
    return f"{'API destination' if kind == API_DESTINATION else 'connection'} {name!r}"


def check(folder: str, expected: dict[str, list[Key]]) -> None:
    """Each imported resource (path → the keys written there) must be declared exactly once in
    `folder` as plan loads it, in the file written for it; else an error naming each one."""
    found: dict[Key, list[str]] = {}
    for spec in load_valid_specs(folder):
        found.setdefault(spec.key, []).append(os.path.abspath(spec.file))
    wrong = []
    for path, keys in expected.items():
        for key in keys:
            where = found.get(key, [])
            if where != [os.path.abspath(path)]:
                seen = f"declared {len(where)} times" if where else "not read back"
                wrong.append(f"{display_path(path)}: {_label(key)} {seen}")
    if wrong:
        raise ReconcileError(
            f"what import wrote does not read back as plan reads {display_path(folder)}: "
            + "; ".join(wrong)
            + "; the written files were removed and no secret was created"
        )


def written_keys(connection: str | None, destinations: list[str]) -> list[Key]:
    return ([(CONNECTION, connection)] if connection is not None else []) + [(API_DESTINATION, d) for d in destinations]
