"""Saved plans: `plan --out FILE` records what was reviewed; `apply FILE` applies exactly that.

The file holds no secret value: field changes carry masked markers, and secrets are
recorded as `secret-id@version-id`. Apply recomputes the plan and refuses, writing
nothing, if any planned connection changed live (LastModifiedTime), a spec changed, a
referenced secret has a new version, or the fresh plan differs from the saved one.

The record is this module's own (`_record`, `_field_record`), not the JSON renderer's: a
change to `plan --format json` must never change what counts as stale. Its keys are those
versions 1 to 3 were written with, so older files compare alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.errors import ReconcileError
from reconciler.model import (
    API_DESTINATION,
    CONNECTION,
    LABEL,
    Action,
    FieldChange,
    Masked,
    Op,
    Pending,
    Place,
    Plan,
    ResourcePlan,
    Spec,
    labelled,
)
from reconciler.options import PlanOptions
from reconciler.output import write_file

KIND = "reconcile-plan"
# 3: API destinations too (records carry `type`; `declared_destinations`).
# 2: options stored as typed PlanOptions fields. 1: options stored under command-line names.
VERSION = 3
READABLE = (1, 2, 3)
Specs = dict[tuple[str, str, str], Spec]  # by (target, type, name)


def spec_digest(spec: Spec | None) -> str | None:
    if spec is None:
        return None
    text = json.dumps(spec.body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class SavedPlan:
    options: dict[str, Any]  # PlanOptions.replayable()
    connections: list[dict[str, Any]]


def _options_v1(old: dict[str, Any]) -> dict[str, Any]:
    """A version-1 file's options (command-line names) as version 2 stores them."""
    return {
        "sources": {"dir": old.get("dir"), "config": old.get("config"), "targets": old.get("target") or []},
        "region": old.get("region"),
        "profile": old.get("profile"),
        "prune": bool(old.get("prune")),
        "prune_prefixes": old.get("prune_prefix") or [],
        "force_secrets": bool(old.get("force_secrets")),
        "verify_secrets": not old.get("no_verify_secrets"),
    }


def recorded_options(options: PlanOptions, config: str | None) -> dict[str, Any]:
    """What the file replays; a config found by looking for it is named, so a replay uses the same one."""
    data = options.replayable()
    if data["sources"]["config"] is None and config is not None:
        data["sources"]["config"] = config
    data["sources"]["targets"] = list(data["sources"]["targets"])
    data["prune_prefixes"] = list(data["prune_prefixes"])
    data["only"] = list(data["only"])
    return data


def _marker_text(value: Any) -> Any:
    return value.text if isinstance(value, (Masked, Pending)) else value


def _field_record(change: FieldChange) -> dict[str, Any]:
    """One field change as the file keeps it: a secret side is its marker's text, with the source
    secret version it stands for (never a value)."""
    record: dict[str, Any] = {
        "path": change.path,
        "op": change.op.value,
        "before": _marker_text(change.before),
        "after": _marker_text(change.after),
        "secret": change.secret,
    }
    marker = change.after if isinstance(change.after, Masked) else change.before
    if isinstance(marker, Masked) and marker.secret_id is not None:
        source = {"secret_id": marker.secret_id, "version": marker.version}
        if marker.previous:
            source["previous_version"] = marker.previous
        record["secret_source"] = source
    if isinstance(change.after, Pending):
        record["known_after_apply"] = True
    if change.note:
        record["note"] = change.note
    return record


def _plan_record(conn: ResourcePlan) -> dict[str, Any]:
    """What was reviewed of one resource: enough for `show`, and for staleness to compare."""
    return {
        "name": conn.name,
        "type": conn.type,
        "action": conn.action.value,
        "target": conn.target,
        "file": conn.file,
        "state": conn.state,
        "state_reason": conn.state_reason or None,
        "notes": conn.notes,
        "fields": [_field_record(c) for c in conn.changes],
        "ignored": conn.ignored,  # IgnoreChanges: differences shown, never written
        **({"connection": conn.connection} if conn.type == API_DESTINATION else {}),
    }


def _record(conn: ResourcePlan, specs: Specs) -> dict[str, Any]:
    record = _plan_record(conn)
    record["live_modified"] = conn.live_modified
    record["secret_versions"] = conn.secret_versions
    record["spec_digest"] = spec_digest(specs.get((conn.target, *conn.key)))
    return record


def _declared(specs: Specs, target: str, type_: str) -> list[str]:
    return sorted(n for (t, k, n) in specs if t == target and k == type_)


def _key(record: dict[str, Any]) -> tuple[str, str, str]:
    """A recorded entry's identity; files before version 3 hold connections only."""
    return (record["target"], record.get("type") or CONNECTION, record["name"])


def save(path: str, plan: Plan, specs: Specs, options: PlanOptions, config: str | None) -> None:
    document = {
        "kind": KIND,
        "version": VERSION,
        "options": recorded_options(options, config),
        "summary": plan.summary(),
        "declared": {t: _declared(specs, t, CONNECTION) for t in plan.targets},
        "declared_destinations": {t: _declared(specs, t, API_DESTINATION) for t in plan.targets},
        "places": {t: {"account": p.account, "region": p.region} for t, p in plan.places.items()},
        "connections": [_record(c, specs) for c in plan.resources],
    }
    write_file(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def load(path: str) -> tuple[SavedPlan, dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise ReconcileError(f"{path}: cannot read saved plan: {exc.strerror}") from None
    except ValueError:
        raise ReconcileError(f"{path}: not a saved plan (invalid JSON)") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ReconcileError(f"{path}: not a saved plan written by `reconcile plan --out`")
    version = document.get("version")
    if version not in READABLE:
        raise ReconcileError(f"{path}: saved plan format {version} is not supported (this reconcile reads {READABLE})")
    options = _options_v1(document["options"]) if version == 1 else document["options"]
    return SavedPlan(options, document["connections"]), document


def _field(record: dict[str, Any]) -> FieldChange:
    """A field change as the file records it (plan JSON's record): a secret side is its marker's text."""
    before, after = record["before"], record["after"]
    if record["secret"]:
        source = record.get("secret_source") or {}
        marker = {
            "secret_id": source.get("secret_id"),
            "version": source.get("version"),
            "previous": source.get("previous_version"),
        }
        # The source belongs to the side JSON took it from: `after` when it has a marker.
        after = Masked(after, **marker) if after is not None else None
        before = Masked(before, **({} if after is not None else marker)) if before is not None else None
    elif record.get("known_after_apply"):
        after = Pending(after)
    return FieldChange(record["path"], Op(record["op"]), before, after, record.get("note", ""))


def to_plan(path: str, document: dict[str, Any]) -> Plan:
    """The plan a saved file holds, for rendering (`reconcile show`) without AWS."""
    try:
        connections = [
            ResourcePlan(
                name=c["name"],
                action=Action(c["action"]),
                target=c.get("target") or "default",
                file=c.get("file"),
                changes=[_field(f) for f in c["fields"]],
                state=c.get("state"),
                state_reason=c.get("state_reason") or "",
                notes=list(c.get("notes") or []),
                ignored=list(c.get("ignored") or []),
                type=c.get("type") or CONNECTION,
                connection=c.get("connection"),
            )
            for c in document["connections"]
        ]
        targets = list(document.get("declared") or {}) or sorted({c.target for c in connections}) or ["default"]
        places = {t: Place(p.get("account"), p.get("region")) for t, p in (document.get("places") or {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ReconcileError(
            f"{path}: not a saved plan this reconcile can read ({type(exc).__name__}: {exc})"
        ) from None
    return Plan(connections, targets=targets, places=places)


def place_check(path: str, document: dict[str, Any]) -> Callable[[str, Place], None]:
    """For build_plan: refuse a target whose credentials reach another account or region than
    the saved plan was made in, before anything is read there."""
    recorded = document.get("places") or {}

    def check(target: str, now: Place) -> None:
        if target not in recorded:
            return  # a version-2 file from before places were recorded
        was = Place(recorded[target].get("account"), recorded[target].get("region"))
        if now != was:
            raise ReconcileError(
                f"{path} was planned for target {target} in {was}, but this run reaches {now}; "
                "refusing to apply it elsewhere. Nothing was written"
            )

    return check


def _short(modified: str | None) -> str:
    return modified or "absent"


def _label(fresh: Plan, target: str, type_: str, name: str) -> str:
    label = labelled(type_, name)
    return label if len(fresh.targets) == 1 else f"{target}/{label}"


def staleness(saved: SavedPlan, document: dict[str, Any], fresh: Plan, specs: Specs) -> list[str]:
    """Why the saved plan no longer describes what apply would do; empty when it still does."""
    reasons: list[str] = []
    now = {(c.target, *c.key): c for c in fresh.resources}
    declared = [
        (CONNECTION, document.get("declared", {})),
        (API_DESTINATION, document.get("declared_destinations", {})),
    ]
    for type_, by_target in declared:
        reasons += _spec_changes(by_target, specs, type_)
    for old in saved.connections:
        key = _key(old)
        label = _label(fresh, *key)
        new = now.get(key)
        if new is None:
            continue  # reported above as a removed spec
        if old["spec_digest"] != spec_digest(specs.get(key)):
            reasons.append(f"{label}: its spec changed since the plan")
        if old["live_modified"] != new.live_modified:
            reasons.append(
                f"{label}: changed live since the plan (LastModifiedTime {_short(old['live_modified'])} → "
                f"{_short(new.live_modified)})"
            )
        for field, version in new.secret_versions.items():
            if old["secret_versions"].get(field) not in (None, version):
                reasons.append(f"{label}: secret {version.split('@')[0]} has a new version since the plan ({field})")
        if not reasons and _plan_record(new)["fields"] != old["fields"]:
            reasons.append(f"{label}: the plan for it is different now ({old['action']} → {new.action.value})")
    # What nobody reviewed is never written: above all a deletion under --prune of a live
    # connection that appeared after the plan was saved.
    recorded = {_key(old) for old in saved.connections}
    for conn in fresh.resources:
        if (conn.target, *conn.key) not in recorded and conn.action is not Action.NOOP:
            reasons.append(
                f"{_label(fresh, conn.target, *conn.key)}: not in the saved plan, and would now be a "
                f"{conn.action.value}"
            )
    return reasons


def _spec_changes(by_target: dict[str, list[str]], specs: Specs, type_: str) -> list[str]:
    reasons = []
    what = "specs" if type_ == CONNECTION else f"{LABEL[type_]} specs"
    for target, names in by_target.items():
        current = _declared(specs, target, type_)
        added, removed = sorted(set(current) - set(names)), sorted(set(names) - set(current))
        if added or removed:
            reasons.append(
                f"{what} changed for target {target}: "
                + "; ".join(
                    part
                    for part in (
                        f"added {', '.join(added)}" if added else "",
                        f"removed {', '.join(removed)}" if removed else "",
                    )
                    if part
                )
            )
    return reasons
