"""Deletions (opt-in pruning) and rename hints, from the snapshot's listing. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.config import Target
from reconciler.model import Action, FieldChange, Op, ResourcePlan

IN_USE = "in use by API destination(s) {names}: deleting it breaks them (apply refuses unless --force-delete-in-use)"


def plan_deletions(
    target: Target, declared: set[str], listing: list[dict[str, Any]] | None, destinations: dict[str, list[str]] | None
) -> list[ResourcePlan]:
    """Live connections no spec declares, under --prune, limited to --prune-prefix names."""
    if not target.prune or not listing:
        return []
    deletions = []
    for item in listing:
        if item["Name"] in declared or not target.prunes(item["Name"]):
            continue
        using = sorted((destinations or {}).get(item.get("ConnectionArn", ""), []))
        notes = [IN_USE.format(names=", ".join(using))] if using else []
        change = FieldChange("Name", Op.REMOVE, item["Name"], None, note="no spec declares it")
        modified = item.get("LastModifiedTime")
        deletions.append(
            ResourcePlan(
                item["Name"],
                Action.DELETE,
                target.name,
                None,
                [change],
                state=item.get("ConnectionState"),
                notes=notes,
                used_by=using,
                live_modified=modified.isoformat() if isinstance(modified, datetime) else None,
            )
        )
    return deletions


def rename_notes(
    target: Target, declared: set[str], listing: list[dict[str, Any]] | None, plans: list[ResourcePlan]
) -> None:
    """Name is a connection's identity, so a renamed spec is a create (plus a delete under
    --prune). Say so, naming live connections of the same type that no spec declares."""
    creates = [p for p in plans if p.action is Action.CREATE and p.target == target.name]
    if not creates or not listing:
        return
    deleted = {p.name for p in plans if p.action is Action.DELETE and p.target == target.name}
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
