"""How a field value is shown. Secret fields only ever carry masked markers."""

from __future__ import annotations

import json
from typing import Any

from reconciler.diff.normalize import SECRET
from reconciler.model import Action, FieldChange, Op

SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-", Action.NOOP: " "}
OP_SYMBOL = {Op.ADD: "+", Op.REMOVE: "-", Op.CHANGE: "~"}


def show(value: Any) -> str:
    if value == SECRET:
        return "(secret)"
    if isinstance(value, str) and value.startswith("(secret"):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_line(change: FieldChange) -> str:
    symbol = OP_SYMBOL[change.op]
    if change.op is Op.ADD:
        line = f"{symbol} {change.path}: {show(change.after)}"
    elif change.op is Op.REMOVE:
        line = f"{symbol} {change.path}: {show(change.before)}"
    elif change.secret and isinstance(change.after, str) and change.after.startswith("(secret"):
        line = f"{symbol} {change.path}: {change.after}"
    else:
        line = f"{symbol} {change.path}: {show(change.before)} → {show(change.after)}"
    return f"{line}  ({change.note})" if change.note else line
