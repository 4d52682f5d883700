"""The pipeline: load → validate → resolve secrets → fetch live → normalize → diff → plan.

Only `resolve` and `fetch` talk to AWS (reads only); the rest is pure.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reconciler.aws.clients import AwsOptions, Clients, make_clients
from reconciler.aws.live import Live, describe_all, read_managed_secrets
from reconciler.errors import ReconcileError, SpecErrors
from reconciler.load.specs import load_specs
from reconciler.model import Spec
from reconciler.plan.build import plan_connection
from reconciler.plan.model import ConnectionPlan, Plan
from reconciler.secrets.desired import DesiredSecrets, PreviousVersions, resolve_secrets
from reconciler.validate import validate_specs


@dataclass
class Options:
    specs_dir: str = "connections"
    aws: AwsOptions = field(default_factory=AwsOptions)
    force_secrets: bool = False
    verify_secrets: bool = True


@dataclass
class TargetRun:
    """Everything one target's plan was made from; apply writes from this."""

    name: str
    clients: Clients
    specs: dict[str, Spec]
    desired: dict[str, DesiredSecrets]
    live: dict[str, Live | None]
    plans: list[ConnectionPlan]


@dataclass
class Run:
    plan: Plan
    targets: list[TargetRun]
    pool: ThreadPoolExecutor


def load_valid_specs(specs_dir: str) -> list[Spec]:
    specs, problems = load_specs(specs_dir)
    problems += validate_specs(specs)
    if problems:
        raise SpecErrors(problems)
    return specs


def plan_target(name: str, specs: list[Spec], clients: Clients, options: Options, pool: ThreadPoolExecutor) -> TargetRun:
    names = [s.name for s in specs]
    # Secrets and live connections are independent reads: run them side by side.
    resolving = pool.submit(resolve_secrets, specs, clients.secrets, pool)
    live = describe_all(clients.events, names, pool)
    desired, problems = resolving.result()
    if problems:
        raise SpecErrors(problems)
    managed = {}
    if options.verify_secrets and not options.force_secrets:
        arns = {n: c.secret_arn for n, c in live.items() if c is not None and c.secret_arn and desired[n].by_slot}
        managed = read_managed_secrets(clients.secrets, arns, pool)
    previous = PreviousVersions(clients.secrets)
    plans = []
    for spec in specs:
        got = managed.get(spec.name)
        if not options.verify_secrets and got is None and live.get(spec.name) is not None:
            from reconciler.secrets.resolve import ReadFailure

            got = ReadFailure("NotRequested", "--no-verify-secrets")
        plans.append(plan_connection(spec, live[spec.name], desired[spec.name], got, previous, options.force_secrets))
    return TargetRun(name, clients, {s.name: s for s in specs}, desired, live, plans)


def build_run(options: Options) -> Run:
    specs = load_valid_specs(options.specs_dir)
    if not specs:
        raise ReconcileError(f"no connection specs found under {options.specs_dir}")
    pool = ThreadPoolExecutor(max_workers=options.aws.max_workers, thread_name_prefix="reconcile")
    clients = make_clients(options.aws)
    target = plan_target("default", specs, clients, options, pool)
    plan = Plan(target.plans)
    return Run(plan, [target], pool)
