"""What a plan comment showed, recorded in it as one hidden line: per target, its changes by
name and action. Apply reads it back from the merged pull request to say whether it applied
what reviewers saw (reconciler/github/apply_comment.py).

Names and actions only, never values. An API destination is recorded as "API destination
NAME" (no AWS name holds a space), so a connection and a destination of one name stay apart
and a plan of connections alone records what it always did. Past MAX_LISTED changes in the whole plan only the
counts and a digest of each target are kept: a GitHub comment holds 65,536 characters, and
the plan comes first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.model import CONNECTION, labelled

PREFIX = "<!-- reconcile-plan-record "
SUFFIX = " -->"
_LINE = re.compile(r"^<!-- reconcile-plan-record (\{.*\}) -->$", re.MULTILINE)
MAX_LISTED = 200  # at most ~16,000 characters of names (64 at most each)
ACTIONS = ("create", "update", "delete")

Change = tuple[str, str]  # (action, label): the name, after its type when it is no connection


@dataclass(frozen=True)
class TargetChanges:
    counts: tuple[int, int, int]  # create, update, delete
    digest: str
    changes: tuple[Change, ...] | None  # None: too many to list

    @classmethod
    def of(cls, changes: Iterable[Change], listed: bool = True) -> TargetChanges:
        found = tuple(sorted(set(changes), key=lambda c: (c[1], c[0])))
        count = Counter(action for action, _ in found)
        lines = "".join(f"{action} {name}\n" for action, name in found)
        return cls(
            counts=(count["create"], count["update"], count["delete"]),
            digest=hashlib.sha256(lines.encode()).hexdigest()[:16],
            changes=found if listed else None,
        )

    def summary(self) -> str:
        return ", ".join(f"{n} to {action}" for n, action in zip(self.counts, ACTIONS, strict=True))


@dataclass(frozen=True)
class PlanRecord:
    sha: str | None
    exit_code: int  # the plan's: 0 in sync, 2 changes, 1 failed
    targets: dict[str, TargetChanges]  # every target planned; empty when the plan failed

    def headline(self) -> str:
        if self.exit_code not in (0, 2):
            return "the plan failed"
        if self.exit_code == 0:
            return "no changes"
        totals = [sum(t.counts[i] for t in self.targets.values()) for i in range(3)]
        return ", ".join(f"{n} to {action}" for n, action in zip(totals, ACTIONS, strict=True))


def from_plan_json(document: Any, target_names: Iterable[str], sha: str | None, exit_code: int) -> PlanRecord:
    """From `reconcile plan --format json`: each planned target, even one without changes."""
    per_target: dict[str, list[Change]] = {name: [] for name in target_names}
    changes = document.get("changes") if isinstance(document, dict) else None
    for change in changes if isinstance(changes, list) else []:
        if isinstance(change, dict) and change.get("action") in ACTIONS:
            target = str(change.get("target") or "default")
            named = labelled(str(change.get("type") or CONNECTION), str(change.get("name")))
            per_target.setdefault(target, []).append((str(change["action"]), named))
    listed = sum(len(found) for found in per_target.values()) <= MAX_LISTED
    return PlanRecord(sha, exit_code, {name: TargetChanges.of(found, listed) for name, found in per_target.items()})


def encode(record: PlanRecord) -> str:
    targets = {
        name: {
            "counts": list(t.counts),
            "digest": t.digest,
            **({"changes": [list(c) for c in t.changes]} if t.changes is not None else {}),
        }
        for name, t in record.targets.items()
    }
    data = {"v": 1, "sha": record.sha, "exit": record.exit_code, "targets": targets}
    # `>` never ends the HTML comment early: in JSON it can only sit in a string, as \u003e.
    return PREFIX + json.dumps(data, separators=(",", ":")).replace(">", "\\u003e") + SUFFIX


def decode(text: str) -> PlanRecord | None:
    """The first record line in `text`; None when there is none or it cannot be read."""
    match = _LINE.search(text)
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
        targets = {
            str(name): TargetChanges(
                counts=(int(t["counts"][0]), int(t["counts"][1]), int(t["counts"][2])),
                digest=str(t["digest"]),
                changes=tuple((str(a), str(n)) for a, n in t["changes"]) if "changes" in t else None,
            )
            for name, t in data["targets"].items()
        }
        return PlanRecord(data.get("sha") or None, int(data["exit"]), targets)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def strip(text: str) -> str:
    """`text` without its record lines."""
    return _LINE.sub("", text)


@dataclass(frozen=True)
class Difference:
    name: str
    planned: str | None  # the action the plan showed, None: not in the plan
    applied: str | None  # the action apply took, None: not applied


@dataclass(frozen=True)
class Comparison:
    same: bool
    differences: tuple[Difference, ...]  # by name, when both sides list their changes


def compare(planned: TargetChanges, applied: TargetChanges) -> Comparison:
    if planned.digest == applied.digest and planned.counts == applied.counts:
        return Comparison(True, ())
    if planned.changes is None or applied.changes is None:
        return Comparison(False, ())
    was, now = dict((n, a) for a, n in planned.changes), dict((n, a) for a, n in applied.changes)
    names = sorted(set(was) | set(now))
    return Comparison(False, tuple(Difference(n, was.get(n), now.get(n)) for n in names if was.get(n) != now.get(n)))
