"""Read secret versions from Secrets Manager: each version once per run, 20 to a batch."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.errors import is_transient
from reconciler.model import ReadFailure, SecretVersion
from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import FetchKey, is_current

BATCH = 20  # BatchGetSecretValue takes 1–20 ids (AWS API reference)


# Secrets Manager ends a secret's ARN with a hyphen and six random characters
# (`...:secret:prod/stripe-AbCdEf`); the ARN without them is a "partial ARN" (AWS Secrets
# Manager user guide, "Finding secrets from a partial ARN").
_SUFFIX = len("-AbCdEf")


def partial_arn(arn: str) -> str | None:
    """The ARN without its random suffix, or None when it has none."""
    if arn.startswith("arn:") and len(arn) > _SUFFIX and arn[-_SUFFIX] == "-":
        return arn[:-_SUFFIX]
    return None


def names_secret(requested: str, arn: str, name: str = "") -> bool:
    """Whether `requested` (the id a reference gives) names the secret with this ARN and name:
    its exact ARN, its exact name, or its partial ARN. Nothing else: a prefix test let the
    partial ARN `...:secret:svc` take `svc-prod`'s value when both were in one batch."""
    return requested in (arn, name) or requested == partial_arn(arn)


def _entry(item: dict[str, Any]) -> SecretVersion:
    text = item.get("SecretString")
    # The whole string is only ever taken apart; the values taken out of it are what get
    # registered for redaction (extract() and managed_slots()), which keeps the redactor small.
    value = Secret(text, redact=False) if text is not None else None
    return SecretVersion(
        item.get("ARN", ""), item.get("Name", ""), item.get("VersionId", ""), value, item.get("CreatedDate")
    )


def _client_error(exc: ClientError) -> ReadFailure:
    """What a spec error names about a secret that can't be read. An outage (throttling or
    5xx after botocore's retries) is no fact about the spec: it ends the run as one error."""
    if is_transient(exc):
        raise exc
    error = exc.response.get("Error", {})
    return ReadFailure(error.get("Code", "Unknown"), error.get("Message", ""))


def get_one(client: Any, key: FetchKey) -> SecretVersion | ReadFailure:
    secret_id, stage, version = key
    args: dict[str, Any] = {"SecretId": secret_id}
    if stage:
        args["VersionStage"] = stage
    if version:
        args["VersionId"] = version
    try:
        return _entry(client.get_secret_value(**args))
    except ClientError as exc:
        return _client_error(exc)


def _get_batch(client: Any, ids: list[str]) -> dict[FetchKey, SecretVersion | ReadFailure]:
    try:
        response = client.batch_get_secret_value(SecretIdList=ids)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "AccessDeniedException":
            # Without secretsmanager:BatchGetSecretValue, GetSecretValue may still be allowed.
            return {(i, None, None): get_one(client, (i, None, None)) for i in ids}
        failure = _client_error(exc)
        return {(i, None, None): failure for i in ids}
    out: dict[FetchKey, SecretVersion | ReadFailure] = {}
    values = response.get("SecretValues", [])
    errors = response.get("Errors", [])
    # By index, not a scan (400 checks a batch). Exact ARNs and names before partial ARNs:
    # `...:secret:svc-AbCdEf` is the full ARN of `svc` before it is a partial one of `svc-AbCdEf`.
    index: dict[str, dict[str, Any]] = {}
    for value in values:
        index.setdefault(value.get("Name", ""), value)
        index.setdefault(value.get("ARN", ""), value)
    for value in values:
        partial = partial_arn(value.get("ARN", ""))
        if partial is not None:
            index.setdefault(partial, value)
    for requested in ids:
        hit = index.get(requested)
        if hit is not None:
            out[(requested, None, None)] = _entry(hit)
            continue
        # An error names the secret by the id it was asked for, which may be a full ARN.
        err = next((e for e in errors if names_secret(requested, e.get("SecretId", ""))), None)
        code = err.get("ErrorCode", "Unknown") if err else "ResourceNotFoundException"
        message = err.get("Message", "") if err else "not returned by BatchGetSecretValue"
        out[(requested, None, None)] = ReadFailure(code, message)
    return out


def read_versions(
    client: Any, keys: Iterable[FetchKey], pool: ThreadPoolExecutor
) -> dict[FetchKey, SecretVersion | ReadFailure]:
    """Every distinct version read exactly once: AWSCURRENT reads batched, pinned ones one by one."""
    unique = list(dict.fromkeys(keys))
    # `name` and `name` at stage AWSCURRENT are one read.
    current = list(dict.fromkeys(k[0] for k in unique if is_current(k)))
    pinned = [k for k in unique if not is_current(k)]
    batches = [current[i : i + BATCH] for i in range(0, len(current), BATCH)]
    results: dict[FetchKey, SecretVersion | ReadFailure] = {}
    futures = [pool.submit(_get_batch, client, batch) for batch in batches]
    singles = {key: pool.submit(get_one, client, key) for key in pinned}
    for future in futures:
        results.update(future.result())
    for key, single in singles.items():
        results[key] = single.result()
    for key in unique:
        if is_current(key):
            results[key] = results[(key[0], None, None)]
    return results
