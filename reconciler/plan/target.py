"""One target's plan from its specs and snapshot. Pure: every AWS read is in the snapshot."""

from __future__ import annotations

from reconciler.config import Target
from reconciler.errors import ReconcileError
from reconciler.model import API_DESTINATION, CONNECTION, Action, Pending, ResourcePlan, Spec
from reconciler.plan.build import plan_connection
from reconciler.plan.destination import connection_arn, plan_destination
from reconciler.plan.prune import delete_connections, delete_destinations, released, rename_notes
from reconciler.secrets.desired import ResolvedValue
from reconciler.secrets.redact import Secret
from reconciler.snapshot import Snapshot

WRITES = (Action.CREATE, Action.UPDATE)


def _plan_destinations(
    specs: list[Spec], snapshot: Snapshot, written: set[str], ignore: tuple[str, ...] = ()
) -> list[ResourcePlan]:
    """Each destination spec's plan; `written` names the connections this plan creates or updates,
    which a destination using one waits for."""
    plans = []
    for spec in specs:
        arn = connection_arn(spec, snapshot.live)
        if isinstance(arn, Pending) and spec.body["Connection"] not in written:
            raise ReconcileError(
                f"API destination {spec.name} needs connection {spec.body['Connection']}, which does not exist yet "
                "and is left out of this plan (--only): add it to --only. Nothing was planned"
            )
        plan = plan_destination(spec, snapshot.live_destinations.get(spec.name), arn, ignore)
        if plan.action in WRITES and plan.connection in written:
            # Its connection is written first, and must settle before the destination is written.
            plan.after.append((CONNECTION, plan.connection))
        plans.append(plan)
    return plans


def plan_target(
    target: Target,
    specs: list[Spec],
    snapshot: Snapshot,
    force_secrets: bool,
    verify_secrets: bool,
    declared: set[tuple[str, str]] | None = None,
) -> list[ResourcePlan]:
    """The plans of `specs` (those --only picked), and deletions; `declared` holds the (type,
    name) of every spec of the target, picked or not, so none of them is taken for undeclared."""

    def previous(value: ResolvedValue) -> tuple[str, Secret] | None:
        return snapshot.previous.get((value.ref.secret_id, value.ref.json_key))

    connections = [
        plan_connection(
            spec,
            snapshot.live[spec.name],
            snapshot.desired[spec.name],
            snapshot.managed.get(spec.name),
            previous,
            force_secrets,
            verify_secrets,
            target.ignore_changes,
        )
        for spec in specs
        if spec.type == CONNECTION
    ]
    written = {p.name for p in connections if p.action in WRITES}
    destinations = _plan_destinations(
        [s for s in specs if s.type == API_DESTINATION], snapshot, written, target.ignore_changes
    )
    declared = declared if declared is not None else {s.key for s in specs}
    deleted_destinations = delete_destinations(target, declared, snapshot.destinations)
    moved = released(destinations + deleted_destinations, snapshot.destinations)
    deleted_connections = delete_connections(target, declared, snapshot.listing, snapshot.destinations, moved)
    plans = deleted_destinations + deleted_connections + connections + destinations
    rename_notes(target, {name for type_, name in declared if type_ == CONNECTION}, snapshot.listing, plans)
    return plans
