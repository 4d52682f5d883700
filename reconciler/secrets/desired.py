"""Desired secret values: what each reference in a spec resolved to. Pure: no AWS calls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.model import SecretVersion
from reconciler.secrets.managed import SlotId
from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import SecretRef


@dataclass(frozen=True)
class ResolvedValue:
    ref: SecretRef
    version_id: str
    arn: str
    value: Secret
    created: datetime | None = None

    @property
    def version_label(self) -> str:
        return short_version(self.version_id)


def short_version(version_id: str) -> str:
    return version_id[:8] + "…" if len(version_id) > 8 else version_id


@dataclass
class DesiredSecrets:
    """Spec path → resolved value, for one connection."""

    by_path: dict[tuple[Any, ...], ResolvedValue]
    by_slot: dict[SlotId, ResolvedValue]


def extract(ref: SecretRef, version: SecretVersion) -> Secret | str:
    """The value a reference points at, or why there is none (never the value itself)."""
    if version.value is None:
        return f"secret {ref.secret_id!r} is binary; only SecretString secrets are supported"
    if ref.json_key is None:
        return Secret(version.value.reveal())
    try:
        document = json.loads(version.value.reveal())
    except ValueError:
        return f"secret {ref.secret_id!r} is not JSON, so it has no key {ref.json_key!r}"
    if not isinstance(document, dict) or ref.json_key not in document:
        return f"secret {ref.secret_id!r} has no JSON key {ref.json_key!r}"
    value = document[ref.json_key]
    if not isinstance(value, str):
        return f"secret {ref.secret_id!r} key {ref.json_key!r} is not a string"
    return Secret(value)
