"""The YAML text of a spec file `reconcile import` writes, and the editor schema line."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import yaml

from reconciler.importing.specs import Imported


class _Dumper(yaml.SafeDumper):
    """Block style, keys in API order; a subclass so no global representer changes."""


SCHEMA_FILE = os.path.join("schemas", "connection.schema.json")


def schema_reference(folder: str) -> str | None:
    """The editor schema file as seen from `folder`: the nearest schemas/connection.schema.json
    in it or a folder above (a specs repository keeps one, `reconcile schema` writes it)."""
    here = os.path.abspath(folder)
    while True:
        candidate = os.path.join(here, SCHEMA_FILE)
        if os.path.isfile(candidate):
            return os.path.relpath(candidate, os.path.abspath(folder)).replace(os.sep, "/")
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _dump(document: dict[str, Any]) -> str:
    return yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
    )


def to_yaml(
    imported: Imported | None, origin: str, schema: str | None = None, destinations: Sequence[dict[str, Any]] = ()
) -> str:
    """One spec file: a connection and the API destinations that use it, or API destinations
    alone; one YAML document each, `---` between them."""
    # The modeline editors read (yaml-language-server), as in the hand-written specs.
    modeline = f"# yaml-language-server: $schema={schema}\n" if schema else ""
    header = modeline + f"# Imported by `reconcile import` from {origin}."
    if imported is None:
        header += "\n"
    else:
        header += (
            " Secret values live in Secrets Manager\n"
            f"# secret {imported.secret_name} (JSON keys: {', '.join(sorted(imported.keys))}).\n"
        )
    documents = ([imported.spec] if imported is not None else []) + list(destinations)
    return header + "---\n".join(_dump(document) for document in documents)
