"""One target's plan from its specs and snapshot. Pure: every AWS read is in the snapshot."""

from __future__ import annotations

from reconciler.config import Target
from reconciler.model import ResourcePlan, Spec
from reconciler.plan.build import plan_connection
from reconciler.plan.prune import plan_deletions, rename_notes
from reconciler.secrets.desired import ResolvedValue
from reconciler.secrets.redact import Secret
from reconciler.snapshot import Snapshot


def plan_target(
    target: Target,
    specs: list[Spec],
    snapshot: Snapshot,
    force_secrets: bool,
    verify_secrets: bool,
    declared: set[str] | None = None,
) -> list[ResourcePlan]:
    """The plans of `specs` (those --only picked), and deletions; `declared` names every spec of
    the target, picked or not, so none of them is taken for undeclared."""

    def previous(value: ResolvedValue) -> tuple[str, Secret] | None:
        return snapshot.previous.get((value.ref.secret_id, value.ref.json_key))

    plans = [
        plan_connection(
            spec,
            snapshot.live[spec.name],
            snapshot.desired[spec.name],
            snapshot.managed.get(spec.name),
            previous,
            force_secrets,
            verify_secrets,
        )
        for spec in specs
    ]
    declared = declared if declared is not None else {s.name for s in specs}
    plans = plan_deletions(target, declared, snapshot.listing, snapshot.destinations) + plans
    rename_notes(target, declared, snapshot.listing, plans)
    return plans
