"""Spec files → `Spec` records (one per YAML document), with every loading problem."""

from __future__ import annotations

import logging
import os
import stat

from reconciler.errors import Location, Problem
from reconciler.load.discover import display_path, find_spec_files
from reconciler.load.yaml_loader import MAX_BYTES, decode, load_documents
from reconciler.model import Spec, counted

log = logging.getLogger(__name__)


def load_file(path: str) -> tuple[list[Spec], list[Problem]]:
    shown = display_path(path)
    try:
        # A FIFO would block open() forever and a device (a link to /dev/zero) never ends.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return [], [Problem(Location(shown), "", "not a regular file")]
        with open(path, "rb") as handle:
            # One byte past the limit is enough to know it is too big; never read it all.
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return [], [Problem(Location(shown), "", f"cannot read file: {exc.strerror}")]
    text, problems = decode(raw, shown)
    if text is None:
        return [], problems
    documents, problems = load_documents(text, shown)
    specs: list[Spec] = []
    for doc in documents:
        if not isinstance(doc.data, dict):
            problems.append(Problem(doc.positions[()], "", "a connection spec must be a mapping of keys to values"))
            continue
        name = doc.data.get("Name")
        specs.append(Spec(name if isinstance(name, str) else "", doc.data, shown, doc.positions))
    return specs, problems


def load_specs(root: str, skip: frozenset[str] = frozenset()) -> tuple[list[Spec], list[Problem]]:
    files, problems = find_spec_files(root, skip)
    specs: list[Spec] = []
    for path in files:
        found, file_problems = load_file(path)
        log.info("loaded %s: %s", display_path(path), counted(found))
        specs.extend(found)
        problems.extend(file_problems)
    return specs, problems
