"""Machine-readable plan: a top-level object with a `changes` list, one entry per connection."""

from __future__ import annotations

import json
from typing import Any

from reconciler.model import Action
from reconciler.plan.model import ConnectionPlan, Plan
from reconciler.render.values import show

FORMAT_VERSION = 1


def _value(value: Any, secret: bool) -> Any:
    # Secret slots carry masked markers only; show() keeps them as text.
    return show(value) if secret else value


def connection_record(conn: ConnectionPlan) -> dict[str, Any]:
    return {
        "name": conn.name,
        "action": conn.action.value,
        "target": conn.target,
        "file": conn.file,
        "state": conn.state,
        "state_reason": conn.state_reason or None,
        "notes": conn.notes,
        "fields": [
            {
                "path": c.path,
                "op": c.op.value,
                "before": _value(c.before, c.secret),
                "after": _value(c.after, c.secret),
                "secret": c.secret,
                **({"note": c.note} if c.note else {}),
            }
            for c in conn.changes
        ],
    }


def render(plan: Plan) -> str:
    summary = {action.value: plan.count(action) for action in Action}
    document = {
        "format_version": FORMAT_VERSION,
        "has_changes": plan.has_changes,
        "summary": summary,
        "targets": plan.targets,
        "changes": [connection_record(c) for c in plan.connections],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
