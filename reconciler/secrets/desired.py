"""Resolve every secret reference in the specs to its value, in one batched pass."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import Spec
from reconciler.secrets.constraints import check_resolved
from reconciler.secrets.managed import SlotId, slot_of
from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import SecretRef, parse_reference, secret_fields
from reconciler.secrets.resolve import ReadFailure, SecretVersion, get_one, read_versions


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


def _failure_text(ref: SecretRef, failure: ReadFailure) -> str:
    what = {
        "ResourceNotFoundException": "not found (or the version/stage does not exist)",
        "AccessDeniedException": "access denied (needs secretsmanager:GetSecretValue, and kms:Decrypt for a customer managed key)",
        "DecryptionFailure": "cannot be decrypted with its KMS key",
        "InvalidRequestException": "cannot be read now (deleted or scheduled for deletion?)",
    }.get(failure.code, f"could not be read ({failure.message})")
    return f"secret {str(ref)!r}: {what} [{failure.code}]"


def resolve_secrets(specs: list[Spec], client: Any, pool: ThreadPoolExecutor) -> tuple[dict[str, DesiredSecrets], list[Problem]]:
    refs: dict[str, list[tuple[tuple[Any, ...], SecretRef]]] = {}
    for spec in specs:
        refs[spec.name] = [(path, parse_reference(value)) for path, value in secret_fields(spec.body)]
    versions = read_versions(client, [ref.fetch_key for found in refs.values() for _, ref in found], pool)
    problems: list[Problem] = []
    resolved: dict[str, DesiredSecrets] = {}
    for spec in specs:
        by_path: dict[tuple[Any, ...], ResolvedValue] = {}
        for path, ref in refs[spec.name]:
            got = versions[ref.fetch_key]
            where = spec.locate(path)
            if isinstance(got, ReadFailure):
                problems.append(Problem(where, dotted(path), _failure_text(ref, got)))
                continue
            value = extract(ref, got)
            if isinstance(value, str):
                problems.append(Problem(where, dotted(path), value))
                continue
            complaint = check_resolved(path, value)
            if complaint:
                problems.append(Problem(where, dotted(path), f"the value of secret {str(ref)!r} {complaint}"))
                continue
            by_path[path] = ResolvedValue(ref, got.version_id, got.arn, value, got.created)
        resolved[spec.name] = DesiredSecrets(by_path, {slot_of(p, spec.body): v for p, v in by_path.items()})
    return resolved, problems


class PreviousVersions:
    """Reads a source secret's AWSPREVIOUS value, once per secret, only when a secret drifted.

    It tells a rotation (the connection still holds the previous version) from a change
    made outside git (the connection holds a value no recent version has).
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str | None], tuple[str, Secret] | None] = {}

    def __call__(self, value: ResolvedValue) -> tuple[str, Secret] | None:
        if not value.ref.batchable:
            return None  # pinned to a version: there is no "previous" in play
        key = (value.ref.secret_id, value.ref.json_key)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        got = get_one(self._client, (value.ref.secret_id, "AWSPREVIOUS", None))
        result = None
        if isinstance(got, SecretVersion):
            extracted = extract(value.ref, got)
            if isinstance(extracted, Secret):
                result = (got.version_id, extracted)
        with self._lock:
            self._cache[key] = result
        return result
