"""`reconcile targets`: the targets of this repository, e.g. for a GitHub Actions matrix.

Targets over several regions and accounts are listed one per place; those over organizational
units read their accounts from AWS Organizations (aws/organizations.py), and only those do."""

from __future__ import annotations

import functools
import json

from reconciler.aws.organizations import read_units
from reconciler.config import resolve_targets
from reconciler.options import TargetsCommand
from reconciler.output import out


def command(opts: TargetsCommand) -> int:
    config = resolve_targets(opts.sources, units=functools.partial(read_units, profile=opts.profile))
    names = [t.name for t in config.targets]
    if opts.format == "json":
        out(json.dumps(names) + "\n")
    else:
        for target in config.targets:
            region = target.region or "(boto3 default region)"
            account = target.account or "(credentials' account)"
            out(f"{target.name}\t{region}\t{account}\t{', '.join(target.specs)}\n")
    return 0
