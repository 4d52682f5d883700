"""Resolve every secret reference in the specs to its value, in one batched pass."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.aws.secret_versions import read_versions
from reconciler.errors import Problem
from reconciler.load.yaml_loader import dotted
from reconciler.model import ReadFailure, Spec
from reconciler.secrets.constraints import check_resolved
from reconciler.secrets.desired import DesiredSecrets, ResolvedValue, extract
from reconciler.secrets.managed import slot_of
from reconciler.secrets.refs import SecretRef, parse_reference, secret_fields


def _failure_text(ref: SecretRef, failure: ReadFailure) -> str:
    what = {
        "ResourceNotFoundException": "not found (or the version/stage does not exist)",
        "AccessDeniedException": (
            "access denied (needs secretsmanager:GetSecretValue, and kms:Decrypt for a customer managed key)"
        ),
        "DecryptionFailure": "cannot be decrypted with its KMS key",
        "InvalidRequestException": "cannot be read now (deleted or scheduled for deletion?)",
    }.get(failure.code, f"could not be read ({failure.message})")
    return f"secret {str(ref)!r}: {what} [{failure.code}]"


def resolve_secrets(
    specs: list[Spec], client: Any, pool: ThreadPoolExecutor
) -> tuple[dict[str, DesiredSecrets], list[Problem]]:
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
