"""The spec files `reconcile import` writes: where each live resource goes, and writing them
all or none."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcileError, SpecErrors
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
    connection's file when that connection is imported too, else gets a file of its own."""
    files: dict[str, _File] = {}
    by_arn: dict[str, tuple[str, str]] = {}  # imported connection ARN → (name, path)
    for item, arn in connections:
        path = os.path.join(folder, f"{item.name}.yaml")
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
        path = os.path.join(folder, f"{live['Name']}.yaml")
        if path in files or os.path.abspath(path) in holding_specs:
            path = os.path.join(folder, f"{live['Name']}.api-destination.yaml")
        # Only a connection or destination named "X.api-destination" could be there already:
        # one more document in its file is still a valid file.
        files.setdefault(path, _File()).destinations.append(spec)
    return files


def write_all(folder: str, files: dict[str, str], declared: list[Spec]) -> None:
    """Every file or none: written and validated in a hidden staging folder beside them, then
    moved into place, so an error never leaves half an import behind."""
    os.makedirs(folder, exist_ok=True)
    blocked = sorted(display_path(p) for p in files if os.path.exists(p) and not os.path.isfile(p))
    if blocked:
        raise ReconcileError(f"{', '.join(blocked)}: not a file, so no spec can be written there; nothing was written")
    staging = tempfile.mkdtemp(prefix=".reconcile-import-", dir=folder)
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
        for path in files:
            os.replace(os.path.join(staging, os.path.basename(path)), path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
