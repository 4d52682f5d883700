"""`reconcile plan` (also `reconcile --plan`): exit 0 in sync, 2 changes pending, 1 error."""

from __future__ import annotations

import argparse

from reconciler.aws.clients import AwsOptions
from reconciler.output import append_file, out
from reconciler.pipeline import Options, Run, build_run
from reconciler.render import RENDERERS

EXIT_IN_SYNC = 0
EXIT_CHANGES = 2


def options_from(args: argparse.Namespace) -> Options:
    aws = AwsOptions(region=args.region, profile=args.profile, max_workers=max(2, args.concurrency))
    return Options(
        specs_dir=args.dir,
        aws=aws,
        force_secrets=getattr(args, "force_secrets", False),
        verify_secrets=not getattr(args, "no_verify_secrets", False),
    )


def make_plan(args: argparse.Namespace) -> Run:
    return build_run(options_from(args))


def run(args: argparse.Namespace) -> int:
    result = make_plan(args)
    try:
        out(RENDERERS[args.format](result.plan))
        if args.summary:
            append_file(args.summary, RENDERERS["markdown"](result.plan))
    finally:
        result.pool.shutdown(wait=False)
    return EXIT_CHANGES if result.plan.has_changes else EXIT_IN_SYNC
