"""One read step per target: every describe, source secret, managed secret and listing the
plan needs, each read once, all on the command's pool. Planning then reads only this.

Connections described are the specs' own and those the API destination specs name with
`Connection:` (a destination picked by --only still needs its connection's ARN)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.aws.clients import Clients
from reconciler.aws.listing import list_connections, list_destinations
from reconciler.aws.live import describe_all, describe_destinations, read_managed_secrets
from reconciler.aws.secret_versions import get_one
from reconciler.config import Target
from reconciler.errors import SpecErrors
from reconciler.model import API_DESTINATION, CONNECTION, SecretVersion, Spec
from reconciler.read.desired import resolve_secrets
from reconciler.secrets.desired import DesiredSecrets, ResolvedValue, extract
from reconciler.secrets.managed import ManagedRead
from reconciler.secrets.redact import Secret
from reconciler.snapshot import PreviousValues, Snapshot


def read_target(
    target: Target, specs: list[Spec], clients: Clients, read_managed: bool, pool: ThreadPoolExecutor
) -> Snapshot:
    connections = [s for s in specs if s.type == CONNECTION]
    destinations = [s for s in specs if s.type == API_DESTINATION]
    names = [s.name for s in connections]
    used = sorted({s.body["Connection"] for s in destinations if "Connection" in s.body} - set(names))
    # Secrets and live resources are independent reads: run them side by side. Only one task
    # that waits on others (resolving) runs on the pool, so a pool of two never deadlocks.
    resolving = pool.submit(resolve_secrets, connections, clients.secrets, pool)
    listing_destinations = pool.submit(list_destinations, clients.events) if target.prune else None
    live_destinations = describe_destinations(clients.events, [s.name for s in destinations], pool)
    live = describe_all(clients.events, names + used, pool)
    listing = pool.submit(list_connections, clients.events) if target.prune or None in live.values() else None
    desired, problems = resolving.result()
    if problems:
        raise SpecErrors(problems)
    managed: dict[str, ManagedRead] = {}
    if read_managed:
        arns = {
            n: c.secret_arn
            for n, c in live.items()
            if c is not None and c.secret_arn and n in desired and desired[n].by_slot
        }
        managed = dict(read_managed_secrets(clients.secrets, arns, pool))
    previous = _read_previous(clients.secrets, _matching_neither(desired, managed), pool)
    listed = listing.result() if listing is not None else None
    listed_destinations = listing_destinations.result() if listing_destinations is not None else None
    return Snapshot(live, desired, managed, previous, listed, listed_destinations, live_destinations)


def _matching_neither(desired: dict[str, DesiredSecrets], managed: dict[str, ManagedRead]) -> list[ResolvedValue]:
    """Desired values the connection's managed secret holds another value for: only for those
    does the source secret's previous version tell a rotation from a value set elsewhere."""
    out = []
    for name, slots in managed.items():
        if not isinstance(slots, dict):
            continue
        for slot, want in desired[name].by_slot.items():
            have = slots.get(slot)
            if have is not None and want.ref.batchable and not have.same_as(want.value):
                out.append(want)
    return out


def _read_previous(client: Any, values: list[ResolvedValue], pool: ThreadPoolExecutor) -> PreviousValues:
    """Each secret's AWSPREVIOUS version read once, whatever the number of keys taken from it."""
    ids = sorted({v.ref.secret_id for v in values})
    reads = {i: pool.submit(get_one, client, (i, "AWSPREVIOUS", None)) for i in ids}
    versions = {i: future.result() for i, future in reads.items()}
    out: PreviousValues = {}
    for value in values:
        got = versions[value.ref.secret_id]
        extracted = extract(value.ref, got) if isinstance(got, SecretVersion) else None
        found = (
            (got.version_id, extracted) if isinstance(got, SecretVersion) and isinstance(extracted, Secret) else None
        )
        out[(value.ref.secret_id, value.ref.json_key)] = found
    return out
