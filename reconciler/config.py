"""Targets: which specs go to which region and account. From `reconcile.yaml`, or one default."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from reconciler.errors import Location, Problem, ReconcileError, SpecErrors
from reconciler.load.discover import display_path
from reconciler.load.yaml_loader import Document, decode, dotted, load_documents

CONFIG_FILE = "reconcile.yaml"


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

    def prunes(self, name: str) -> bool:
        """Whether pruning may delete a live connection of this name (when no spec declares it)."""
        return self.prune and (not self.prune_prefixes or name.startswith(self.prune_prefixes))


@dataclass
class Config:
    targets: list[Target] = field(default_factory=list)


@functools.cache
def _validator() -> Draft202012Validator:
    text = resources.files("reconciler").joinpath("schemas", "config.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def load_config(path: str) -> dict[str, Any]:
    shown = display_path(path)
    with open(path, "rb") as handle:
        text, problems = decode(handle.read(), shown)
    documents: list[Document] = []
    if text is not None:
        documents, problems = load_documents(text, shown)
    if not problems and len(documents) != 1:
        problems = [Problem(Location(shown), "", "the config file must hold exactly one YAML document")]
    if problems:
        raise SpecErrors(problems)
    doc = documents[0]
    found = []
    for error in _validator().iter_errors(doc.data):
        where = tuple(error.absolute_path)
        loc = next((doc.positions[where[:i]] for i in range(len(where), -1, -1) if where[:i] in doc.positions), None)
        found.append(Problem(loc or doc.positions[()], dotted(where), error.message))
    if found:
        raise SpecErrors(found)
    data: dict[str, Any] = doc.data
    return data


def resolve_targets(
    config_path: str | None, specs_dir: str, region: str | None, only: list[str], prune: bool, prefixes: list[str]
) -> Config:
    """The targets of this run. Command-line --prune/--prune-prefix apply to every target."""
    path = config_path or (CONFIG_FILE if os.path.exists(CONFIG_FILE) else None)
    if path is None:
        if set(only) - {"default"}:
            extra = ", ".join(sorted(set(only) - {"default"}))
            raise ReconcileError(f"unknown target(s) {extra}: without {CONFIG_FILE} the only target is 'default'")
        return Config([Target("default", region, specs=(specs_dir,), prune=prune, prune_prefixes=tuple(prefixes))])
    if not os.path.exists(path):
        raise SpecErrors([Problem(Location(display_path(path)), "", "config file not found")])
    if region:
        raise ReconcileError(
            f"--region conflicts with {display_path(path)}, which sets a region per target; use --target to pick "
            "targets"
        )
    data = load_config(path)
    base = os.path.dirname(path)
    targets = []
    for item in data["targets"]:
        specs = tuple(os.path.normpath(os.path.join(base, p)) for p in item.get("specs", [])) or (specs_dir,)
        targets.append(
            Target(
                name=item["name"],
                region=item["region"],
                account=item.get("account"),
                role_arn=item.get("role_arn"),
                specs=specs,
                prune=prune or bool(item.get("prune", data.get("prune", False))),
                prune_prefixes=tuple(prefixes) or tuple(item.get("prune_prefixes", data.get("prune_prefixes", []))),
                max_rps=item.get("max_rps", data.get("max_rps")),
            )
        )
    names = [t.name for t in targets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ReconcileError(f"{display_path(path)}: target names must be unique: {', '.join(duplicates)}")
    if only:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ReconcileError(
                f"unknown target(s) {', '.join(unknown)}; {display_path(path)} defines {', '.join(names)}"
            )
        targets = [t for t in targets if t.name in only]
    return Config(targets)
