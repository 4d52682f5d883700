"""`reconcile import`: write one spec per live connection, secrets as references, and one per
live API destination, in its connection's file when that is imported too.

Values are never written to disk: AWS doesn't return them from DescribeConnection. With
--copy-secret-values they are copied from each connection's managed secret straight
into the Secrets Manager secrets the new specs reference, so the first plan is clean.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from reconciler.aws.clients import AwsOptions, make_clients
from reconciler.aws.listing import list_connections, list_destinations
from reconciler.aws.live import describe_all, describe_destinations
from reconciler.errors import ReconcileError
from reconciler.importing import files, read_back, secrets
from reconciler.importing.naming import check_secret_name
from reconciler.importing.specs import import_connection
from reconciler.importing.yaml_out import schema_reference, to_yaml
from reconciler.load.discover import display_path
from reconciler.model import API_DESTINATION, CONNECTION
from reconciler.options import ImportCommand
from reconciler.output import out


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
    declared = files.declared_specs(opts.dir)
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
        for item in imported:
            check_secret_name(item.secret_name, f"connection {item.name!r}")
        layout = files.layout(opts.dir, found, live_destinations, declared, clients.region, clients.account)
        existing = sorted(display_path(p) for p in layout if os.path.exists(p))
        if existing and not opts.overwrite:
            raise ReconcileError(
                f"refusing to overwrite {', '.join(existing)}; pass --overwrite or choose another --dir. Nothing was "
                "written"
            )
        values: secrets.Values = {}
        if opts.copy_secret_values and imported:
            arns = {n: c.secret_arn for n, c in live.items() if c is not None and c.secret_arn}
            values = secrets.read_values(imported, clients, arns, pool)
    schema = schema_reference(opts.dir)
    texts = {path: to_yaml(f.connection, clients.region, schema, f.destinations) for path, f in layout.items()}
    expected = {
        path: read_back.written_keys(f.connection.name if f.connection else None, [d["Name"] for d in f.destinations])
        for path, f in layout.items()
    }
    copied = []
    with files.written(opts.dir, texts, declared):
        # Plan must find every imported resource before a secret is created for it; an error
        # here or in a secret write takes the files out again.
        read_back.check(opts.dir, expected)
        if values:
            copied = secrets.store_values(imported, values, clients)
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
