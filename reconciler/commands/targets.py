"""`reconcile targets`: the targets of this repository, e.g. for a GitHub Actions matrix;
with --batches N, at most N balanced batches of them (reconciler/batches.py).

Targets over several regions and accounts are listed one per place; those over organizational
units read their accounts from AWS Organizations (aws/organizations.py), and only those do."""

from __future__ import annotations

import functools
import json

from reconciler.aws.organizations import read_units
from reconciler.batches import Item, balance
from reconciler.config import Target, resolve_targets
from reconciler.errors import ReconcileError
from reconciler.load.specs import load_specs
from reconciler.options import TargetsCommand
from reconciler.output import out


def documents(target: Target) -> int:
    """The spec documents a target declares (no AWS call); unreadable specs count as none,
    as plan and validate report them."""
    count = 0
    for folder in target.specs:
        try:
            specs, _ = load_specs(folder)
        except ReconcileError:
            continue
        count += len(specs)
    return count


def command(opts: TargetsCommand) -> int:
    config = resolve_targets(opts.sources, units=functools.partial(read_units, profile=opts.profile))
    if opts.batches is not None:
        items = [Item(t.name, (t.declared_account or "", t.region or ""), documents(t)) for t in config.targets]
        batches = [" ".join(names) for names in balance(items, opts.batches)]
        if opts.format == "json":
            out(json.dumps(batches) + "\n")
        else:
            for number, batch in enumerate(batches, 1):
                out(f"batch {number}\t{batch}\n")
        return 0
    names = [t.name for t in config.targets]
    if opts.format == "json":
        out(json.dumps(names) + "\n")
    else:
        for target in config.targets:
            region = target.region or "(boto3 default region)"
            account = target.account or "(credentials' account)"
            out(f"{target.name}\t{region}\t{account}\t{', '.join(target.specs)}\n")
    return 0
