"""The pipeline: load → validate → read (per target) → plan. Render and apply read its result.

Only the read step talks to AWS; planning is a pure function of specs and snapshot. Each
target (a region, optionally another account) has its own clients; targets are read side
by side, on the pool the command owns.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase

from reconciler.aws.clients import AwsOptions, Clients, make_clients
from reconciler.aws.organizations import read_units
from reconciler.aws.rate import DEFAULT_EVENTBRIDGE_RPS
from reconciler.config import Config, Target, resolve_targets
from reconciler.errors import Problem, ReconcileError, SpecErrors
from reconciler.load.specs import load_specs
from reconciler.model import Place, Plan, ResourcePlan, Spec, counted
from reconciler.options import PlanOptions
from reconciler.plan.target import plan_target
from reconciler.read.snapshot import Snapshot, read_target
from reconciler.validate import validate_specs

log = logging.getLogger(__name__)


@dataclass
class TargetPlan:
    """One target's plan and everything it was made from; apply writes from this."""

    target: Target
    clients: Clients
    specs: dict[tuple[str, str], Spec]  # by (type, name)
    snapshot: Snapshot
    plans: list[ResourcePlan]

    @property
    def name(self) -> str:
        return self.target.name


@dataclass
class Planned:
    plan: Plan
    targets: list[TargetPlan]
    config: str | None = None  # the reconcile.yaml in use, if any

    def specs(self) -> dict[tuple[str, str, str], Spec]:
        """Every spec planned, by (target, type, name)."""
        return {(t.name, *key): spec for t in self.targets for key, spec in t.specs.items()}


def config_of(options: PlanOptions) -> Config:
    prune = True if options.prune else False if options.no_prune else None
    units = functools.partial(read_units, profile=options.profile)  # reconcile.yaml's organizational_units
    return resolve_targets(options.sources, options.region, prune, options.prune_prefixes, options.only, units)


def load_valid_specs(specs_dir: str) -> list[Spec]:
    """The specs of one folder, validated (the sandbox's entry point)."""
    return load_target_specs(Config([Target("default", specs=(specs_dir,))]))["default"]


def load_target_specs(config: Config) -> dict[str, list[Spec]]:
    """Specs per target, validated; every problem of every target reported at once."""
    by_target: dict[str, list[Spec]] = {}
    problems: list[Problem] = []
    skip = frozenset({os.path.abspath(config.path)} if config.path else ())
    for target in config.targets:
        specs: list[Spec] = []
        for path in target.specs:
            found, load_problems = load_specs(path, skip)
            specs += found
            problems += load_problems
        for spec in specs:
            spec.target = target.name
        problems += validate_specs(specs)
        by_target[target.name] = specs
    if problems:
        # A folder shared by two targets would report each problem twice.
        raise SpecErrors(list({str(p): p for p in problems}.values()))
    return by_target


# Called with each target's name and place before anything is read there; raises to refuse.
PlaceCheck = Callable[[str, Place], None]


def _plan_one(
    target: Target, declared: list[Spec], options: PlanOptions, pool: ThreadPoolExecutor, check: PlaceCheck | None
) -> TargetPlan:
    if target.prune and not declared:
        raise ReconcileError(
            f"refusing to prune target {target.name}: its specs folder holds no specs, and pruning would delete every "
            "connection"
        )
    aws = AwsOptions(
        target=target.name,
        region=target.region or options.region,
        profile=options.profile,
        role_arn=target.role_arn,
        account=target.account,
        max_workers=options.concurrency,
        max_rps=options.max_rps or target.max_rps or DEFAULT_EVENTBRIDGE_RPS,
    )
    clients = make_clients(aws)
    if check is not None:
        check(target.name, Place(clients.account or None, clients.region))
    specs = [s for s in declared if target.selects(s.name)]
    role = f", role {target.role_arn}" if target.role_arn else ""
    log.info("target %s: region %s%s, %s to plan", target.name, clients.region, role, counted(specs))
    read_managed = options.verify_secrets and not options.force_secrets
    snapshot = read_target(target, specs, clients, read_managed, pool)
    keys = {s.key for s in declared}
    plans = plan_target(target, specs, snapshot, options.force_secrets, options.verify_secrets, keys)
    return TargetPlan(target, clients, {s.key: s for s in specs}, snapshot, plans)


def build_plan(options: PlanOptions, pool: ThreadPoolExecutor, check: PlaceCheck | None = None) -> Planned:
    """The plan for every target; `check` may refuse a target's place before anything is read there."""
    config = config_of(options)
    declared = load_target_specs(config)
    if not any(declared.values()) and not any(t.prune for t in config.targets):
        raise ReconcileError("no connection specs found in " + ", ".join(p for t in config.targets for p in t.specs))
    if not any(t.prune for t in config.targets):
        # Without pruning only declared connections can match: say so before any AWS call.
        _refuse_unmatched(config, {s.name for specs in declared.values() for s in specs})
    if len(config.targets) == 1:
        single = config.targets[0]
        planned = [_plan_one(single, declared[single.name], options, pool, check)]
    else:
        # Targets run side by side, each with its own budget: its own rate cap (per account and
        # region) and its own pool, so one target's reads, waiting their turn at its cap, never
        # hold the threads another target's reads need. The command's pool runs the targets.
        with ExitStack() as stack:
            pools = [stack.enter_context(read_pool(options)) for _ in config.targets]
            futures = [
                pool.submit(_plan_one, t, declared[t.name], options, own, check)
                for t, own in zip(config.targets, pools)
            ]
            planned = [f.result() for f in futures]
    places = {t.name: Place(t.clients.account or None, t.clients.region) for t in planned}
    plan = Plan([c for t in planned for c in t.plans], targets=[t.name for t in config.targets], places=places)
    _refuse_unmatched(config, {c.name for c in plan.resources})
    return Planned(plan, planned, config.path)


def _refuse_unmatched(config: Config, names: set[str]) -> None:
    """Each --only pattern must pick something: a declared connection, or one to prune."""
    patterns = config.targets[0].only if config.targets else ()
    unmatched = [p for p in patterns if not any(fnmatchcase(n, p) for n in names)]
    if unmatched:
        what = "declared connection" + (" and no connection to prune" if any(t.prune for t in config.targets) else "")
        raise ReconcileError(
            f"--only {', '.join(repr(p) for p in unmatched)} matches no {what}; nothing was planned. Names are "
            "matched whole, with shell-style wildcards (* ? [...]), e.g. --only 'stripe-*'"
        )


@contextmanager
def read_pool(options: PlanOptions) -> Iterator[ThreadPoolExecutor]:
    """The pool a command owns for the AWS reads of its plan. However the block ends, no
    thread outlives it: reads not yet started are cancelled, those in flight finish."""
    pool = ThreadPoolExecutor(max_workers=max(2, options.concurrency), thread_name_prefix="reconcile")
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
