"""`reconcile import`: write one spec per live connection, secrets as references.

Values are never written to disk: AWS doesn't return them from DescribeConnection. With
--copy-secret-values they are copied from each connection's managed secret straight
into the Secrets Manager secrets the new specs reference, so the first plan is clean.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.clients import AwsOptions, make_clients
from reconciler.aws.errors import error_code
from reconciler.aws.listing import list_connections
from reconciler.aws.live import describe_all, read_managed_secrets
from reconciler.errors import ReconcileError
from reconciler.importer import Imported, import_connection, to_yaml
from reconciler.load.discover import display_path
from reconciler.model import ReadFailure
from reconciler.options import ImportCommand
from reconciler.output import out, write_file
from reconciler.pipeline import load_valid_specs


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


def command(opts: ImportCommand) -> int:
    clients = make_clients(AwsOptions(region=opts.region, profile=opts.profile, max_workers=max(2, opts.concurrency)))
    names = [c["Name"] for c in list_connections(clients.events, (opts.prefix,) if opts.prefix else ())]
    if not names:
        raise ReconcileError(
            f"no live connections{' starting with ' + repr(opts.prefix) if opts.prefix else ''} in {clients.region}; "
            "nothing imported"
        )
    with ThreadPoolExecutor(max_workers=max(2, opts.concurrency)) as pool:
        live = describe_all(clients.events, names, pool)
        imported = [import_connection(data.data, opts.secret_name) for data in live.values() if data is not None]
        paths = {item.name: os.path.join(opts.dir, f"{item.name}.yaml") for item in imported}
        existing = sorted(display_path(p) for p in paths.values() if os.path.exists(p))
        if existing and not opts.overwrite:
            raise ReconcileError(
                f"refusing to overwrite {', '.join(existing)}; pass --overwrite or choose another --dir. Nothing was "
                "written"
            )
        copied = []
        if opts.copy_secret_values:
            arns = {n: c.secret_arn for n, c in live.items() if c is not None and c.secret_arn}
            copied = _copy_values(imported, clients, arns, pool)
    os.makedirs(opts.dir, exist_ok=True)
    for item in imported:
        write_file(paths[item.name], to_yaml(item, f"{clients.region}"))
        out(f"wrote {display_path(paths[item.name])}\n")
    for line in copied:
        out(line + "\n")
    if not opts.copy_secret_values:
        out("\nThe specs reference these secrets, which must hold the values (or rerun with --copy-secret-values):\n")
        for item in imported:
            out(f"  {item.secret_name}: JSON keys {', '.join(sorted(item.keys))}\n")
    load_valid_specs(opts.dir)  # what import writes must pass validate
    out(
        f"\nImported {len(imported)} connection(s) into {display_path(opts.dir)}; `reconcile validate --dir "
        f"{display_path(opts.dir)}` passes.\n"
    )
    return 0
