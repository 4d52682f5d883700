"""Each kind of intent, carried out: write a connection (and wait for it to settle), write an API
destination (and read it back), or wait for a connection this apply does not write.

A write whose reply never came (a timeout, a reset, a 5xx after every retry) may still have
taken effect at AWS: it is read back once before it is reported, as a lost create already was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.apply.requests import create_request, destination_request, update_request
from reconciler.apply.results import DEPENDENCY_FAILED, IN_USE, INTERRUPTED, NOT_CONVERGED, WriteResult
from reconciler.apply.retry import with_retries
from reconciler.apply.wait import NOT_FOUND_CHECKS, Unsettled, wait_settled
from reconciler.aws.errors import ALREADY_EXISTS, NOT_FOUND, describe_error, error_code, may_have_taken_effect
from reconciler.aws.listing import list_destinations
from reconciler.aws.live import describe, describe_destination
from reconciler.clock import REAL
from reconciler.model import API_DESTINATION, CONNECTION, SETTLED_OK, Action, Live, ResourcePlan
from reconciler.pipeline import TargetPlan
from reconciler.plan.destination import unconverged

# Connection ARNs by (target, name): from the read step, and from each CreateConnection reply,
# for the API destinations written after their connection.
Arns = dict[tuple[str, str], str]
# A destination just created may not be readable at once (eventual consistency): a few tries.
READ_BACK_TRIES = 4
READ_BACK_PAUSE = 0.5


@dataclass
class Run:
    """What every intent of one apply shares."""

    wait_timeout: float
    stop: threading.Event
    arns: Arns
    force_in_use: bool


def _lost_reply_tolerant(call: Callable[[], Any], done_code: str) -> Callable[[], Any]:
    """`call` for with_retries, where a retry that meets the effect of an earlier attempt
    counts as done (with no reply): AWS may act on a request whose reply timed out or was
    cut off, and the retried create then gets ResourceAlreadyExistsException (a delete,
    ResourceNotFound)."""
    lost = False

    def attempt() -> Any:
        nonlocal lost
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            if lost and error_code(exc) == done_code:
                return None
            lost = lost or may_have_taken_effect(exc)
            raise

    return attempt


def _settled_in(reply: Any) -> str | None:
    """The state a create or update reply reports, when it is already settled. AWS recorded:
    API_KEY and BASIC connections reply AUTHORIZED at once, so they need no DescribeConnection
    to wait on, which halves the requests an apply makes against the quota. Any other state
    (OAuth's AUTHORIZING, a private connection's CREATING) is waited on as before."""
    state = reply.get("ConnectionState") if isinstance(reply, dict) else None
    return state if state in SETTLED_OK else None


def _connection_took_effect(clients: Any, conn: ResourcePlan) -> tuple[bool, Live | None]:
    """After a connection write whose reply was lost for good: did AWS act on it? One describe."""
    live = describe(clients.events, conn.name)
    if conn.action is Action.DELETE:
        return (live is None or live.state == "DELETING"), live
    if conn.action is Action.CREATE:
        return live is not None, live
    # An update took effect if the connection was modified since the plan read it. Without a
    # LastModifiedTime to go by, it is not known: reported as failed, and the next plan says.
    return (live is not None and live.last_modified is not None and live.last_modified != conn.live_modified), live


def _result(plan: ResourcePlan, target: str, ok: bool, detail: str, code: str = "") -> WriteResult:
    return WriteResult(plan.name, target, plan.action, ok, detail, code, type=plan.type)


def _destination_read_back(events: Any, name: str, request: dict[str, Any] | None) -> list[str]:
    """The fields a destination just written still shows otherwise (unconverged), read a few times
    while it is not there yet; for a deletion (request None), whether it is still there."""
    kept: list[str] = []
    for attempt in range(READ_BACK_TRIES):
        live = describe_destination(events, name)
        if request is None:
            return [] if live is None else ["(the destination is still there)"]
        kept = unconverged(request, live)
        if live is not None or attempt == READ_BACK_TRIES - 1:
            return kept
        REAL.pause(READ_BACK_PAUSE * (attempt + 1))
    return kept


def write_destination(target: TargetPlan, plan: ResourcePlan, run: Run) -> WriteResult:
    """An API destination needs no wait: EventBridge derives its state from its connection's."""
    events = target.clients.events_writer
    if plan.action is Action.DELETE:
        delete = _lost_reply_tolerant(lambda: events.delete_api_destination(Name=plan.name), NOT_FOUND)
        try:
            with_retries(delete, stop=run.stop, quota=target.clients.write_quota)
        except (ClientError, BotoCoreError) as exc:
            if not may_have_taken_effect(exc) or _destination_read_back(target.clients.events, plan.name, None):
                raise
        return _result(plan, target.name, True, "")
    spec = target.specs[plan.key]
    arn = run.arns.get((target.name, plan.connection)) if plan.connection else str(spec.body["ConnectionArn"])
    if arn is None:  # the connection's create reply was lost and it could not be read back
        detail = f"not written, because the ARN of connection {plan.connection} is not known; run plan again"
        return _result(plan, target.name, False, detail, DEPENDENCY_FAILED)
    live = target.snapshot.live_destinations.get(plan.name)
    request = destination_request(spec, arn, plan.action is Action.UPDATE, plan.ignore, live)
    if plan.action is Action.CREATE:
        call = _lost_reply_tolerant(lambda: events.create_api_destination(**request), ALREADY_EXISTS)
    else:

        def call() -> Any:
            return events.update_api_destination(**request)

    try:
        reply = with_retries(call, stop=run.stop, quota=target.clients.write_quota)
    except (ClientError, BotoCoreError) as exc:
        if not may_have_taken_effect(exc) or _destination_read_back(target.clients.events, plan.name, request):
            raise
        reply = None  # it took effect: the read back below says how it stands
    state = reply.get("ApiDestinationState") if isinstance(reply, dict) else None
    # One describe to confirm the write took: that AWS sets every member an update sends
    # ("" clearing Description, the rate back to 300) is assumed, not verified.
    kept = _destination_read_back(target.clients.events, plan.name, request)
    if kept:
        detail = f"written, but AWS still shows another {', '.join(kept)}; the next plan will show it again"
        return _result(plan, target.name, False, detail, NOT_CONVERGED)
    return _result(plan, target.name, True, str(state or "done"))


def _in_use_now(target: TargetPlan, conn: ResourcePlan) -> list[str]:
    """The API destinations using a connection about to be deleted, asked just before: the plan's
    listing is seconds old, and a delete must not rest on it. Those this apply moved off it or
    deleted are written by now."""
    arn = next((c.get("ConnectionArn") for c in target.snapshot.listing or [] if c["Name"] == conn.name), None)
    if not arn:
        return []
    # Filtered here too, whatever the server does with ConnectionArn (as list_connections does with NamePrefix).
    return sorted(d["Name"] for d in list_destinations(target.clients.events, arn) if d.get("ConnectionArn") == arn)


def _unsettled(conn: ResourcePlan, target: str, exc: Unsettled, wait_timeout: float, waited: bool) -> WriteResult:
    result = _result(conn, target, False, "")
    result.waited = waited
    if exc.interrupted:
        what = "not settled" if waited else "sent, but"
        result.detail, result.code = (
            f"{what} still {exc.state} when interrupted; rerun plan to see how it settled",
            (INTERRUPTED),
        )
    elif exc.timed_out:
        result.detail, result.code = f"still {exc.state} after {wait_timeout:g}s (--wait-timeout)", "Timeout"
    else:
        reason = f": {exc.reason}" if exc.reason else ""
        result.detail, result.code = f"{exc.state}{reason}", exc.state
    return result


def settle(target: TargetPlan, name: str, run: Run) -> WriteResult:
    """Wait, writing nothing, for a connection this apply does not write to be AUTHORIZED or ACTIVE:
    the API destinations written after it need it settled (an OAuth connection still AUTHORIZING
    since an earlier apply timed out, a private API's connection authorizing for minutes)."""
    conn = ResourcePlan(name, Action.NOOP, target.name)
    try:
        state = wait_settled(target.clients.events, name, run.wait_timeout, run.stop)
    except Unsettled as exc:
        return _unsettled(conn, target.name, exc, run.wait_timeout, waited=True)
    result = _result(conn, target.name, True, state)
    result.waited = True
    return result


def _delete_connection(target: TargetPlan, conn: ResourcePlan, run: Run) -> WriteResult:
    clients = target.clients
    users = [] if run.force_in_use else _in_use_now(target, conn)
    if users:
        detail = (
            f"not deleted: API destination(s) {', '.join(users)} use it now; run plan again (or --force-delete-in-use)"
        )
        return _result(conn, target.name, False, detail, IN_USE)
    delete = _lost_reply_tolerant(lambda: clients.events_writer.delete_connection(Name=conn.name), NOT_FOUND)
    try:
        with_retries(delete, stop=run.stop, quota=clients.write_quota)
    except (ClientError, BotoCoreError) as exc:
        if not may_have_taken_effect(exc) or not _connection_took_effect(clients, conn)[0]:
            raise
    return _result(conn, target.name, True, "")


def write_connection(target: TargetPlan, conn: ResourcePlan, run: Run) -> WriteResult:
    """Write a connection, and wait for it to settle (unless its reply says it has)."""
    if conn.action is Action.DELETE:
        return _delete_connection(target, conn, run)
    clients = target.clients
    spec = target.specs[conn.key]
    desired = target.snapshot.desired[conn.name]
    try:
        if conn.action is Action.CREATE:
            request = create_request(spec, desired)
            call = _lost_reply_tolerant(lambda: clients.events_writer.create_connection(**request), ALREADY_EXISTS)
            before_retry = None
        else:
            live = target.snapshot.live[conn.name]
            assert live is not None
            request = update_request(spec, desired, live, conn.ignore)

            def call() -> Any:
                return clients.events_writer.update_connection(**request)

            def before_retry() -> None:
                # Someone else is changing it: let their change settle, then rebuild ours from
                # what is there now (which fields need clearing depends on the live connection).
                nonlocal request
                try:
                    wait_settled(clients.events, conn.name, min(run.wait_timeout, 30.0), run.stop)
                except Unsettled:
                    pass
                fresh = describe(clients.events, conn.name)
                if fresh is not None:
                    request = update_request(spec, desired, fresh, conn.ignore)

        try:
            reply = with_retries(call, before_retry=before_retry, stop=run.stop, quota=clients.write_quota)
        except (ClientError, BotoCoreError) as exc:
            took, read = _connection_took_effect(clients, conn) if may_have_taken_effect(exc) else (False, None)
            if not took:
                raise
            reply = read.data if read is not None else None
        request = {}  # the secret values it held are needed no longer
        if conn.action is Action.CREATE and not isinstance(reply, dict):
            # The reply was lost and a retry met the connection created: read what it said.
            created = describe(clients.events, conn.name)
            reply = created.data if created is not None else None
        if conn.action is Action.CREATE and isinstance(reply, dict) and reply.get("ConnectionArn"):
            run.arns[(target.name, conn.name)] = reply["ConnectionArn"]
        # Right after a create DescribeConnection may not find it yet (eventual consistency; the
        # Terraform provider's waiters tolerate it too): a few NotFound answers are waited out.
        absent_ok = NOT_FOUND_CHECKS if conn.action is Action.CREATE else 0
        state = _settled_in(reply) or wait_settled(clients.events, conn.name, run.wait_timeout, run.stop, absent_ok)
        return _result(conn, target.name, True, state)
    except Unsettled as exc:
        return _unsettled(conn, target.name, exc, run.wait_timeout, waited=False)


def write(target: TargetPlan, plan: ResourcePlan, run: Run) -> WriteResult:
    """One write; an AWS error is its result (anything else is the executor's to report)."""
    try:
        if plan.type == CONNECTION:
            return write_connection(target, plan, run)
        if plan.type == API_DESTINATION:
            return write_destination(target, plan, run)
        raise ValueError(f"no writer for {plan.type}")
    except (ClientError, BotoCoreError) as exc:
        return _result(plan, target.name, False, describe_error(exc), error_code(exc))
