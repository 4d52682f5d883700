"""One target's plan from its specs and snapshot. Pure: every AWS read is in the snapshot."""

from __future__ import annotations

from reconciler.config import Target
from reconciler.errors import ReconcileError
from reconciler.model import API_DESTINATION, CONNECTION, SETTLED_OK, Action, Pending, ResourcePlan, Spec
from reconciler.plan.build import plan_connection
from reconciler.plan.destination import connection_arn, plan_destination
from reconciler.plan.prune import delete_connections, delete_destinations, released, rename_notes
from reconciler.secrets.desired import ResolvedValue
from reconciler.secrets.redact import Secret
from reconciler.snapshot import Snapshot

WRITES = (Action.CREATE, Action.UPDATE)


def _connection_of(spec: Spec, snapshot: Snapshot) -> tuple[str, str] | None:
    """The connection a destination spec uses, and its state when planned: by `Connection:`, or by
    the connection whose live ARN its `ConnectionArn` is (declared, or listed under --prune)."""
    if "Connection" in spec.body:
        name = str(spec.body["Connection"])
        live = snapshot.live.get(name)
        return (name, live.state if live is not None else "")
    arn = spec.body.get("ConnectionArn")
    for name, live in snapshot.live.items():
        if live is not None and live.data.get("ConnectionArn") == arn:
            return (name, live.state)
    for item in snapshot.listing or []:
        if item.get("ConnectionArn") == arn:
            return (str(item["Name"]), str(item.get("ConnectionState", "")))
    return None


def _plan_destinations(
    specs: list[Spec], snapshot: Snapshot, written: set[str], ignore: tuple[str, ...] = ()
) -> list[ResourcePlan]:
    """Each destination spec's plan; `written` names the connections this plan creates or updates,
    which a destination using one waits for. A destination written while its connection is not
    written but not settled either (an OAuth connection still AUTHORIZING) waits for it to settle."""
    plans = []
    for spec in specs:
        arn = connection_arn(spec, snapshot.live)
        if isinstance(arn, Pending) and spec.body["Connection"] not in written:
            raise ReconcileError(
                f"API destination {spec.name} needs connection {spec.body['Connection']}, which does not exist yet "
                "and is left out of this plan (--only): add it to --only. Nothing was planned"
            )
        plan = plan_destination(spec, snapshot.live_destinations.get(spec.name), arn, ignore)
        used = _connection_of(spec, snapshot)
        if plan.action in WRITES and used is not None:
            name, state = used
            if name in written:
                # Its connection is written first, and must settle before the destination is written.
                plan.after.append((CONNECTION, name))
            elif state not in SETTLED_OK:
                plan.settle = name
                plan.notes.append(
                    f"connection {name} is {state or 'in an unknown state'}: apply writes this once it is AUTHORIZED "
                    "or ACTIVE (waiting up to --wait-timeout)"
                )
        plans.append(plan)
    return plans


def plan_target(
    target: Target,
    specs: list[Spec],
    snapshot: Snapshot,
    force_secrets: bool,
    verify_secrets: bool,
    declared: list[Spec] | None = None,
    neighbours: list[Spec] | None = None,
) -> list[ResourcePlan]:
    """The plans of `specs` (those --only picked), and deletions. `declared` holds every spec of
    the target, picked or not, and `neighbours` what the other targets at its place declare:
    pruning deletes none of them."""

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
    own = declared if declared is not None else specs
    everyone = own + (neighbours or [])
    protected = {s.key for s in everyone}
    declares_destinations = any(s.type == API_DESTINATION for s in own)
    deleted_destinations = delete_destinations(target, protected, snapshot.destinations, declares_destinations)
    moved = released(destinations + deleted_destinations, snapshot.destinations)
    pointing = [s for s in everyone if s.type == API_DESTINATION and "ConnectionArn" in s.body]
    deleted_connections = delete_connections(
        target, protected, snapshot.listing, snapshot.destinations, moved, pointing
    )
    plans = deleted_destinations + deleted_connections + connections + destinations
    rename_notes(target, {name for type_, name in protected if type_ == CONNECTION}, snapshot.listing, plans)
    return plans
