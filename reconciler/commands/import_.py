"""`reconcile import`: write one spec per live connection, secrets as references.

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
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.clients import AwsOptions, make_clients
from reconciler.aws.errors import error_code
from reconciler.aws.listing import list_connections
from reconciler.aws.live import describe_all, read_managed_secrets
from reconciler.errors import ReconcileError, SpecErrors
from reconciler.importer import Imported, import_connection, schema_reference, to_yaml
from reconciler.load.discover import display_path
from reconciler.load.specs import load_specs
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


def _declared(folder: str) -> dict[str, str]:
    """Connections the folder's specs already declare (name → file): import leaves them alone."""
    if not os.path.isdir(folder):
        return {}
    specs, problems = load_specs(folder)
    if problems:
        raise SpecErrors(problems)
    return {s.name: s.file for s in specs}


def _write_all(folder: str, files: dict[str, str]) -> None:
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
        load_valid_specs(staging)  # what import writes must pass validate
        for path in files:
            os.replace(os.path.join(staging, os.path.basename(path)), path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def command(opts: ImportCommand) -> int:
    clients = make_clients(AwsOptions(region=opts.region, profile=opts.profile, max_workers=max(2, opts.concurrency)))
    names = [c["Name"] for c in list_connections(clients.events, (opts.prefix,) if opts.prefix else ())]
    if not names:
        raise ReconcileError(
            f"no live connections{' starting with ' + repr(opts.prefix) if opts.prefix else ''} in {clients.region}; "
            "nothing imported"
        )
    declared = _declared(opts.dir)
    skipped = [n for n in names if n in declared]
    names = [n for n in names if n not in declared]
    for name in skipped:
        out(f"skipped {name}: already declared in {declared[name]}\n")
    if not names:
        out(f"\nNothing to import: every live connection is declared in {display_path(opts.dir)} already.\n")
        return 0
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
    texts = {item.name: to_yaml(item, clients.region, schema_reference(opts.dir)) for item in imported}
    _write_all(opts.dir, {paths[name]: text for name, text in texts.items()})
    for item in imported:
        out(f"wrote {display_path(paths[item.name])}\n")
    for line in copied:
        out(line + "\n")
    if not opts.copy_secret_values:
        out("\nThe specs reference these secrets, which must hold the values (or rerun with --copy-secret-values):\n")
        for item in imported:
            out(f"  {item.secret_name}: JSON keys {', '.join(sorted(item.keys))}\n")
    out(
        f"\nImported {len(imported)} connection(s) into {display_path(opts.dir)}; `reconcile validate --dir "
        f"{display_path(opts.dir)}` passes.\n"
    )
    return 0
