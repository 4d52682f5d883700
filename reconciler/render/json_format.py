"""Machine-readable plan: a top-level object with a `changes` list, one entry per connection or API destination."""

from __future__ import annotations

import json
from typing import Any

from reconciler.errors import Problem
from reconciler.model import API_DESTINATION, Action, FieldChange, Masked, Pending, Plan, ResourcePlan

FORMAT_VERSION = 1


def _value(value: Any) -> Any:
    # A marker is its text; anything else is the value itself (None is null).
    return value.text if isinstance(value, (Masked, Pending)) else value


def _source(change: FieldChange) -> dict[str, Any]:
    """Which source secret version a secret field stands for, for scripts (never a value)."""
    marker = change.after if isinstance(change.after, Masked) else change.before
    if not isinstance(marker, Masked) or marker.secret_id is None:
        return {}
    source = {"secret_id": marker.secret_id, "version": marker.version}
    if marker.previous:
        source["previous_version"] = marker.previous
    return {"secret_source": source}


def field_record(change: FieldChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "op": change.op.value,
        "before": _value(change.before),
        "after": _value(change.after),
        "secret": change.secret,
        **_source(change),
        # A value apply learns on the way (the ARN of a connection it creates first): `after` is its description.
        **({"known_after_apply": True} if isinstance(change.after, Pending) else {}),
        **({"note": change.note} if change.note else {}),
    }


def connection_record(conn: ResourcePlan) -> dict[str, Any]:
    return {
        "name": conn.name,
        "type": conn.type,
        "action": conn.action.value,
        "target": conn.target,
        "file": conn.file,
        "state": conn.state,
        "state_reason": conn.state_reason or None,
        "notes": conn.notes,
        # Differences under IgnoreChanges: neither drift nor written, listed so nothing is hidden.
        "ignored": conn.ignored,
        "fields": [field_record(c) for c in conn.changes],
        # An API destination declared with `Connection: NAME`; null otherwise.
        **({"connection": conn.connection} if conn.type == API_DESTINATION else {}),
    }


def render(plan: Plan) -> str:
    summary = {action.value: plan.count(action) for action in Action}
    document = {
        "format_version": FORMAT_VERSION,
        "has_changes": plan.has_changes,
        "summary": summary,
        "targets": plan.targets,
        # The account and region each target was planned in (absent for a plan not made against AWS).
        "places": {name: {"account": p.account, "region": p.region} for name, p in plan.places.items()},
        "changes": [connection_record(c) for c in plan.resources],
        # Targets that could not be planned, and why (present only when some failed).
        **({"failed_targets": plan.failed} if plan.failed else {}),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def problem_record(problem: Problem) -> dict[str, Any]:
    """One error as scripts read it; what the error doesn't know (a line, a field) is null."""
    loc = problem.location
    return {
        "file": loc.file or None,
        "line": loc.line or None,
        "column": loc.column or None,
        "path": problem.path or None,
        "message": problem.message,
    }


def render_errors(problems: list[Problem]) -> str:
    """What `--format json` prints on stdout when the run fails before a plan: every error."""
    return json.dumps({"errors": [problem_record(p) for p in problems]}, indent=2, ensure_ascii=False) + "\n"
