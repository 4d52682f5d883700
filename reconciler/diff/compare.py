"""Compare two comparable records field by field (DeepDiff), as `FieldChange`s on leaves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from deepdiff import DeepDiff

from reconciler.model import FieldChange, Op
from reconciler.secrets.refs import PARAMETER_LISTS


def field_path(parts: list[Any]) -> str:
    """`[..., "HeaderParameters", "X-Env", "Value"]` → `...HeaderParameters[X-Env].Value`."""
    out = ""
    keyed = False
    for part in parts:
        if keyed:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
        keyed = part in PARAMETER_LISTS
    return out


def leaves(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    if len(path) >= 2 and path[-2] in PARAMETER_LISTS and isinstance(value, dict):
        # A whole parameter added or removed reads best as one line: its value.
        yield path, value.get("Value")
    elif isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from leaves(inner, path + [key])
    else:
        yield path, value


def _change(path: list[Any], op: Op, before: Any, after: Any) -> FieldChange:
    return FieldChange(field_path(path), op, before, after)


def compare(live: dict[str, Any], desired: dict[str, Any]) -> list[FieldChange]:
    if live == desired:
        return []
    changes: list[FieldChange] = []
    tree = DeepDiff(live, desired, view="tree")
    for report, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            if report == "dictionary_item_added":
                changes += [_change(p, Op.ADD, None, v) for p, v in leaves(level.t2, path)]
            elif report == "dictionary_item_removed":
                changes += [_change(p, Op.REMOVE, v, None) for p, v in leaves(level.t1, path)]
            else:
                if isinstance(level.t1, dict) or isinstance(level.t2, dict):
                    # A leaf became a block or the reverse: show both sides as leaves.
                    changes += [_change(p, Op.REMOVE, v, None) for p, v in leaves(level.t1, path)]
                    changes += [_change(p, Op.ADD, None, v) for p, v in leaves(level.t2, path)]
                else:
                    changes.append(_change(path, Op.CHANGE, level.t1, level.t2))
    return sorted(changes, key=lambda c: c.path)


def creation(desired: dict[str, Any]) -> list[FieldChange]:
    return [_change(p, Op.ADD, None, v) for p, v in leaves(desired, [])]
