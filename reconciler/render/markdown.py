"""Markdown for pull-request comments and job summaries: a table, then a diff per connection."""

from __future__ import annotations

import html
import re

from reconciler.model import API_DESTINATION, CONNECTION, LABEL, Action, Plan, ResourcePlan, counted, marked
from reconciler.render.values import SYMBOL, change_line, ignored_line
from reconciler.untrusted import visible

MARKER = "<!-- reconcile-plan -->"
ICON = {Action.CREATE: "🟢 create", Action.UPDATE: "🟡 update", Action.DELETE: "🔴 delete", Action.NOOP: "⚪ no change"}


def cell(text: str) -> str:
    """Untrusted text made safe for one markdown table cell: no column break (GFM splits
    cells at every unescaped pipe, even inside code spans), no line break or control
    character (visible() escapes them)."""
    return visible(text).replace("|", "\\|")


def code(text: str, in_table: bool = True) -> str:
    """Untrusted text as one code span: a fence of more backticks than any run inside, so a
    backtick in a name can't end it (CommonMark 0.31, 6.1 "Code spans"), padded with a space
    when the text starts or ends with a backtick (a space each side is stripped again)."""
    inner = cell(text) if in_table else visible(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", inner)), default=0) + 1)
    pad = " " if inner[:1] == "`" or inner[-1:] == "`" or (inner[:1] == inner[-1:] == " ") else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def _html(text: str) -> str:
    """Untrusted text inside the HTML of a comment (<summary>, a note): no tag can close the
    <details> block around it."""
    return html.escape(visible(text), quote=False)


def _fence(lines: list[str]) -> str:
    """A code fence longer than any backtick run inside, so values can't end the block."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _kind(conn: ResourcePlan) -> str:
    return "" if conn.type == CONNECTION else f"{_html(LABEL.get(conn.type, conn.type))}, "


def _details(conn: ResourcePlan, open_: bool) -> list[str]:
    out = [
        "",
        (
            f"<details{' open' if open_ else ''}><summary><code>{SYMBOL[conn.action]} {_html(conn.name)}</code> "
            f"({_kind(conn)}{conn.action.value})</summary>"
        ),
        "",
    ]
    if conn.changes or conn.ignored:
        # In a diff block GitHub colours `+`, `-` and `!` lines; `!` marks a change. The ignored
        # line starts with a space: uncoloured, quiet.
        lines = [change_line(change) for change in conn.changes]
        lines = ["!" + line[1:] if line.startswith("~") else line for line in lines]
        lines += [f"  {ignored_line(conn.ignored)}"] if conn.ignored else []
        fence = _fence(lines)
        out += [fence + "diff", *lines, fence]
    out += [f"> ⚠️ {_html(note)}" for note in conn.notes]
    return out + ["", "</details>"]


def render(plan: Plan) -> str:
    out = [MARKER, "### reconcile plan", ""]
    places = [
        f"{code(name, in_table=False)} ({_html(str(plan.places[name]))})"
        for name in plan.targets
        if name in plan.places
    ]
    if places:
        out += ["Target" + ("s" if len(places) > 1 else "") + ": " + "; ".join(places), ""]
    if plan.failed:
        out += [
            f"❌ **Not planned:** {code(name, in_table=False)}: {_html(why.splitlines()[0])}"
            for name, why in plan.failed.items()
        ]
        out.append("")
    if not plan.has_changes and plan.failed:
        out.append(f"**No changes in the targets planned.** {counted(plan.resources, '(s)')} match the specs.")
    elif not plan.has_changes:
        out.append(f"✅ **No changes.** {counted(plan.resources, '(s)')} match the specs.")
    else:
        out.append(f"**Plan:** {plan.summary()}.")
    shown = [c for c in plan.resources if c.action is not Action.NOOP or c.notes or c.ignored]
    if shown:
        multi = len(plan.targets) > 1
        out += [
            "",
            f"| {'Name' if plan.of_type(API_DESTINATION) else 'Connection'} | "
            + ("Target | " if multi else "")
            + "Action | Fields | Spec |",
            "|---|" + ("---|" if multi else "") + "---|---|---|",
        ]
        for conn in shown:
            target = f"{cell(conn.target)} | " if multi else ""
            spec = code(conn.file) if conn.file else ""
            name = f"{code(conn.name)}{cell(marked(conn.type))}"
            out.append(f"| {name} | {target}{ICON[conn.action]} | {len(conn.changes)} | {spec} |")
        # The whole plan, always: job summaries and files hold it all. A pull-request comment
        # or issue, capped by GitHub, is cut where it is posted (reconciler/github/body.py).
        for conn in shown:
            out += _details(conn, open_=len(shown) <= 5)
    notes = sum(1 for c in plan.resources if c.notes)
    if notes:
        out += ["", f"⚠️ {notes} connection(s) have notes (secret verification, state or deletion)."]
    return "\n".join(out) + "\n"
