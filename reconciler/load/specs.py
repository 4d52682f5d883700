"""Spec files → `Spec` records (one per YAML document), with every loading problem."""

from __future__ import annotations

from reconciler.errors import Location, Problem
from reconciler.load.discover import display_path, find_spec_files
from reconciler.load.yaml_loader import decode, load_documents
from reconciler.model import Spec


def load_file(path: str) -> tuple[list[Spec], list[Problem]]:
    shown = display_path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
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


def load_specs(root: str) -> tuple[list[Spec], list[Problem]]:
    files, problems = find_spec_files(root)
    specs: list[Spec] = []
    for path in files:
        found, file_problems = load_file(path)
        specs.extend(found)
        problems.extend(file_problems)
    return specs, problems
