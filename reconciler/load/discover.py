"""Find spec files: every *.yaml / *.yml under a folder, recursively."""

from __future__ import annotations

import logging
import os

from reconciler.errors import Location, Problem, ReconcileError
from reconciler.load.bounds import inside, repository_of_specs

SUFFIXES = (".yaml", ".yml")
log = logging.getLogger(__name__)


def display_path(path: str) -> str:
    """Paths relative to the working directory, as GitHub annotations and editors expect."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def find_spec_files(
    root: str, skip: frozenset[str] = frozenset(), limit: int | None = None
) -> tuple[list[str], list[Problem]]:
    """Spec files under `root`, sorted; `skip` holds absolute paths that are no specs (the config file).
    The walk stops one file past `limit`: the caller refuses that many anyway."""
    if not os.path.exists(root):
        raise ReconcileError(f"{display_path(root)}: specs folder does not exist")
    if os.path.isfile(root):
        return [root], []
    if not os.access(root, os.R_OK | os.X_OK):
        raise ReconcileError(f"{display_path(root)}: specs folder cannot be read")
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()
    repository = repository_of_specs(root)

    def outside(path: str) -> bool:
        """A link leading out of the repository is an error naming it, never followed. A
        dangling link stays a read error, as before."""
        if not os.path.islink(path) or not os.path.exists(path) or inside(path, repository):
            return False
        problems.append(
            Problem(
                Location(display_path(path)),
                "",
                f"symlink to {display_path(os.path.realpath(path))}, outside the repository "
                f"({display_path(repository)}); links in a specs folder must stay inside it",
            )
        )
        return True

    def on_error(exc: OSError) -> None:
        problems.append(
            Problem(Location(display_path(exc.filename or root)), "", f"cannot read folder: {exc.strerror}")
        )

    for current, dirs, names in os.walk(root, followlinks=True, onerror=on_error):
        st = os.stat(current)
        if (st.st_dev, st.st_ino) in seen:
            problems.append(Problem(Location(display_path(current)), "", "symlink loop: folder already visited"))
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        for hidden in sorted(d for d in dirs if d.startswith(".")):
            log.info("skipped folder %s: hidden", display_path(os.path.join(current, hidden)))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not outside(os.path.join(current, d)))
        for name in sorted(names):
            path = os.path.join(current, name)
            if not name.endswith(SUFFIXES):
                log.info("skipped %s: not a .yaml or .yml file", display_path(path))
            elif name.startswith("."):
                log.info("skipped %s: hidden", display_path(path))
            elif os.path.abspath(path) in skip:
                log.info("skipped %s: the config file, not a spec", display_path(path))
            elif outside(path):
                continue
            else:
                files.append(path)
                if limit is not None and len(files) > limit:
                    return files, problems
    return files, problems
