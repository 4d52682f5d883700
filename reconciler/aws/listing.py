"""List connections and API destinations. Neither operation has a boto3 paginator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PAGE = 100  # Limit is 1–100 for both (botocore model)


def _pages(call: Any, key: str, **args: Any) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        response = call(Limit=PAGE, **args, **({"NextToken": token} if token else {}))
        yield from response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return


def list_connections(client: Any, prefixes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Live connections (summaries), all of them or those whose name starts with a prefix."""
    if not prefixes:
        return list(_pages(client.list_connections, "Connections"))
    found: dict[str, dict[str, Any]] = {}
    for prefix in prefixes:
        for item in _pages(client.list_connections, "Connections", NamePrefix=prefix):
            # Filtered here too: pruning deletes what this returns, and must never leave its
            # prefix because a server (moto, a proxy, a changed API) ignored NamePrefix.
            if item["Name"].startswith(prefix):
                found[item["Name"]] = item
    return [found[name] for name in sorted(found)]


def list_destinations(client: Any, connection_arn: str | None = None) -> list[dict[str, Any]]:
    """Every live API destination of the region (summaries), or those of one connection:
    pruning needs them all, both to find undeclared ones and to know which connections are in use."""
    args = {"ConnectionArn": connection_arn} if connection_arn else {}
    return list(_pages(client.list_api_destinations, "ApiDestinations", **args))
