"""API destination spec + live destination → one `ResourcePlan`. Pure: no AWS calls here.

Every field the spec can set is compared, `InvocationRateLimitPerSecond` included: absent in
the spec it means AWS's default, 300 (docs/aws-behaviour.md), so a live 20 is drift to undo.
A destination named to a connection with `Connection: NAME` takes that connection's live ARN;
when the connection does not exist yet, this apply creates it first and the ARN is `Pending`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reconciler.diff.compare import compare, creation
from reconciler.diff.ignore import Rules, split
from reconciler.model import API_DESTINATION, Action, Live, Pending, ResourcePlan, Spec

DEFAULT_RATE = 300  # InvocationRateLimitPerSecond when none is given (recorded; docs/aws-behaviour.md)
# What a destination spec sets, besides its Name: the API's members, in the API reference's order.
FIELDS = ("Description", "ConnectionArn", "InvocationEndpoint", "HttpMethod", "InvocationRateLimitPerSecond")


def connection_arn(spec: Spec, live_connections: dict[str, Live | None]) -> str | Pending:
    """The ConnectionArn a destination spec asks for."""
    if "Connection" not in spec.body:
        return str(spec.body["ConnectionArn"])
    name = str(spec.body["Connection"])
    live = live_connections.get(name)
    arn = live.data.get("ConnectionArn") if live is not None else None
    return str(arn) if arn else Pending(f"(ARN of connection {name}, known after it is created)")


def comparable(data: dict[str, Any], arn: str | Pending | None = None) -> dict[str, Any]:
    """The fields a destination sets, as one record for either side: no Description and "" are
    the same, and no rate is the default."""
    record = {key: data.get(key) for key in FIELDS}
    if arn is not None:
        record["ConnectionArn"] = arn
    if record["InvocationRateLimitPerSecond"] is None:
        record["InvocationRateLimitPerSecond"] = DEFAULT_RATE
    return {key: value for key, value in record.items() if value not in (None, "")}


def unconverged(request: dict[str, Any], live: dict[str, Any] | None) -> list[str]:
    """The fields a destination just written still shows otherwise than its request asked:
    what AWS does with an update is assumed, not verified (docs/aws-behaviour.md), and a
    field it kept would be planned again and again."""
    if live is None:
        return ["(the destination is not there)"]
    want, have = comparable(request), comparable(live)
    return [key for key in FIELDS if want.get(key) != have.get(key)]


def _modified(live: dict[str, Any]) -> str | None:
    value = live.get("LastModifiedTime") or live.get("CreationTime")
    return value.isoformat() if isinstance(value, datetime) else None


def plan_destination(
    spec: Spec, live: dict[str, Any] | None, arn: str | Pending, ignore: tuple[str, ...] = ()
) -> ResourcePlan:
    """`ignore`: the target's ignore_changes, besides the spec's own IgnoreChanges."""
    want = comparable(spec.body, arn)
    plan = ResourcePlan(spec.name, Action.CREATE, spec.target, spec.file, type=API_DESTINATION)
    plan.connection = str(spec.body["Connection"]) if "Connection" in spec.body else None
    if live is None:
        plan.changes = creation(want)
        return plan
    have = comparable(live)
    rules = Rules.of(spec.body, API_DESTINATION, ignore).in_force(spec.body, live)
    parted = split(compare(have, want), rules, have, want)
    plan.changes, plan.ignore, plan.ignored = parted.kept, list(rules), parted.ignored
    plan.action = Action.UPDATE if plan.changes else Action.NOOP
    plan.state = str(live.get("ApiDestinationState") or "") or None
    plan.live_modified = _modified(live)
    if plan.state == "INACTIVE":
        plan.notes.append("API destination is INACTIVE: EventBridge makes it ACTIVE once its connection is authorized")
    return plan
