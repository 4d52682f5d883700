"""The pipeline: load → validate → read (per target) → plan. Render and apply read its result.

Only the identity and read steps talk to AWS; planning is a pure function of specs and
snapshot. Each target (a region, optionally another account) has its own session and
clients; the targets at one place (account and region) share one budget (rate caps, write
retry quota). Targets are read side by side, on the pool the command owns.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.clients import AwsOptions, Budget, Clients, connect
from reconciler.aws.errors import describe_error
from reconciler.aws.organizations import read_units
from reconciler.aws.rate import DEFAULT_EVENTBRIDGE_RPS
from reconciler.config import Config, Target, resolve_targets
from reconciler.errors import Problem, ReconcileError, SpecErrors
from reconciler.load.specs import RunBudget, load_specs
from reconciler.model import API_DESTINATION, CONNECTION, Place, Plan, ResourcePlan, Spec, counted
from reconciler.options import PlanOptions
from reconciler.plan.places import neighbours, refuse_overlapping_prunes
from reconciler.plan.target import plan_target
from reconciler.progress import PROGRESS
from reconciler.read.step import Snapshot, read_target
from reconciler.untrusted import visible
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

    def report_failures(self) -> list[str]:
        """One line per problem of each target that could not be planned, naming the target."""
        return [
            f"reconcile: target {visible(name)}: {visible(line, backslash=False)}"
            for name, why in self.plan.failed.items()
            for line in why.splitlines()
        ]

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
    budget = RunBudget()  # the run's limits on spec files and bytes, over every target
    for target in config.targets:
        specs: list[Spec] = []
        for path in target.specs:
            found, load_problems = load_specs(path, skip, budget)
            specs += found
            problems += load_problems
        for spec in specs:
            spec.target = target.name
        by_target[target.name] = specs
    # After every target is loaded: an error can name the target that does declare a connection.
    declared = {name: [s.name for s in specs if s.type == CONNECTION] for name, specs in by_target.items()}
    for specs in by_target.values():
        problems += validate_specs(specs, declared)
    if problems:
        # A folder shared by two targets would report each problem twice.
        raise SpecErrors(list({str(p): p for p in problems}.values()))
    return by_target


# Called with each target's name and place before anything is read there; raises to refuse.
PlaceCheck = Callable[[str, Place], None]


def _connect(target: Target, options: PlanOptions) -> Clients:
    return connect(
        AwsOptions(
            target=target.name,
            region=target.region or options.region,
            profile=options.profile,
            role_arn=target.role_arn,
            account=target.account,
            max_workers=options.concurrency,
            max_rps=options.max_rps or target.max_rps or DEFAULT_EVENTBRIDGE_RPS,
        )
    )


def _plan_one(
    target: Target,
    clients: Clients,
    declared: list[Spec],
    neighbours: list[Spec],
    options: PlanOptions,
    pool: ThreadPoolExecutor,
) -> TargetPlan:
    specs = [s for s in declared if target.selects(s.name)]
    role = f", role {target.role_arn}" if target.role_arn else ""
    log.info("target %s: region %s%s, %s to plan", target.name, clients.region, role, counted(specs))
    read_managed = options.verify_secrets and not options.force_secrets
    snapshot = read_target(target, specs, clients, read_managed, pool)
    plans = plan_target(target, specs, snapshot, options.force_secrets, options.verify_secrets, declared, neighbours)
    return TargetPlan(target, clients, {s.key: s for s in specs}, snapshot, plans)


def _plan_alone(
    target: Target, clients: Clients, declared: list[Spec], neighbours: list[Spec], options: PlanOptions
) -> TargetPlan:
    """One of several targets, on a read pool of its own that lives only while it runs: one target's
    reads, waiting their turn at its place's cap, never hold the threads another target needs."""
    with read_pool(options) as own:
        return _plan_one(target, clients, declared, neighbours, options, own)


def _share_budgets(
    targets: list[Target], connected: list[Clients], places: dict[str, Place], options: PlanOptions
) -> None:
    """One budget per place: the lowest rate cap its targets ask for (--max-rps overrides all)."""
    budgets: dict[Place, Budget] = {}
    for target in targets:
        place = places[target.name]
        if place not in budgets:
            caps = [t.max_rps or DEFAULT_EVENTBRIDGE_RPS for t in targets if places[t.name] == place]
            budgets[place] = Budget.new(options.max_rps or min(caps))
    for target, clients in zip(targets, connected):
        clients.share(budgets[places[target.name]])


def build_plan(options: PlanOptions, pool: ThreadPoolExecutor, check: PlaceCheck | None = None) -> Planned:
    """The plan for every target; `check` may refuse a target's place before anything is read there.

    Three steps: each target's identity (one GetCallerIdentity each, side by side); then, knowing
    every place, the refusals and one budget per place; then each target's reads and plan."""
    config = config_of(options)
    declared = load_target_specs(config)
    if not any(declared.values()) and not any(t.prune for t in config.targets):
        raise ReconcileError("no connection specs found in " + ", ".join(p for t in config.targets for p in t.specs))
    if not any(t.prune for t in config.targets):
        # Without pruning only declared connections can match: say so before any AWS call.
        _refuse_unmatched(config, {s.name for specs in declared.values() for s in specs})
    for target in config.targets:
        if target.prune and not declared[target.name]:
            raise ReconcileError(
                f"refusing to prune target {target.name}: its specs folder holds no specs, and pruning would delete "
                "every connection"
            )
    alone = len(config.targets) > 1  # one target's failure is reported, and the others still planned
    failed: dict[str, str] = {}
    # Identities on as many threads as targets are planned at once: making a session and its
    # clients is CPU bound, and 16 threads at it contend for the interpreter lock.
    identities = ThreadPoolExecutor(max(1, min(options.target_concurrency, len(config.targets))), "reconcile-identity")
    with identities:
        attempts = [(t, identities.submit(_connect, t, options)) for t in config.targets]
        connected_by: dict[str, Clients] = {}
        named = config.targets[0].name if config.path is not None and not alone else None
        for target, attempt in attempts:
            identity = _outcome(attempt, alone, named)
            if isinstance(identity, Clients):
                connected_by[target.name] = identity
            else:
                failed[target.name] = identity
    if failed and not connected_by:
        # Nothing to plan: one error for the run, said once when every target says the same.
        reasons = sorted(set(failed.values()))
        raise ReconcileError(
            reasons[0] if len(reasons) == 1 else "\n".join(f"target {n}: {why}" for n, why in failed.items())
        )
    targets = [t for t in config.targets if t.name in connected_by]
    connected = [connected_by[t.name] for t in targets]
    places = {t.name: Place(c.account or None, c.region) for t, c in zip(targets, connected)}
    for target in targets:
        if check is not None:
            check(target.name, places[target.name])
    refuse_overlapping_prunes(targets, places)
    _share_budgets(targets, connected, places, options)
    # Targets left out (--target) or whose identity failed: where they are is not known for sure,
    # but what they declare is protected from pruning all the same.
    unknown = config.unpicked + [t for t in config.targets if t.name in failed]
    elsewhere = (
        {**_unpicked_specs(config.unpicked, config.path), **{t: declared[t] for t in failed}}
        if any(t.prune for t in targets)
        else {}
    )
    around = {t.name: neighbours(t, targets, places, declared, unknown, elsewhere) if t.prune else [] for t in targets}
    PROGRESS.start(*_reads(targets, declared))
    try:
        planned = _read_and_plan(targets, connected, declared, around, options, pool, alone, failed, places)
    finally:
        PROGRESS.finish()
    plan = Plan(
        [c for t in planned for c in t.plans],
        targets=[t.name for t in config.targets],
        places=places,
        failed={t.name: failed[t.name] for t in config.targets if t.name in failed},
    )
    _refuse_unmatched(config, {c.name for c in plan.resources})
    return Planned(plan, planned, config.path)


def _reads(targets: list[Target], declared: dict[str, list[Spec]]) -> tuple[int, str]:
    """How many describes the read step makes, and of what: for the progress line."""
    total, destinations = 0, False
    for target in targets:
        specs = [s for s in declared[target.name] if target.selects(s.name)]
        names = {s.name for s in specs if s.type == CONNECTION}
        used = {s.body.get("Connection") for s in specs if s.type == API_DESTINATION} - names - {None}
        destinations = destinations or any(s.type == API_DESTINATION for s in specs)
        total += len(specs) + len(used)
    return total, "connections and API destinations" if destinations else "connections"


def _read_and_plan(
    targets: list[Target],
    connected: list[Clients],
    declared: dict[str, list[Spec]],
    around: dict[str, list[Spec]],
    options: PlanOptions,
    pool: ThreadPoolExecutor,
    alone: bool,
    failed: dict[str, str],
    places: dict[str, Place],
) -> list[TargetPlan]:
    if not alone:
        single, clients = targets[0], connected[0]
        return [_plan_one(single, clients, declared[single.name], around[single.name], options, pool)]
    # One bounded pool of target workers: threads don't grow with the number of targets.
    workers = ThreadPoolExecutor(max_workers=options.target_concurrency, thread_name_prefix="reconcile-target")
    try:
        futures = [
            (t, workers.submit(_plan_alone, t, c, declared[t.name], around[t.name], options))
            for t, c in zip(targets, connected)
        ]
        planned = []
        for target, reading in futures:
            outcome = _outcome(reading, alone)
            if isinstance(outcome, TargetPlan):
                planned.append(outcome)
            else:
                failed[target.name] = outcome
                places.pop(target.name, None)
    finally:
        workers.shutdown(wait=True, cancel_futures=True)
    return planned


T = TypeVar("T")


def _outcome(future: Future[T], alone: bool, name: str | None = None) -> T | str:
    """A target's step: its result, or (with several targets) why it failed, so the other targets
    are still planned. A bug is no target's failure: it ends the run. `name`: a target of
    reconcile.yaml run alone, whose error names it."""
    try:
        return future.result()
    except (ReconcileError, ClientError, BotoCoreError) as exc:
        if not alone:
            if name is not None and type(exc) is ReconcileError:
                raise ReconcileError(f"target {name}: {exc}") from None
            raise
        return describe_error(exc) if isinstance(exc, (ClientError, BotoCoreError)) else str(exc)


def _unpicked_specs(unpicked: list[Target], config_path: str | None) -> dict[str, list[Spec]]:
    """What targets this run does not plan declare, as far as their files read: pruning protects it.
    Their problems are not this run's to report."""
    skip = frozenset({os.path.abspath(config_path)} if config_path else ())
    found: dict[str, list[Spec]] = {}
    for target in unpicked:
        specs = found.setdefault(target.name, [])
        for path in target.specs:
            specs += load_specs(path, skip)[0]
    return found


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
