"""How a field value is shown. Secret fields only ever carry masked markers."""

from __future__ import annotations

import json
from typing import Any

from reconciler.model import Action, FieldChange, Masked, Op, Pending
from reconciler.untrusted import json_visible, visible

SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.NOOP: " "}
OP_SYMBOL = {Op.ADD: "+", Op.REMOVE: "-", Op.CHANGE: "~"}


def show(value: Any) -> str:
    """A marker as its text; every other value as JSON, so text is always quoted (and JSON's
    escapes keep controls, bidi controls and line separators visible)."""
    if isinstance(value, (Masked, Pending)):
        return visible(value.text)
    return json_visible(json.dumps(value, ensure_ascii=False))


def change_line(change: FieldChange) -> str:
    symbol = OP_SYMBOL[change.op]
    path = visible(change.path)
    if change.op is Op.ADD:
        line = f"{symbol} {path}: {show(change.after)}"
    elif change.op is Op.REMOVE:
        line = f"{symbol} {path}: {show(change.before)}"
    elif isinstance(change.before, Masked) and isinstance(change.after, Masked):
        line = f"{symbol} {path}: {show(change.after)}"  # the marker says what changed
    else:
        line = f"{symbol} {path}: {show(change.before)} → {show(change.after)}"
    return f"{line}  ({visible(change.note)})" if change.note else line


def ignored_line(paths: list[str]) -> str:
    """The quiet line for differences IgnoreChanges leaves alone: shown, never hidden."""
    verb = "differs" if len(paths) == 1 else "differ"
    return f"(ignored: {visible(', '.join(paths))} {verb}; IgnoreChanges)"
