"""The pipeline: load → validate → resolve secrets → fetch live → normalize → diff → plan.

Only `resolve` and `fetch` talk to AWS (reads only); the rest is pure. Each target (a
region, optionally another account) runs with its own clients, all targets at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reconciler.aws.clients import AwsOptions, Clients, make_clients
from reconciler.aws.live import Live, describe_all, read_managed_secrets
from reconciler.config import Config, Target
from reconciler.errors import Problem, ReconcileError, SpecErrors
from reconciler.load.specs import load_specs
from reconciler.model import Spec
from reconciler.plan.build import ManagedRead, plan_connection
from reconciler.plan.model import ConnectionPlan, Plan
from reconciler.plan.prune import plan_deletions, rename_notes
from reconciler.secrets.desired import DesiredSecrets, PreviousVersions, resolve_secrets
from reconciler.validate import validate_specs


@dataclass
class Options:
    aws: AwsOptions = field(default_factory=AwsOptions)
    force_secrets: bool = False
    verify_secrets: bool = True


@dataclass
class TargetRun:
    """Everything one target's plan was made from; apply writes from this."""

    target: Target
    clients: Clients
    specs: dict[str, Spec]
    desired: dict[str, DesiredSecrets]
    live: dict[str, Live | None]
    plans: list[ConnectionPlan]

    @property
    def name(self) -> str:
        return self.target.name


@dataclass
class Run:
    plan: Plan
    targets: list[TargetRun]
    pool: ThreadPoolExecutor


def load_valid_specs(specs_dir: str) -> list[Spec]:
    """The specs of one folder, validated (the sandbox's entry point)."""
    return load_target_specs(Config([Target("default", specs=(specs_dir,))]))["default"]


def load_target_specs(config: Config) -> dict[str, list[Spec]]:
    """Specs per target, validated; every problem of every target reported at once."""
    by_target: dict[str, list[Spec]] = {}
    problems: list[Problem] = []
    for target in config.targets:
        specs: list[Spec] = []
        for path in target.specs:
            found, load_problems = load_specs(path)
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


def plan_target(target: Target, specs: list[Spec], options: Options, pool: ThreadPoolExecutor) -> TargetRun:
    aws = AwsOptions(region=target.region or options.aws.region, profile=options.aws.profile, role_arn=target.role_arn,
                     account=target.account, max_workers=options.aws.max_workers)
    clients = make_clients(aws)
    if target.prune and not specs:
        raise ReconcileError(f"refusing to prune target {target.name}: its specs folder holds no specs, and pruning would delete every connection")
    names = [s.name for s in specs]
    # Secrets and live connections are independent reads: run them side by side.
    resolving = pool.submit(resolve_secrets, specs, clients.secrets, pool)
    live = describe_all(clients.events, names, pool)
    desired, problems = resolving.result()
    if problems:
        raise SpecErrors(problems)
    managed: dict[str, ManagedRead] = {}
    if options.verify_secrets and not options.force_secrets:
        arns = {n: c.secret_arn for n, c in live.items() if c is not None and c.secret_arn and desired[n].by_slot}
        managed = dict(read_managed_secrets(clients.secrets, arns, pool))
    previous = PreviousVersions(clients.secrets)
    plans = [
        plan_connection(spec, live[spec.name], desired[spec.name], managed.get(spec.name), previous,
                        options.force_secrets, options.verify_secrets)
        for spec in specs
    ]
    plans = plan_deletions(target, clients, set(names), plans) + plans
    rename_notes(target, clients, set(names), plans)
    return TargetRun(target, clients, {s.name: s for s in specs}, desired, live, plans)


def build_run(options: Options, config: Config) -> Run:
    by_target = load_target_specs(config)
    if not any(by_target.values()) and not any(t.prune for t in config.targets):
        raise ReconcileError("no connection specs found in " + ", ".join(p for t in config.targets for p in t.specs))
    pool = ThreadPoolExecutor(max_workers=max(2, options.aws.max_workers), thread_name_prefix="reconcile")
    if len(config.targets) == 1:
        only = config.targets[0]
        runs = [plan_target(only, by_target[only.name], options, pool)]
    else:
        # Targets run side by side, each on its own thread; their reads share the pool.
        with ThreadPoolExecutor(max_workers=len(config.targets), thread_name_prefix="reconcile-target") as outer:
            futures = [outer.submit(plan_target, t, by_target[t.name], options, pool) for t in config.targets]
            runs = [f.result() for f in futures]
    plan = Plan([c for r in runs for c in r.plans], targets=[t.name for t in config.targets])
    return Run(plan, runs, pool)
