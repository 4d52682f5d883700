"""List connections and API destinations. Neither operation has a boto3 paginator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.errors import ReconcileError

PAGE = 100  # Limit is 1–100 for both (botocore model)
# A listing that never ends would hold the run (and the pruning it feeds) for good: a server
# that repeats a NextToken, or keeps handing out new ones. 1,000 pages of 100 are 100,000
# resources, 33 times EventBridge's default quota of 3,000 connections (and 3,000 API
# destinations) per region (EventBridge quotas page, adjustable): room for a raised quota,
# and at the 45 requests/s cap (aws/rate.py) 22 s of listing before the run stops.
MAX_PAGES = 1_000


def _pages(call: Any, key: str, max_pages: int, **args: Any) -> Iterator[dict[str, Any]]:
    operation = "ListConnections" if key == "Connections" else "ListApiDestinations"
    token: str | None = None
    seen: set[str] = set()
    for page in range(1, max_pages + 1):
        response = call(Limit=PAGE, **args, **({"NextToken": token} if token else {}))
        yield from response.get(key, [])
        token = response.get("NextToken")
        if not token:
            return
        if token in seen:
            raise ReconcileError(
                f"{operation} answered a NextToken it had answered before (page {page}): the listing would never end, "
                "so reconcile stopped reading it"
            )
        seen.add(token)
    raise ReconcileError(
        f"{operation} had more after {max_pages:,} pages of {PAGE} (a region holds 3,000 by default): reconcile stops "
        "there rather than list without end"
    )


def list_connections(client: Any, prefixes: tuple[str, ...] = (), max_pages: int = MAX_PAGES) -> list[dict[str, Any]]:
    """Live connections (summaries), all of them or those whose name starts with a prefix."""
    if not prefixes:
        return list(_pages(client.list_connections, "Connections", max_pages))
    found: dict[str, dict[str, Any]] = {}
    for prefix in prefixes:
        for item in _pages(client.list_connections, "Connections", max_pages, NamePrefix=prefix):
            # Filtered here too: pruning deletes what this returns, and must never leave its
            # prefix because a server (moto, a proxy, a changed API) ignored NamePrefix.
            if item["Name"].startswith(prefix):
                found[item["Name"]] = item
    return [found[name] for name in sorted(found)]


def list_destinations(
    client: Any, connection_arn: str | None = None, max_pages: int = MAX_PAGES
) -> list[dict[str, Any]]:
    """Every live API destination of the region (summaries), or those of one connection:
    pruning needs them all, both to find undeclared ones and to know which connections are in use."""
    args = {"ConnectionArn": connection_arn} if connection_arn else {}
    return list(_pages(client.list_api_destinations, "ApiDestinations", max_pages, **args))
