"""`reconcile targets`: the targets of this repository, e.g. for a GitHub Actions matrix."""

from __future__ import annotations

import argparse
import json

from reconciler.config import resolve_targets
from reconciler.output import out


def run(args: argparse.Namespace) -> int:
    config = resolve_targets(args.config, args.dir, None, [], False, [])
    names = [t.name for t in config.targets]
    if args.format == "json":
        out(json.dumps(names) + "\n")
    else:
        for target in config.targets:
            out(f"{target.name}\t{target.region or '(boto3 default region)'}\t{', '.join(target.specs)}\n")
    return 0
