"""Spec files → `Spec` records (one per YAML document), with every loading problem."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field

from reconciler.errors import Location, Problem, ReconcileError
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


# At most this many spec files, and bytes of them, per run: a pull request that adds a million
# files, or gigabytes, must end in one line, not in a runner out of memory. A full region is
# 3,000 connections and 3,000 API destinations (the default quotas), about 6 MiB and 6,000
# files at one spec of about 1 KiB per file; the limits hold three such regions of distinct
# specs (shared folders count once). Loaded specs take about 11 times their size in memory
# (measured: 11 MiB for 1 MiB of connections/crm.yaml repeated), so 32 MiB keeps a run's
# specs near 350 MiB. A repository past them runs its targets in several runs (--target).
MAX_FILES = 20_000
MAX_TOTAL_BYTES = 32 << 20


@dataclass
class RunBudget:
    """The spec files (by real path, so a folder shared by targets counts once) and bytes one run reads."""

    files: set[str] = field(default_factory=set)
    bytes: int = 0

    def count(self, path: str) -> None:
        real = os.path.realpath(path)
        if real in self.files:
            return
        self.files.add(real)
        try:
            # What load_file reads of it: a bigger file is refused after MAX_BYTES + 1.
            self.bytes += min(os.stat(path).st_size, MAX_BYTES + 1)
        except OSError:
            pass  # load_file reports it
        if len(self.files) > MAX_FILES:
            raise ReconcileError(
                f"more than {MAX_FILES:,} spec files in this run (at {display_path(path)}); reconcile reads at most "
                f"{MAX_FILES:,} files and {MAX_TOTAL_BYTES >> 20} MiB of specs per run: run fewer targets at once "
                "(--target)"
            )
        if self.bytes > MAX_TOTAL_BYTES:
            raise ReconcileError(
                f"more than {MAX_TOTAL_BYTES >> 20} MiB of spec files in this run (at {display_path(path)}); reconcile "
                f"reads at most {MAX_FILES:,} files and {MAX_TOTAL_BYTES >> 20} MiB of specs per run: run fewer "
                "targets at once (--target)"
            )


def load_specs(
    root: str, skip: frozenset[str] = frozenset(), budget: RunBudget | None = None
) -> tuple[list[Spec], list[Problem]]:
    """Every spec under `root`. `budget` is the run's, shared by all its folders; every file is
    counted against it before any is read."""
    files, problems = find_spec_files(root, skip, MAX_FILES)
    budget = budget or RunBudget()
    for path in files:
        budget.count(path)
    specs: list[Spec] = []
    for path in files:
        found, file_problems = load_file(path)
        log.info("loaded %s: %s", display_path(path), counted(found))
        specs.extend(found)
        problems.extend(file_problems)
    return specs, problems
