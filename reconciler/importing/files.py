"""The spec files `reconcile import` writes: where each live resource goes, and writing them
all or none."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcileError, SpecErrors
from reconciler.importing.naming import spec_path
from reconciler.importing.specs import Imported, connection_name, import_destination
from reconciler.load.discover import display_path
from reconciler.load.specs import load_specs
from reconciler.model import CONNECTION, Spec
from reconciler.output import write_file
from reconciler.validate import validate_specs


def declared_specs(folder: str) -> list[Spec]:
    """The folder's specs: import leaves what they declare alone, and validates what it writes beside them."""
    if not os.path.isdir(folder):
        return []
    specs, problems = load_specs(folder)
    if problems:
        raise SpecErrors(problems)
    return specs


@dataclass
class _File:
    """One file import writes: a connection and the API destinations that use it, or destinations alone."""

    connection: Imported | None = None
    destinations: list[dict[str, Any]] = field(default_factory=list)


def layout(
    folder: str,
    connections: list[tuple[Imported, str]],
    destinations: list[dict[str, Any]],
    declared: list[Spec],
    region: str,
    account: str,
) -> dict[str, _File]:
    """Path → what goes in it. Each connection gets `<name>.yaml`; a destination joins its
    connection's file when that connection is imported too, else gets a file of its own. A
    name that starts with `.` gets `@` in front (naming.py), so discovery reads the file."""
    files: dict[str, _File] = {}
    by_arn: dict[str, tuple[str, str]] = {}  # imported connection ARN → (name, path)
    for item, arn in connections:
        path = spec_path(folder, item.name)
        files[path] = _File(item)
        by_arn[arn] = (item.name, path)
    known = {s.name for s in declared if s.type == CONNECTION}
    holding_specs = {os.path.abspath(s.file) for s in declared}
    for live in sorted(destinations, key=lambda d: str(d["Name"])):
        arn = str(live.get("ConnectionArn", ""))
        if arn in by_arn:
            name, path = by_arn[arn]
            files[path].destinations.append(import_destination(live, name))
            continue
        # Declared in the folder already: its ARN is found when planning, as for an imported one.
        name_in_arn = connection_name(arn, region, account)
        spec = import_destination(live, name_in_arn if name_in_arn in known else None)
        path = spec_path(folder, str(live["Name"]))
        if path in files or os.path.abspath(path) in holding_specs:
            path = spec_path(folder, str(live["Name"]), ".api-destination.yaml")
        # Only a connection or destination named "X.api-destination" could be there already:
        # one more document in its file is still a valid file.
        files.setdefault(path, _File()).destinations.append(spec)
    return files


@contextmanager
def written(folder: str, files: dict[str, str], declared: list[Spec]) -> Iterator[None]:
    """Every file or none: written and validated in a hidden staging folder beside them, then
    moved into place. An error inside the `with` block (the read-back check, a secret write)
    takes them out again, putting back the files --overwrite replaced, so an error never
    leaves half an import behind."""
    os.makedirs(folder, exist_ok=True)
    blocked = sorted(display_path(p) for p in files if os.path.exists(p) and not os.path.isfile(p))
    if blocked:
        raise ReconcileError(f"{', '.join(blocked)}: not a file, so no spec can be written there; nothing was written")
    staging = tempfile.mkdtemp(prefix=".reconcile-import-", dir=folder)
    moved: list[tuple[str, str | None]] = []  # (path, where the file it replaced is kept)
    try:
        for path, text in files.items():
            write_file(os.path.join(staging, os.path.basename(path)), text)
        # What import writes must pass validate beside the specs it keeps: a destination may
        # name a connection one of them declares.
        replaced = {os.path.abspath(p) for p in files}
        kept = [s for s in declared if os.path.abspath(s.file) not in replaced]
        staged, problems = load_specs(staging)
        problems += validate_specs(staged + kept)
        if problems:
            raise SpecErrors(problems)
        backups = os.path.join(staging, "replaced")
        os.mkdir(backups)
        for path in files:
            backup = None
            if os.path.exists(path):
                backup = os.path.join(backups, os.path.basename(path))
                os.replace(path, backup)
            moved.append((path, backup))
            os.replace(os.path.join(staging, os.path.basename(path)), path)
        yield
    except BaseException:
        for path, backup in reversed(moved):
            if backup is not None:
                os.replace(backup, path)
            else:
                with suppress(FileNotFoundError):  # its move may be what failed
                    os.remove(path)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
