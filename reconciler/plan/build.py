"""Spec + live connection (+ secrets) → one `ResourcePlan`. Pure: no AWS calls here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.diff.compare import compare, creation, field_path
from reconciler.diff.ignore import Rules, split
from reconciler.diff.normalize import comparable
from reconciler.diff.secrets import PreviousReader, SecretCheck, blind, forced, source_marker, verified
from reconciler.model import (
    CONNECTION,
    TRANSITIONAL,
    UNHEALTHY,
    Action,
    FieldChange,
    Live,
    Op,
    ReadFailure,
    ResourcePlan,
    Spec,
)
from reconciler.secrets.desired import DesiredSecrets
from reconciler.secrets.managed import ManagedRead


def _secret_versions(desired: DesiredSecrets) -> dict[str, str]:
    return {field_path(list(slot)): f"{v.ref.secret_id}@{v.version_id}" for slot, v in desired.by_slot.items()}


def _annotate_secret_adds(changes: list[FieldChange], desired: DesiredSecrets) -> list[FieldChange]:
    """A secret added by the field diff shows where its value comes from, masked. A whole
    parameter added shows as one line at the parameter's path, the slot's parent."""
    sources = {}
    for slot, value in desired.by_slot.items():
        sources[field_path(list(slot))] = value
        if slot[-1] == "Value":
            sources[field_path(list(slot[:-1]))] = value
    out = []
    for change in changes:
        source = sources.get(change.path)
        if change.secret and change.op is Op.ADD and source is not None:
            change = FieldChange(change.path, change.op, None, source_marker(source))
        out.append(change)
    return out


def _covered(changes: list[FieldChange]) -> set[str]:
    """Secret paths the field diff already shows: the secret check leaves them alone."""
    paths = set()
    for change in changes:
        if change.secret:
            paths |= {change.path, change.path + ".Value"}
    return paths


def _health(live: Live) -> tuple[list[FieldChange], list[str]]:
    """EventBridge reports failed authorization as a state, not an error; the Terraform
    provider counts DEAUTHORIZED as success. Here it is drift: apply re-sends the
    credentials, which makes EventBridge authorize again."""
    if live.state in UNHEALTHY:
        healthy = "ACTIVE" if live.data.get("InvocationConnectivityParameters") else "AUTHORIZED"
        reason = f"StateReason: {live.state_reason}" if live.state_reason else ""
        return [FieldChange("ConnectionState", Op.CHANGE, live.state, healthy, note=reason)], []
    if live.state in TRANSITIONAL:
        return [], [f"connection is {live.state}; this plan may change once it settles"]
    return [], []


def _parse_time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def plan_connection(
    spec: Spec,
    live: Live | None,
    desired: DesiredSecrets,
    managed: ManagedRead,
    previous: PreviousReader,
    force_secrets: bool = False,
    verify_secrets: bool = True,
    ignore: tuple[str, ...] = (),
) -> ResourcePlan:
    """`ignore`: the target's ignore_changes, besides the spec's own IgnoreChanges."""
    want = comparable(spec.body)
    versions = _secret_versions(desired)
    if live is None:
        changes = _annotate_secret_adds(creation(want), desired)
        return ResourcePlan(spec.name, Action.CREATE, spec.target, spec.file, changes, secret_versions=versions)
    have = comparable(live.data)
    changes = _annotate_secret_adds(compare(have, want), desired)
    skip = _covered(changes)
    check: SecretCheck
    last_modified = _parse_time(live.data.get("LastModifiedTime"))
    if force_secrets:
        check = forced(desired, skip)
    elif not verify_secrets:
        check = blind(desired, "--no-verify-secrets", last_modified, skip)
    elif isinstance(managed, ReadFailure):
        check = blind(
            desired, f"the connection's managed secret could not be read ({managed.code})", last_modified, skip
        )
    elif managed is None:
        check = blind(desired, "the connection reports no SecretArn", last_modified, skip)
    else:
        check = verified(desired, managed, previous, skip)
    health, notes = _health(live)
    rules = Rules.of(spec.body, CONNECTION, ignore).in_force(spec.body, live.data)
    parted = split(changes + check.changes, rules, have, want)
    all_changes = sorted(parted.kept, key=lambda c: c.path) + health
    action = Action.UPDATE if all_changes else Action.NOOP
    return ResourcePlan(
        spec.name,
        action,
        spec.target,
        spec.file,
        all_changes,
        state=live.state,
        state_reason=live.state_reason,
        notes=check.notes + notes + parted.notes,
        live_modified=live.last_modified,
        secret_versions=versions,
        ignore=list(rules),
        ignored=parted.ignored,
    )
