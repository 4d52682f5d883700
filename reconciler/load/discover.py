"""Find spec files: every *.yaml / *.yml under a folder, recursively."""

from __future__ import annotations

import os

from reconciler.errors import Location, Problem, ReconcileError

SUFFIXES = (".yaml", ".yml")


def display_path(path: str) -> str:
    """Paths relative to the working directory, as GitHub annotations and editors expect."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def find_spec_files(root: str) -> tuple[list[str], list[Problem]]:
    if not os.path.exists(root):
        raise ReconcileError(f"{display_path(root)}: specs folder does not exist")
    if os.path.isfile(root):
        return [root], []
    if not os.access(root, os.R_OK | os.X_OK):
        raise ReconcileError(f"{display_path(root)}: specs folder cannot be read")
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[tuple[int, int]] = set()

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
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(SUFFIXES) and not name.startswith("."):
                files.append(os.path.join(current, name))
    return files, problems
