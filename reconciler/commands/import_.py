"""`reconcile import`: write one spec per live connection, secrets as references, and one per
live API destination, in its connection's file when that is imported too.

Values are never written to disk: AWS doesn't return them from DescribeConnection. With
--copy-secret-values they are copied from each connection's managed secret straight
into the Secrets Manager secrets the new specs reference, so the first plan is clean.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.clients import AwsOptions, make_clients
from reconciler.aws.errors import error_code
from reconciler.aws.listing import list_connections, list_destinations
from reconciler.aws.live import describe_all, describe_destinations, read_managed_secrets
from reconciler.errors import ReconcileError, SpecErrors
from reconciler.importer import (
    Imported,
    connection_name,
    import_connection,
    import_destination,
    schema_reference,
    to_yaml,
)
from reconciler.load.discover import display_path
from reconciler.load.specs import load_specs
from reconciler.model import API_DESTINATION, CONNECTION, ReadFailure, Spec
from reconciler.options import ImportCommand
from reconciler.output import out, write_file
from reconciler.validate import validate_specs


def _copy_values(imported: list[Imported], clients: Any, arns: dict[str, str], pool: ThreadPoolExecutor) -> list[str]:
    """Managed secret values → the new source secrets. All read before any is written."""
    managed = read_managed_secrets(clients.secrets, arns, pool)
    failures = [f"{name}: {got.code}" for name, got in managed.items() if isinstance(got, ReadFailure)]
    if failures:
        raise ReconcileError(
            "cannot read the managed secret of: "
            + ", ".join(failures)
            + "; nothing was written (see iam/import-policy.json)"
        )
    lines = []
    for item in imported:
        slots = managed[item.name]
        assert not isinstance(slots, ReadFailure)
        missing = [key for key, slot in item.keys.items() if slot not in slots]
        if missing:
            raise ReconcileError(
                f"{item.name}: its managed secret has no value for {', '.join(missing)}; nothing was written"
            )
        text = json.dumps({key: slots[slot].reveal() for key, slot in item.keys.items()})
        try:
            clients.secrets.create_secret(
                Name=item.secret_name,
                SecretString=text,
                Description=f"Secret values of EventBridge connection {item.name} (reconcile import)",
            )
            lines.append(f"created secret {item.secret_name}")
        except ClientError as exc:
            if error_code(exc) != "ResourceExistsException":
                raise
            clients.secrets.put_secret_value(SecretId=item.secret_name, SecretString=text)
            lines.append(f"updated secret {item.secret_name} (new version)")
        del text
    return lines


def _declared(folder: str) -> list[Spec]:
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


def _layout(
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


def _write_all(folder: str, files: dict[str, str], declared: list[Spec]) -> None:
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


def _kinds(connections: bool, destinations: bool) -> str:
    return " and ".join(k for k, present in (("connection", connections), ("API destination", destinations)) if present)


def command(opts: ImportCommand) -> int:
    clients = make_clients(AwsOptions(region=opts.region, profile=opts.profile, max_workers=max(2, opts.concurrency)))
    prefix = opts.prefix or ""
    names = [c["Name"] for c in list_connections(clients.events, (prefix,) if prefix else ())]
    destination_names = [d["Name"] for d in list_destinations(clients.events) if d["Name"].startswith(prefix)]
    if not names and not destination_names:
        raise ReconcileError(
            f"no live connections or API destinations{' starting with ' + repr(prefix) if prefix else ''} in "
            f"{clients.region}; nothing imported"
        )
    declared = _declared(opts.dir)
    declared_at = {s.key: s.file for s in declared}
    listed = (bool(names), bool(destination_names))
    for name in names:
        if (CONNECTION, name) in declared_at:
            out(f"skipped {name}: already declared in {declared_at[CONNECTION, name]}\n")
    for name in destination_names:
        if (API_DESTINATION, name) in declared_at:
            out(f"skipped API destination {name}: already declared in {declared_at[API_DESTINATION, name]}\n")
    names = [n for n in names if (CONNECTION, n) not in declared_at]
    destination_names = [n for n in destination_names if (API_DESTINATION, n) not in declared_at]
    if not names and not destination_names:
        out(f"\nNothing to import: every live {_kinds(*listed)} is declared in {display_path(opts.dir)} already.\n")
        return 0
    with ThreadPoolExecutor(max_workers=max(2, opts.concurrency)) as pool:
        live = describe_all(clients.events, names, pool)
        live_destinations = [d for d in describe_destinations(clients.events, destination_names, pool).values() if d]
        found = [(import_connection(c.data, opts.secret_name), c.data["ConnectionArn"]) for c in live.values() if c]
        imported = [item for item, _ in found]
        layout = _layout(opts.dir, found, live_destinations, declared, clients.region, clients.account)
        existing = sorted(display_path(p) for p in layout if os.path.exists(p))
        if existing and not opts.overwrite:
            raise ReconcileError(
                f"refusing to overwrite {', '.join(existing)}; pass --overwrite or choose another --dir. Nothing was "
                "written"
            )
        copied = []
        if opts.copy_secret_values and imported:
            arns = {n: c.secret_arn for n, c in live.items() if c is not None and c.secret_arn}
            copied = _copy_values(imported, clients, arns, pool)
    schema = schema_reference(opts.dir)
    texts = {path: to_yaml(f.connection, clients.region, schema, f.destinations) for path, f in layout.items()}
    _write_all(opts.dir, texts, declared)
    for path in layout:
        out(f"wrote {display_path(path)}\n")
    for line in copied:
        out(line + "\n")
    if imported and not opts.copy_secret_values:
        out("\nThe specs reference these secrets, which must hold the values (or rerun with --copy-secret-values):\n")
        for item in imported:
            out(f"  {item.secret_name}: JSON keys {', '.join(sorted(item.keys))}\n")
    count = f"{len(imported)} connection(s)"
    if live_destinations:
        count += f" and {len(live_destinations)} API destination(s)"
    out(
        f"\nImported {count} into {display_path(opts.dir)}; `reconcile validate --dir {display_path(opts.dir)}` "
        "passes.\n"
    )
    return 0
