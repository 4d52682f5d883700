"""Targets: which specs go to which region and account. From `reconcile.yaml`, or one default."""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from reconciler import config_expand
from reconciler.diff.ignore import problem as ignore_problem
from reconciler.errors import Location, Problem, ReconcileError, SpecErrors
from reconciler.load.bounds import git_work_tree, inside
from reconciler.load.discover import display_path
from reconciler.load.yaml_loader import MAX_BYTES, Document, decode, dotted, load_documents
from reconciler.model import TYPES, Spec
from reconciler.options import Sources
from reconciler.validate.schema_problems import schema_messages

CONFIG_FILE = "reconcile.yaml"
_ROLE_ACCOUNT = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/")


@dataclass(frozen=True)
class Target:
    name: str
    region: str | None = None
    account: str | None = None
    role_arn: str | None = None
    specs: tuple[str, ...] = ()
    prune: bool = False
    prune_prefixes: tuple[str, ...] = ()
    max_rps: float | None = None  # EventBridge requests per second; None: the default (aws/rate.py)
    only: tuple[str, ...] = ()  # --only: name patterns (fnmatch); empty: everything declared
    ignore_changes: tuple[str, ...] = ()  # IgnoreChanges for every spec of the target (diff/ignore.py)

    @property
    def declared_account(self) -> str | None:
        """The account the target acts in, as far as the file says without asking AWS: its
        `account`, else the one in its `role_arn` (arn:partition:iam::ACCOUNT:role/...)."""
        if self.account:
            return self.account
        match = _ROLE_ACCOUNT.match(self.role_arn or "")
        return match.group(1) if match else None

    def selects(self, name: str) -> bool:
        """Whether --only lets this run plan (and apply) the connection or API destination of this name."""
        return not self.only or any(fnmatchcase(name, pattern) for pattern in self.only)

    def prunes(self, name: str) -> bool:
        """Whether pruning may delete a live connection or API destination of this name (when no spec declares it)."""
        return self.prune and (not self.prune_prefixes or name.startswith(self.prune_prefixes)) and self.selects(name)


@dataclass
class Config:
    targets: list[Target] = field(default_factory=list)
    path: str | None = None  # the config file in use, if any
    # Targets of the file that --target left out: pruning never deletes what they declare.
    unpicked: list[Target] = field(default_factory=list)


@functools.cache
def _validator() -> Draft202012Validator:
    text = resources.files("reconciler").joinpath("schemas", "config.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def load_config(path: str) -> Document:
    """reconcile.yaml with its positions, checked against its schema and as targets
    (config_expand.py); every problem as `file:line:column: path: message`."""
    shown = display_path(path)
    try:
        with open(path, "rb") as handle:
            text, problems = decode(handle.read(MAX_BYTES + 1), shown)
    except OSError as exc:
        raise SpecErrors([Problem(Location(shown), "", f"cannot read config file: {exc.strerror}")]) from None
    documents: list[Document] = []
    if text is not None:
        documents, problems = load_documents(text, shown)
    if not problems and len(documents) != 1:
        problems = [Problem(Location(shown), "", "the config file must hold exactly one YAML document")]
    if problems:
        raise SpecErrors(problems)
    doc = documents[0]
    # Read like a spec, so its errors read like spec errors (validate/schema_problems.py words them).
    as_spec = Spec("", doc.data if isinstance(doc.data, dict) else {}, shown, doc.positions)
    found = []
    for error in _validator().iter_errors(doc.data):
        for where, message in schema_messages(error, as_spec, echo=True):
            found.append(Problem(as_spec.locate(where), dotted(where), message))
    if not found:
        found = _duplicate_names(doc) + _ignore_problems(doc)
    if not found:
        found = config_expand.template_problems(doc)
    if found:
        raise SpecErrors(found)
    return doc


def _duplicate_names(doc: Document) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for i, item in enumerate(doc.data["targets"]):
        name = item["name"]
        if name in first:
            at = doc.positions[("targets", first[name], "name")]
            problems.append(
                Problem(
                    doc.positions[("targets", i, "name")],
                    f"targets[{i}].name",
                    f"target {name!r} is also defined at line {at.line}; target names must be unique",
                )
            )
        else:
            first[name] = i
    return problems


def _specs_entries(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    """Every string of every `specs` list in the config, with its path, wherever the schema puts one."""
    found: list[tuple[tuple[Any, ...], str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "specs" and isinstance(value, list):
                found += [(path + (key, i), p) for i, p in enumerate(value) if isinstance(p, str)]
            else:
                found += _specs_entries(value, path + (key,))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _specs_entries(item, path + (i,))
    return found


def check_specs_inside_repository(path: str, data: dict[str, Any]) -> None:
    """Each `specs` path, symlinks resolved, must lie in the repository: the git work tree
    holding the config file (found by its `.git`, without running git), else the config's
    folder. A pull request edits reconcile.yaml: `specs: [/etc]` must not read the runner."""
    base = os.path.dirname(os.path.abspath(path))
    repository = git_work_tree(base) or base
    outside = [(where, p) for where, p in _specs_entries(data) if not inside(os.path.join(base, p), repository)]
    if not outside:
        return
    shown = display_path(path)
    with open(path, "rb") as handle:  # read again for positions: only on this error path
        text, _ = decode(handle.read(MAX_BYTES + 1), shown)
    documents, _ = load_documents(text or "", shown)
    positions = documents[0].positions if documents else {}
    raise SpecErrors(
        [
            Problem(
                positions.get(where, Location(shown)),
                dotted(where),
                f"{p!r} is outside the repository ({display_path(repository)}); specs paths must stay inside it",
            )
            for where, p in outside
        ]
    )


def _ignore_problems(doc: Document) -> list[Problem]:
    """`ignore_changes` paths name a field of a connection or of an API destination (it applies
    to each type that has the path), as a spec's IgnoreChanges does."""
    lists: list[tuple[tuple[Any, ...], Any]] = [(("ignore_changes",), doc.data.get("ignore_changes"))]
    lists += [(("targets", i, "ignore_changes"), t.get("ignore_changes")) for i, t in enumerate(doc.data["targets"])]
    problems = []
    for where, paths in lists:
        for index, path in enumerate(paths or []):
            message = ignore_problem(path, TYPES)
            if message is not None:
                at = where + (index,)
                problems.append(Problem(doc.positions[at], dotted(at), message))
    return problems


def find_config(sources: Sources) -> str | None:
    """The config file in use: --config, else the first reconcile.yaml found from the specs
    folder upward (the folder, then its parents, up to the filesystem root).

    --dir given on the command line beside a config file is an error, never ignored: the
    config decides where every target's specs are."""
    path = sources.config
    if path is None:
        folder = os.path.abspath(sources.dir)
        while path is None:
            candidate = os.path.join(folder, CONFIG_FILE)
            if os.path.isfile(candidate):
                path = display_path(candidate)
            elif os.path.dirname(folder) == folder:
                return None
            folder = os.path.dirname(folder)
    if sources.dir_given:
        how = f"--config {path}" if sources.config else path
        raise ReconcileError(
            f"--dir {sources.dir} conflicts with {how}, which says where each target's specs are; drop --dir (pick "
            "targets with --target, connections with --only)"
        )
    return path


def resolve_targets(
    sources: Sources,
    region: str | None = None,
    prune: bool | None = None,
    prefixes: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
    units: config_expand.UnitAccounts | None = None,
) -> Config:
    """The targets of this run. `prune` True (--prune) or False (--no-prune) overrides the config
    file, None leaves it to the file; --prune-prefix and --only apply to every target. `units`
    reads organizational units' accounts (config_expand.py); without it none is read."""
    path = find_config(sources)
    picked = list(sources.targets)
    if path is None:
        if set(picked) - {"default"}:
            extra = ", ".join(sorted(set(picked) - {"default"}))
            raise ReconcileError(f"unknown target(s) {extra}: without {CONFIG_FILE} the only target is 'default'")
        return Config(
            [Target("default", region, specs=(sources.dir,), prune=bool(prune), prune_prefixes=prefixes, only=only)]
        )
    if not os.path.exists(path):
        raise SpecErrors([Problem(Location(display_path(path)), "", "config file not found")])
    if region:
        raise ReconcileError(
            f"--region conflicts with {display_path(path)}, which sets a region per target; use --target to pick "
            "targets"
        )
    doc = load_config(path)
    data = doc.data
    check_specs_inside_repository(path, data)
    base = os.path.dirname(path)
    targets = []
    for item in config_expand.expand(doc, units, picked):
        specs = tuple(os.path.normpath(os.path.join(base, p)) for p in item.get("specs", [])) or (sources.dir,)
        configured = bool(item.get("prune", data.get("prune", False)))
        targets.append(
            Target(
                name=item["name"],
                region=item["region"],
                account=item.get("account"),
                role_arn=item.get("role_arn"),
                specs=specs,
                prune=configured if prune is None else prune,
                prune_prefixes=prefixes or tuple(item.get("prune_prefixes", data.get("prune_prefixes", []))),
                max_rps=item.get("max_rps", data.get("max_rps")),
                ignore_changes=tuple(item.get("ignore_changes", data.get("ignore_changes", []))),
                only=only,
            )
        )
    names = [t.name for t in targets]
    if picked:
        unknown = sorted(set(picked) - set(names))
        if unknown:
            raise ReconcileError(
                f"unknown target(s) {', '.join(unknown)}; {display_path(path)} defines {', '.join(names)}"
            )
        return Config([t for t in targets if t.name in picked], path, [t for t in targets if t.name not in picked])
    return Config(targets, path)
