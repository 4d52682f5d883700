"""Command line: `main(argv) -> int`, one boundary that turns errors into messages."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from reconciler import __version__
from reconciler.aws.errors import describe_error
from reconciler.commands import apply, plan, schema, show, targets, validate
from reconciler.crash import EXIT_INTERNAL, advice, record_crash
from reconciler.errors import Location, Problem, ReconcileError, SpecErrors
from reconciler.importing import command as import_
from reconciler.importing.specs import DEFAULT_SECRET_NAME
from reconciler.options import (
    DEFAULT_DIR,
    DEFAULT_TARGET_CONCURRENCY,
    ApplyCommand,
    ImportCommand,
    PlanCommand,
    PlanOptions,
    ShowCommand,
    Sources,
    TargetsCommand,
    ValidateCommand,
)
from reconciler.output import err, out, setup_logging
from reconciler.progress import PROGRESS
from reconciler.render.json_format import render_errors
from reconciler.secrets.redact import REDACTOR

log = logging.getLogger("reconciler")


class UsageError(ReconcileError):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on usage errors, which scripts would read as "changes pending".
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


DIR_HELP = (
    "specs folder (default: $RECONCILE_DIR, else connections); reconcile.yaml is looked for in it and its parents, "
    "and --dir is an error when one is found"
)


REGION_HELP = "AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region)"
PROFILE_HELP = "AWS profile (default: the boto3 chain)"
CONCURRENCY_HELP = "AWS reads in flight at once, per target (default 16)"


def _common(parser: argparse.ArgumentParser, aws: bool = True) -> None:
    parser.add_argument("--dir", help=DIR_HELP)
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging: -v, -vv, -vvv (botocore, redacted)"
    )
    if aws:
        parser.add_argument(
            "-q", "--quiet", action="store_true", help="no progress line on stderr while connections are read"
        )
        parser.add_argument("--region", help=REGION_HELP)
        parser.add_argument("--profile", help=PROFILE_HELP)
        parser.add_argument("--concurrency", type=int, default=16, help=CONCURRENCY_HELP)
        parser.add_argument(
            "--target-concurrency",
            type=int,
            default=DEFAULT_TARGET_CONCURRENCY,
            metavar="N",
            help=f"targets read and planned at once (default {DEFAULT_TARGET_CONCURRENCY})",
        )
        parser.add_argument(
            "--force-secrets", action="store_true", help="push every secret value, whether or not it is known to differ"
        )
        parser.add_argument(
            "--no-verify-secrets",
            action="store_true",
            help="don't read the connections' managed secrets (plan says secrets are unverified)",
        )
        parser.add_argument("--config", help=CONFIG_HELP)
        parser.add_argument(
            "--target",
            action="append",
            metavar="NAME",
            help="only this target (region/account) of reconcile.yaml (repeatable); --only picks connections and "
            "API destinations",
        )
        parser.add_argument(
            "--only",
            action="append",
            metavar="NAME",
            help="only connections and API destinations whose name matches NAME, a shell-style pattern such as "
            "'stripe-*' (repeatable; deletions under --prune too); --target picks targets of reconcile.yaml",
        )
        pruning = parser.add_mutually_exclusive_group()
        pruning.add_argument(
            "--prune",
            action="store_true",
            help="delete live connections (and, where specs declare any, API destinations) that no spec declares",
        )
        pruning.add_argument(
            "--no-prune", action="store_true", help="never delete, even where reconcile.yaml says prune: true"
        )
        parser.add_argument(
            "--prune-prefix",
            action="append",
            metavar="P",
            help="prune only names starting with P (repeatable); implies --prune",
        )
        parser.add_argument(
            "--max-rps",
            type=_positive,
            metavar="N",
            help="EventBridge requests per second per target, reads and writes together "
            "(default 45, or max_rps in reconcile.yaml)",
        )


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"must be a number of requests per second above 0, not {text!r}")
    return value


def _batches(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError(f"must be a whole number of batches, 1 or more, not {text!r}")
    return int(text)


CONFIG_HELP = "repository config mapping specs to targets (default: reconcile.yaml in the specs folder or a parent)"


def _sources(args: argparse.Namespace) -> Sources:
    folder = args.dir or os.environ.get("RECONCILE_DIR") or DEFAULT_DIR
    return Sources(folder, args.config, tuple(getattr(args, "target", None) or ()), dir_given=args.dir is not None)


def _plan_options(args: argparse.Namespace) -> PlanOptions:
    if args.no_prune and args.prune_prefix:
        raise UsageError(
            f"argument --no-prune: not allowed with argument --prune-prefix (see reconcile {args.command} --help)"
        )
    return PlanOptions(
        sources=_sources(args),
        region=args.region,
        profile=args.profile,
        prune=args.prune or bool(args.prune_prefix),
        no_prune=args.no_prune,
        prune_prefixes=tuple(args.prune_prefix or ()),
        only=tuple(args.only or ()),
        force_secrets=args.force_secrets,
        verify_secrets=not args.no_verify_secrets,
        concurrency=max(2, args.concurrency),
        target_concurrency=max(1, args.target_concurrency),
        max_rps=args.max_rps,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reconcile", description="Declarative reconciler for Amazon EventBridge connections.")
    parser.add_argument("--version", action="version", version=f"reconcile {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check specs against the schema and rules; no AWS access")
    _common(p, aws=False)
    p.add_argument("--config", help=CONFIG_HELP)
    p.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text (default); github: workflow commands that annotate the lines in a pull request; "
        "json: the errors on stdout",
    )
    p.set_defaults(func=lambda a: validate.command(ValidateCommand(_sources(a), a.format)))

    p = sub.add_parser("plan", help="show what apply would change (exit 0 in sync, 2 changes, 1 error)")
    _common(p)
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), json (for scripts) or markdown (for a pull request comment)",
    )
    p.add_argument(
        "--summary", metavar="FILE", help="also append the markdown plan to FILE (e.g. $GITHUB_STEP_SUMMARY)"
    )
    p.add_argument("--out", metavar="FILE", help="save the plan for `reconcile apply FILE` (holds no secret values)")
    p.set_defaults(func=lambda a: plan.command(PlanCommand(_plan_options(a), a.format, a.summary, a.out)))

    p = sub.add_parser("apply", help="write drifted connections and API destinations, and create missing ones")
    _common(p)
    p.add_argument(
        "plan_file",
        nargs="?",
        metavar="PLAN",
        help="a plan saved by `reconcile plan --out`: apply exactly that, or refuse if it is stale",
    )
    p.add_argument(
        "--force-delete-in-use",
        action="store_true",
        help="with --prune: delete connections even when API destinations use them",
    )
    p.add_argument("--yes", "-y", action="store_true", help="don't ask for confirmation")
    p.add_argument(
        "--wait-timeout", type=float, default=300.0, help="seconds to wait for each connection to settle (default 300)"
    )
    p.add_argument(
        "--summary",
        metavar="FILE",
        help="also append the plan and each result, in markdown, to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text, or json: each result and the counts on stdout, the plan and progress on stderr",
    )
    p.set_defaults(
        func=lambda a: apply.command(
            ApplyCommand(
                _plan_options(a), a.plan_file, a.yes, a.wait_timeout, a.summary, a.force_delete_in_use, a.format
            )
        )
    )

    p = sub.add_parser("show", help="print a plan saved by `reconcile plan --out`; no AWS access")
    p.add_argument("plan_file", metavar="PLAN", help="the saved plan")
    p.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), json (for scripts) or markdown (for a pull request comment)",
    )
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    p.set_defaults(func=lambda a: show.command(ShowCommand(a.plan_file, a.format)))

    p = sub.add_parser(
        "import", help="write a spec for each live connection and API destination (secrets as references)"
    )
    p.add_argument("--dir", required=True, help="folder to write specs into")
    p.add_argument("--prefix", help="only connections and API destinations whose name starts with this")
    p.add_argument(
        "--secret-name",
        default=DEFAULT_SECRET_NAME,
        help="Secrets Manager name for each connection's secret values (default: %(default)s)",
    )
    p.add_argument(
        "--copy-secret-values",
        action="store_true",
        help="copy current values from each connection's managed secret into those secrets",
    )
    p.add_argument("--overwrite", action="store_true", help="replace spec files that already exist")
    p.add_argument("--region", help=REGION_HELP)
    p.add_argument("--profile", help=PROFILE_HELP)
    p.add_argument("--concurrency", type=int, default=16, help=CONCURRENCY_HELP)
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging: -v, -vv, -vvv (botocore, redacted)"
    )
    p.set_defaults(
        func=lambda a: import_.command(
            ImportCommand(
                a.dir, a.prefix, a.secret_name, a.copy_secret_values, a.overwrite, a.region, a.profile, a.concurrency
            )
        )
    )

    p = sub.add_parser("targets", help="list the targets (regions/accounts) of reconcile.yaml")
    p.add_argument("--dir", help=DIR_HELP)
    p.add_argument("--config", help=CONFIG_HELP)
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default), or json: the target names as one JSON list (for a job matrix)",
    )
    p.add_argument(
        "--batches",
        type=_batches,
        metavar="N",
        help="split the targets into at most N batches of about equal work (spec documents), each account and "
        "region in one batch; json: a list of space-separated names, one per job",
    )
    p.add_argument("--profile", help="AWS profile to read organizational_units with (default: the boto3 chain)")
    p.set_defaults(
        func=lambda a: targets.command(TargetsCommand(_sources(a), a.format, a.batches, a.profile)), verbose=0
    )

    p = sub.add_parser("schema", help="print the spec JSON Schema (connections and API destinations)")
    p.set_defaults(func=lambda a: schema.command(), verbose=0)
    return parser


def _normalize_argv(argv: Sequence[str]) -> list[str]:
    """`reconcile --plan ...` is `reconcile plan ...`."""
    args = list(argv)
    if "--plan" in args:
        args.remove("--plan")
        args.insert(0, "plan")
    return args


# A plan allocates millions of small objects (parsed YAML, JSON replies) that reference
# counting frees; at the default gen-0 threshold of 700 the cycle collector ran 765 times
# in a plan of 3,000 connections, 0.14 ms of CPU per connection. 50,000 still bounds
# cyclic garbage, for 0.04 ms.
GC_THRESHOLD = 50_000


def _json_errors(wanted: bool, problems: list[Problem]) -> None:
    """With --format json a failed run still prints JSON on stdout: its errors (the lines on
    stderr say the same for people)."""
    if wanted:
        out(render_errors(problems))


def main(argv: Sequence[str] | None = None) -> int:
    saved_gc = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *saved_gc[1:])
    json_errors = False
    try:
        args = build_parser().parse_args(_normalize_argv(sys.argv[1:] if argv is None else argv))
        # validate --format json reports spec errors itself (they don't reach here); the rest get them here.
        json_errors = getattr(args, "format", None) == "json"
        setup_logging(args.verbose)
        PROGRESS.enabled = not getattr(args, "quiet", False)
        code: int = args.func(args)
        return code
    except SpecErrors as exc:
        for problem in exc.problems:
            err(str(problem))
        files = len({p.location.file for p in exc.problems})
        err(f"reconcile: {len(exc.problems)} error(s) in {files} file(s); nothing was written to AWS")
        _json_errors(json_errors, exc.problems)
        return exc.exit_code
    except ReconcileError as exc:
        err(f"reconcile: error: {exc}")
        _json_errors(json_errors, [Problem(Location(""), "", str(exc))])
        return exc.exit_code
    except (ClientError, BotoCoreError) as exc:
        err(f"reconcile: error: {describe_error(exc)}")
        _json_errors(json_errors, [Problem(Location(""), "", describe_error(exc))])
        return 1
    except KeyboardInterrupt:
        err("reconcile: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place unexpected errors are caught
        message = f"internal error: {type(exc).__name__}, {advice(record_crash(exc))}"
        err(f"reconcile: {message}")
        _json_errors(json_errors, [Problem(Location(""), "", message)])
        return EXIT_INTERNAL
    finally:
        # Secret values are needed only for the run that read them.
        REDACTOR.clear()
        gc.set_threshold(*saved_gc)


def main_entry() -> NoReturn:
    sys.exit(main())
