"""Markdown for pull-request comments and job summaries: a table, then a diff per connection."""

from __future__ import annotations

from reconciler.model import Action
from reconciler.plan.model import Plan
from reconciler.render.values import SYMBOL, change_line

MARKER = "<!-- reconcile-plan -->"
ICON = {Action.CREATE: "🟢 create", Action.UPDATE: "🟡 update", Action.DELETE: "🔴 delete", Action.NOOP: "⚪ no change"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(plan: Plan) -> str:
    out = [MARKER, "### reconcile plan", ""]
    if not plan.has_changes:
        out.append(f"✅ **No changes.** {len(plan.connections)} connection(s) match the specs.")
    else:
        out.append(f"**Plan:** {plan.summary()}.")
    notes = [c for c in plan.connections if c.notes]
    shown = [c for c in plan.connections if c.action is not Action.NOOP or c.notes]
    if shown:
        multi = len(plan.targets) > 1
        out += ["", "| Connection | " + ("Target | " if multi else "") + "Action | Fields | Spec |", "|---|" + ("---|" if multi else "") + "---|---|---|"]
        for conn in shown:
            target = f"{_cell(conn.target)} | " if multi else ""
            spec = f"`{_cell(conn.file)}`" if conn.file else ""
            out.append(f"| `{_cell(conn.name)}` | {target}{ICON[conn.action]} | {len(conn.changes)} | {spec} |")
        for conn in shown:
            out += ["", f"<details{' open' if len(shown) <= 5 else ''}><summary><code>{SYMBOL[conn.action]} {conn.name}</code> ({conn.action.value})</summary>", ""]
            if conn.changes:
                out.append("```diff")
                out += [change_line(change) for change in conn.changes]
                out.append("```")
            for note in conn.notes:
                out.append(f"> ⚠️ {note}")
            out += ["", "</details>"]
    if notes:
        out += ["", f"⚠️ {len(notes)} connection(s) have notes (secret verification or state)."]
    return "\n".join(out) + "\n"
