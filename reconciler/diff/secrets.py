"""Secret drift: compare resolved desired values with the connection's managed secret.

DescribeConnection withholds every secret value, which is why other tools never see
a rotated or tampered secret. The managed secret holds what EventBridge uses; values
are compared in memory, in constant time, and only masked markers leave this module.
When the managed secret can't be read, the plan says so per connection and falls back
to metadata: a source secret version created after the connection was last modified.
A parameter value that can't be placed in a readable managed secret is "not verified",
never a change: no AWS recording shows where those values are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reconciler.diff.compare import field_path
from reconciler.model import SECRET, FieldChange, Masked, Op
from reconciler.secrets.desired import DesiredSecrets, ResolvedValue, short_version
from reconciler.secrets.managed import SlotId, recorded
from reconciler.secrets.redact import Secret

# Reads the AWSPREVIOUS value of a source secret (for the same JSON key), or None.
PreviousReader = Callable[[ResolvedValue], "tuple[str, Secret] | None"]

_UNPLACED = "has no recognised place in the connection's managed secret"


@dataclass
class SecretCheck:
    changes: list[FieldChange]
    notes: list[str]


def _path(slot: SlotId) -> str:
    return field_path(list(slot))


def _source(value: ResolvedValue) -> str:
    key = f" key {value.ref.json_key}" if value.ref.json_key else ""
    return f"{value.ref.secret_id}{key}"


def _changed(slot: SlotId, marker: str, want: ResolvedValue, previous: str | None = None) -> FieldChange:
    after = Masked(f"({marker})", want.ref.secret_id, want.version_id, previous)
    return FieldChange(_path(slot), Op.CHANGE, SECRET, after)


def source_marker(want: ResolvedValue) -> Masked:
    """A secret the plan adds: where its value comes from."""
    return Masked(f"(secret: {_source(want)} version {want.version_label})", want.ref.secret_id, want.version_id)


def verified(
    desired: DesiredSecrets, managed: dict[SlotId, Secret], previous: PreviousReader, skip: set[str]
) -> SecretCheck:
    changes = []
    notes = []
    for slot, want in sorted(desired.by_slot.items()):
        if _path(slot) in skip:
            continue  # already shown as added or re-typed by the field diff
        have = managed.get(slot)
        if have is None and not recorded(slot):
            # No AWS recording shows where parameter values are kept (AWS-NOTES, "The managed
            # secret"): planning a change here could plan it again after every apply.
            notes.append(f"secret value not verified: {_path(slot)} {_UNPLACED}")
        elif have is None:
            changes.append(_changed(slot, f"secret set: {_source(want)} version {want.version_label}", want))
        elif not have.same_as(want.value):
            before = previous(want)
            if before is not None and before[1].same_as(have):
                marker = f"secret changed: {_source(want)} version {short_version(before[0])} → {want.version_label}"
                changes.append(_changed(slot, marker, want, before[0]))
            else:
                # reconcile keeps no state, so it can't know who set the live value: say only what it saw.
                marker = f"live value differs from {_source(want)} version {want.version_label}"
                changes.append(_changed(slot, marker, want))
    return SecretCheck(changes, notes)


def blind(desired: DesiredSecrets, why: str, last_modified: datetime | None, skip: set[str]) -> SecretCheck:
    """The managed secret was not read (`why`: AccessDenied, KMS, --no-verify-secrets):
    never claim the secrets match."""
    changes = []
    for slot, want in sorted(desired.by_slot.items()):
        if _path(slot) in skip:
            continue
        if want.created and last_modified and want.created > last_modified:
            marker = (
                f"secret probably changed: {_source(want)} version {want.version_label} is newer than the connection"
            )
            changes.append(_changed(slot, marker, want))
    note = f"secret values not verified: {why}"
    if not changes and desired.by_slot:
        note += "; no source secret changed since the connection was last modified"
    return SecretCheck(changes, [note] if desired.by_slot else [])


def forced(desired: DesiredSecrets, skip: set[str]) -> SecretCheck:
    changes = [
        _changed(slot, f"secret pushed: {_source(want)} version {want.version_label} (--force-secrets)", want)
        for slot, want in sorted(desired.by_slot.items())
        if _path(slot) not in skip
    ]
    return SecretCheck(changes, [])
