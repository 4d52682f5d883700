"""Deletions (opt-in pruning) and rename hints, from the snapshot's listing. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from reconciler.config import Target
from reconciler.errors import ReconcileError
from reconciler.model import API_DESTINATION, CONNECTION, Action, FieldChange, Op, ResourcePlan, Spec

IN_USE = "in use by API destination(s) {names}: deleting it breaks them (apply refuses unless --force-delete-in-use)"
RELEASED = "deleted after API destination(s) {names} stop using it (this apply moves or deletes them)"
UNDECLARED = "no spec declares it"


def _modified(item: dict[str, Any]) -> str | None:
    modified = item.get("LastModifiedTime")
    return modified.isoformat() if isinstance(modified, datetime) else None


def _deletion(target: Target, item: dict[str, Any], type_: str, state: str | None) -> ResourcePlan:
    """The deletion of a listed resource no spec declares."""
    change = FieldChange("Name", Op.REMOVE, item["Name"], None, note=UNDECLARED)
    plan = ResourcePlan(item["Name"], Action.DELETE, target.name, None, [change], state=state, type=type_)
    plan.live_modified = _modified(item)
    return plan


def _undeclared(
    target: Target, declared: set[tuple[str, str]], type_: str, listing: list[dict[str, Any]] | None
) -> Iterator[dict[str, Any]]:
    for item in listing or []:
        if (type_, item["Name"]) not in declared and target.prunes(item["Name"]):
            yield item


def delete_destinations(
    target: Target,
    declared: set[tuple[str, str]],
    destinations: list[dict[str, Any]] | None,
    declares_destinations: bool,
) -> list[ResourcePlan]:
    """Live API destinations no spec declares, under --prune, limited to --prune-prefix names.

    Only in a target that declares API destinations: one whose specs declare connections
    alone leaves destinations to whatever manages them (Terraform, the console), as before
    destinations could be declared, rather than delete every one of them."""
    if not target.prune or not declares_destinations:
        return []
    return [
        _deletion(target, item, API_DESTINATION, item.get("ApiDestinationState"))
        for item in _undeclared(target, declared, API_DESTINATION, destinations)
    ]


def released(destination_plans: list[ResourcePlan], destinations: list[dict[str, Any]] | None) -> dict[str, set[str]]:
    """Connection ARN → the API destinations this plan takes off it: deleted, or moved to
    another connection (a ConnectionArn change). Those are no reason to keep the connection."""
    arns = {item["Name"]: item.get("ConnectionArn", "") for item in destinations or []}
    out: dict[str, set[str]] = {}
    for plan in destination_plans:
        if plan.action is Action.DELETE:
            out.setdefault(arns.get(plan.name, ""), set()).add(plan.name)
        for change in plan.changes:
            if change.path == "ConnectionArn" and change.op is Op.CHANGE and isinstance(change.before, str):
                out.setdefault(change.before, set()).add(plan.name)
    return out


def delete_connections(
    target: Target,
    declared: set[tuple[str, str]],
    listing: list[dict[str, Any]] | None,
    destinations: list[dict[str, Any]] | None,
    moved: dict[str, set[str]],
    pointing: Sequence[Spec] = (),
) -> list[ResourcePlan]:
    """Live connections no spec declares, under --prune, limited to --prune-prefix names. One
    that API destinations use is in use, unless this plan moves or deletes every one of them:
    then it is deleted after they are written. One that a declared destination names by its
    `ConnectionArn` is a plan error: deleting it would leave that destination pointing at nothing."""
    if not target.prune:
        return []
    deletions = []
    for item in _undeclared(target, declared, CONNECTION, listing):
        arn = item.get("ConnectionArn", "")
        users_declared = [s for s in pointing if arn and s.body.get("ConnectionArn") == arn]
        if users_declared:
            spec = users_declared[0]
            raise ReconcileError(
                f"connection {item['Name']} would be deleted (--prune: no spec declares it), but API destination "
                f"{spec.name} ({spec.locate(('ConnectionArn',))}) points at it with ConnectionArn. Declare the "
                "connection, or point the destination elsewhere. Nothing was planned"
            )
        users = {d["Name"] for d in destinations or [] if d.get("ConnectionArn") == arn}
        using = sorted(users - moved.get(arn, set()))
        after = sorted(users & moved.get(arn, set()))
        deletion = _deletion(target, item, CONNECTION, item.get("ConnectionState"))
        deletion.notes = [IN_USE.format(names=", ".join(using))] if using else []
        deletion.notes += [RELEASED.format(names=", ".join(after))] if after else []
        deletion.used_by = using
        deletion.after = [(API_DESTINATION, name) for name in after]
        deletions.append(deletion)
    return deletions


def rename_notes(
    target: Target, declared: set[str], listing: list[dict[str, Any]] | None, plans: list[ResourcePlan]
) -> None:
    """Name is a connection's identity, so a renamed spec is a create (plus a delete under
    --prune). Say so, naming live connections of the same type that no spec declares."""
    mine = [p for p in plans if p.type == CONNECTION and p.target == target.name]
    creates = [p for p in mine if p.action is Action.CREATE]
    if not creates or not listing:
        return
    deleted = {p.name for p in mine if p.action is Action.DELETE}
    undeclared = [c for c in listing if c["Name"] not in declared]
    for plan in creates:
        wanted = next((c.after for c in plan.changes if c.path == "AuthorizationType"), None)
        similar = sorted(c["Name"] for c in undeclared if c.get("AuthorizationType") == wanted)
        if not similar:
            continue
        if len(similar) > 3:
            similar = similar[:3] + [f"{len(similar) - 3} more"]
        names = ", ".join(similar)
        if deleted & set(similar):
            plan.notes.append(
                f"if this renames {names}: Name is the identity, so it is created anew and the old one deleted "
                "(--prune)"
            )
        else:
            plan.notes.append(
                f"if this renames {names}: Name is the identity, so it is created anew and the old one stays (use "
                "--prune to delete it)"
            )
