"""The plan comment: the current plan with its commit and targets, then the plans it replaced,
each collapsed under "Outdated plan (commit abc1234)", as Atlantis and tfcmt mark them.

Body layout (the marker first, so comments.py finds it):

    <!-- reconcile-plan -->
    ### reconcile plan
    <!-- reconcile-plan-record {...} -->          record.py: what apply compares with
    Planned at commit abc1234. | targets table |   then the rendered plan
    <!-- reconcile-outdated -->                    one block per replaced plan, newest first
    <details><summary>Outdated plan (commit …): …</summary> … </details>
    <!-- /reconcile-outdated -->
    <sub>Updated by workflow run.</sub>
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from reconciler.github.body import MAX_BODY, commit_ref, fit
from reconciler.github.record import PlanRecord, decode, encode, from_plan_json, strip
from reconciler.github.run import PlanRun
from reconciler.github.where import Where, from_config, from_plan, merged, placed
from reconciler.render.markdown import MARKER, code

HEADING = "### reconcile plan"
START = "<!-- reconcile-outdated -->"
END = "<!-- /reconcile-outdated -->"
KEEP = 5  # outdated plans kept below the current one, newest first
_BLOCK = re.compile(rf"^{re.escape(START)}\n.*?^{re.escape(END)}$", re.MULTILINE | re.DOTALL)
_FOOTER = re.compile(r"\n*<sub>Updated by \[workflow run\]\([^)\s]*\)\.</sub>\s*\Z")
DROPPED = "_Not kept here: too long for one comment._"


def targets_table(wheres: Sequence[Where]) -> list[str]:
    lines = ["| Target | Account | Region |", "|---|---|---|"]
    for w in wheres:
        account = code(w.account) if w.account else "account not known"
        region = code(w.region) if w.region else "region not known"
        lines.append(f"| {code(w.name)} | {account} | {region} |")
    return lines


def _without_marker(markdown: str) -> str:
    text = markdown.strip("\n")
    return text[len(MARKER) :].strip("\n") if text.startswith(MARKER) else text


def _without_heading(markdown: str) -> str:
    text = _without_marker(markdown)
    return text[len(HEADING) :].strip("\n") if text.startswith(HEADING + "\n") or text == HEADING else text


def section(markdown: str, record: PlanRecord, wheres: Sequence[Where], env: Mapping[str, str] | None = None) -> str:
    """The rendered plan under a header: its commit and, per target, account and region."""
    lines = [MARKER, HEADING, "", encode(record), ""]
    if record.sha:
        lines += [f"Planned at commit {commit_ref(record.sha, env)}.", ""]
    if wheres:
        lines += [*targets_table(wheres), ""]
    return "\n".join([*lines, _without_heading(markdown)]) + "\n"


def split(body: str) -> tuple[str, list[str]]:
    """A posted body as (current plan, outdated blocks); marker and footer dropped."""
    text = _without_marker(_FOOTER.sub("", body.strip()))
    blocks = _BLOCK.findall(text)
    first = _BLOCK.search(text)
    current = text[: first.start()] if first else text
    return current.strip("\n"), blocks


def outdated(current: str) -> str:
    """A replaced plan, collapsed; its summary names the commit and what it would have done."""
    record = decode(current)
    label = "Outdated plan"
    if record and record.sha:
        label += f" (commit <code>{record.sha[:7]}</code>)"
    if record:
        label += f": {record.headline()}"
    content = strip(_without_heading(current)).strip("\n")
    return f"{START}\n<details><summary>{label}</summary>\n\n{content}\n\n</details>\n{END}"


def _stub(block: str) -> str:
    summary = block.split("\n", 2)[1]
    return f"{START}\n{summary}\n\n{DROPPED}\n\n</details>\n{END}"


def fold(previous: str | None, new: str, footer: str = "") -> str:
    """The body that replaces `previous`: `new` first, the plan it replaces and up to KEEP-1
    older ones below it, as many as fit in a comment (whole, else by their summary line)."""
    current = _without_marker(new)
    blocks: list[str] = []
    if previous is not None:
        old, blocks = split(previous)
        if old.strip() and old.strip() != current.strip():
            blocks.insert(0, outdated(old))
    head = f"{MARKER}\n{current}".rstrip("\n")
    if len(head) + len(footer) > MAX_BODY:
        return fit(head, footer)
    text = head
    for block in blocks[:KEEP]:
        for candidate in (block, _stub(block)):
            if len(text) + 2 + len(candidate) + len(footer) + 1 <= MAX_BODY:
                text += "\n\n" + candidate
                break
        else:
            break
    return text + footer + "\n"


def plan_markdown(plan: PlanRun, sha: str | None, args: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The plan file: the rendered plan under its header, with the record apply compares with."""
    if not plan.ok or not isinstance(plan.document, dict):
        return section(plan.markdown, PlanRecord(sha, plan.exit_code, {}), [], env)
    listed = from_plan(plan.document)
    record = from_plan_json(plan.document, [w.name for w in listed], sha, plan.exit_code)
    if placed(plan.document):
        return section(plan.markdown, record, [], env)
    wheres = listed
    if any(w.account is None or w.region is None for w in listed):
        wheres = merged(listed, from_config(args, env))
    return section(plan.markdown, record, wheres, env)
