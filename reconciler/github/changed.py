"""Whether a pull request changes anything reconcile reads, decided inside the plan job.

A workflow skipped by a `paths:` filter leaves its checks pending, and a pull request that
requires them can never merge (GitHub docs, "Troubleshooting required status checks"). So the
plan workflow runs on every pull request, and this answers "plan or not" from the pull
request's changed files: each target's specs (from reconcile.yaml, resolved as reconcile does),
the config file, and the `schemas/` folder. The check then always reports a result.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reconciler.config import CONFIG_FILE, find_config, resolve_targets
from reconciler.errors import ReconcileError
from reconciler.github.client import GitHub
from reconciler.github.where import read_arguments
from reconciler.options import DEFAULT_DIR, Sources

SCHEMAS = "schemas"
# GET pulls/{n}/files lists at most 3,000 files (GitHub REST docs, "List pull requests files"):
# at that count some may be missing, so the answer is "changed".
MAX_FILES = 3000


@dataclass(frozen=True)
class Read:
    """What reconcile reads, as paths relative to the repository root ('/'-separated)."""

    paths: tuple[str, ...]  # files or folders; a folder covers everything below it
    known: bool = True  # False: reconcile.yaml could not be resolved, so everything counts


@dataclass(frozen=True)
class Answer:
    changed: bool
    why: str


def _relative(path: str, root: str) -> str:
    return posixpath.normpath(os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/"))


def reads(args: Sequence[str], root: str, env: Mapping[str, str] | None = None) -> Read:
    """The specs folders (or files) of every target, the config file and `schemas/`."""
    env = os.environ if env is None else env
    given = read_arguments(args)
    folder = given.dir or env.get("RECONCILE_DIR") or DEFAULT_DIR
    # Every target, not just the ones asked for: a plan of any of them reads its specs.
    sources = Sources(folder, given.config, (), dir_given=given.dir is not None)
    try:
        config = find_config(sources)
        targets = resolve_targets(sources).targets
    except ReconcileError:
        return Read((), known=False)
    paths = {SCHEMAS, _relative(config or CONFIG_FILE, root), _relative(os.path.join(folder, CONFIG_FILE), root)}
    paths |= {_relative(spec, root) for target in targets for spec in target.specs}
    return Read(tuple(sorted(paths)))


def covers(path: str, read: str) -> bool:
    return read in (".", path) or path.startswith(read.rstrip("/") + "/")


def decide(files: Iterable[str], read: Read, listed: int) -> Answer:
    if not read.known:
        return Answer(True, "reconcile.yaml could not be resolved; planning to show why")
    if listed >= MAX_FILES:
        return Answer(True, f"the pull request changes {listed} files or more; GitHub lists at most {MAX_FILES}")
    for path in files:
        hit = next((r for r in read.paths if covers(path, r)), None)
        if hit is not None:
            return Answer(True, f"{path} is read by reconcile ({hit})")
    return Answer(False, "no file reconcile reads (specs, reconcile.yaml, schemas/) changed")


def changed_files(client: GitHub, pr_number: int) -> tuple[list[str], int]:
    """Every path the pull request touches, renamed files under their old name too."""
    paths: list[str] = []
    listed = 0
    for item in client.paginate(client.repo_path(f"pulls/{pr_number}/files")):
        listed += 1
        paths += [str(item[k]) for k in ("filename", "previous_filename") if isinstance(item.get(k), str)]
    return paths, listed


def pull_request_changes(pr_number: int, args: Sequence[str], client: GitHub | None = None) -> Answer:
    client = client or GitHub.from_env()
    files, listed = changed_files(client, pr_number)
    return decide(files, reads(args, os.getcwd()), listed)
