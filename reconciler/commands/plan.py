"""`reconcile plan` (also `reconcile --plan`): exit 0 in sync, 2 changes pending, 1 error."""

from __future__ import annotations

import argparse

from reconciler.aws.clients import AwsOptions
from reconciler.config import Config, resolve_targets
from reconciler.model import Spec
from reconciler.output import append_file, out
from reconciler.pipeline import Options, Run, build_run
from reconciler.plan import saved
from reconciler.render import RENDERERS

EXIT_IN_SYNC = 0
EXIT_CHANGES = 2


def options_from(args: argparse.Namespace) -> Options:
    aws = AwsOptions(region=args.region, profile=args.profile, max_workers=max(2, args.concurrency))
    return Options(aws=aws, force_secrets=args.force_secrets, verify_secrets=not args.no_verify_secrets)


def config_from(args: argparse.Namespace) -> Config:
    return resolve_targets(args.config, args.dir, args.region, args.target or [], args.prune, args.prune_prefix or [])


def make_plan(args: argparse.Namespace) -> Run:
    return build_run(options_from(args), config_from(args))


def specs_of(run: Run) -> dict[tuple[str, str], Spec]:
    return {(t.name, name): spec for t in run.targets for name, spec in t.specs.items()}


def run(args: argparse.Namespace) -> int:
    result = make_plan(args)
    try:
        out(RENDERERS[args.format](result.plan))
        if args.summary:
            append_file(args.summary, RENDERERS["markdown"](result.plan))
        if args.out:
            saved.save(args.out, result.plan, specs_of(result), saved.options_of(vars(args)))
    finally:
        result.pool.shutdown(wait=False)
    return EXIT_CHANGES if result.plan.has_changes else EXIT_IN_SYNC
