"""Read each declared connection and API destination, and the managed secrets behind connections."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws.errors import NOT_FOUND, error_code, grouped_failure
from reconciler.aws.secret_versions import read_versions
from reconciler.model import Live, ReadFailure, SecretVersion
from reconciler.progress import PROGRESS
from reconciler.secrets.managed import SlotId, managed_slots
from reconciler.secrets.redact import Secret


def describe(client: Any, name: str) -> Live | None:
    try:
        response = client.describe_connection(Name=name)
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return None
        raise
    response.pop("ResponseMetadata", None)
    return Live(response)


def describe_destination(client: Any, name: str) -> dict[str, Any] | None:
    """An API destination as DescribeApiDestination shows it, or None when there is none."""
    try:
        response: dict[str, Any] = client.describe_api_destination(Name=name)
    except ClientError as exc:
        if error_code(exc) == NOT_FOUND:
            return None
        raise
    response.pop("ResponseMetadata", None)
    return response


T = TypeVar("T")


def _each(
    read: Callable[[Any, str], T], client: Any, names: list[str], pool: ThreadPoolExecutor, operation: str, what: str
) -> dict[str, T]:
    """One read per name, concurrently; every failure reported together."""

    def counted(client: Any, name: str) -> T:
        try:
            return read(client, name)
        finally:
            PROGRESS.advance()

    futures = {name: pool.submit(counted, client, name) for name in names}
    wait(futures.values())  # one wake-up for the lot, not one per name
    found: dict[str, T] = {}
    failures: list[tuple[str, BaseException]] = []
    for name, future in futures.items():
        try:
            found[name] = future.result()
        except (ClientError, BotoCoreError) as exc:
            failures.append((name, exc))
    if failures:
        raise grouped_failure(operation, what, failures)
    return found


def describe_all(client: Any, names: list[str], pool: ThreadPoolExecutor) -> dict[str, Live | None]:
    """One DescribeConnection per name."""
    return _each(describe, client, names, pool, "DescribeConnection", "connection")


def describe_destinations(client: Any, names: list[str], pool: ThreadPoolExecutor) -> dict[str, dict[str, Any] | None]:
    """One DescribeApiDestination per name."""
    return _each(describe_destination, client, names, pool, "DescribeApiDestination", "API destination")


def read_managed_secrets(
    client: Any, arns: dict[str, str], pool: ThreadPoolExecutor
) -> dict[str, dict[SlotId, Secret] | ReadFailure]:
    """Connection name → the secret values in its managed secret, or why it could not be read."""
    results = read_versions(client, [(arn, None, None) for arn in arns.values()], pool)
    out: dict[str, dict[SlotId, Secret] | ReadFailure] = {}
    for name, arn in arns.items():
        got = results[(arn, None, None)]
        if isinstance(got, SecretVersion) and got.value is not None:
            try:
                out[name] = managed_slots(json.loads(got.value.reveal()))
            except ValueError:
                out[name] = ReadFailure("InvalidJSON", "managed secret is not JSON")
        elif isinstance(got, SecretVersion):
            out[name] = ReadFailure("Binary", "managed secret has no SecretString")
        else:
            out[name] = got
    return out
