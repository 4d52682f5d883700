"""`reconcile targets`: the targets of this repository, e.g. for a GitHub Actions matrix."""

from __future__ import annotations

import json

from reconciler.config import resolve_targets
from reconciler.options import TargetsCommand
from reconciler.output import out


def command(opts: TargetsCommand) -> int:
    config = resolve_targets(opts.sources)
    names = [t.name for t in config.targets]
    if opts.format == "json":
        out(json.dumps(names) + "\n")
    else:
        for target in config.targets:
            out(f"{target.name}\t{target.region or '(boto3 default region)'}\t{', '.join(target.specs)}\n")
    return 0
