"""Terraform-like text: one block per connection or API destination that changes, field by field."""

from __future__ import annotations

from reconciler.model import Action, Plan, counted
from reconciler.render.values import SYMBOL, change_line, ignored_line
from reconciler.untrusted import visible


def render(plan: Plan) -> str:
    # Which account and region each target's plan is for, before anything it would change.
    # Every name, path and note is untrusted text (a spec, AWS, a saved plan): shown through visible().
    lines = [
        f"Target {visible(name)}: {visible(str(plan.places[name]))}" for name in plan.targets if name in plan.places
    ]
    lines += [
        f"Target {visible(name)}: not planned: {visible(why.splitlines()[0], backslash=False)}"
        for name, why in plan.failed.items()
    ]
    if lines:
        lines.append("")
    multi = len(plan.targets) > 1
    for conn in plan.resources:
        if conn.action is Action.NOOP and not conn.notes and not conn.ignored:
            continue
        where = f"  ({visible(conn.file)})" if conn.file else ""
        target = f"[{visible(conn.target)}] " if multi else ""
        lines.append(f"{SYMBOL[conn.action]} {target}{visible(conn.label)}: {conn.action.value}{where}")
        for change in conn.changes:
            lines.append(f"    {change_line(change)}")
        if conn.ignored:
            lines.append(f"    {ignored_line(conn.ignored)}")
        for note in conn.notes:
            lines.append(f"    ! {visible(note)}")
        lines.append("")
    if plan.has_changes:
        lines.append(f"Plan: {plan.summary()}.")
    elif plan.failed:
        lines.append(f"No changes in the targets planned: {counted(plan.resources, '(s)')} match the specs.")
    else:
        lines.append(f"No changes: {counted(plan.resources, '(s)')} match the specs.")
    if plan.failed:
        lines.append(f"Incomplete: {len(plan.failed)} target(s) not planned: {', '.join(plan.failed)}.")
    return "\n".join(lines) + "\n"
