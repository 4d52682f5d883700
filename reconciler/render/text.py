"""Terraform-like text: one block per connection or API destination that changes, field by field."""

from __future__ import annotations

from reconciler.model import Action, Plan, counted
from reconciler.render.values import SYMBOL, change_line, ignored_line


def render(plan: Plan) -> str:
    # Which account and region each target's plan is for, before anything it would change.
    lines = [f"Target {name}: {plan.places[name]}" for name in plan.targets if name in plan.places]
    if lines:
        lines.append("")
    multi = len(plan.targets) > 1
    for conn in plan.resources:
        if conn.action is Action.NOOP and not conn.notes and not conn.ignored:
            continue
        where = f"  ({conn.file})" if conn.file else ""
        target = f"[{conn.target}] " if multi else ""
        lines.append(f"{SYMBOL[conn.action]} {target}{conn.label}: {conn.action.value}{where}")
        for change in conn.changes:
            lines.append(f"    {change_line(change)}")
        if conn.ignored:
            lines.append(f"    {ignored_line(conn.ignored)}")
        for note in conn.notes:
            lines.append(f"    ! {note}")
        lines.append("")
    if plan.has_changes:
        lines.append(f"Plan: {plan.summary()}.")
    else:
        lines.append(f"No changes: {counted(plan.resources, '(s)')} match the specs.")
    return "\n".join(lines) + "\n"
