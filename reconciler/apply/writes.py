"""Apply a plan: write each pending change, wait for connections to settle, report each result.

A change waits for those its plan entry names in `after`: an API destination for its
connection's write (so it is written only once the connection settled AUTHORIZED), a deleted
connection for the destinations moved off it. When one of those fails, the change fails too,
with the reason, and nothing is written for it. Any other failure never stops the others.
On SIGINT/SIGTERM no new write starts; writes in flight finish and are reported, the rest
are listed as not started.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.apply.requests import create_request, destination_request, update_request
from reconciler.apply.retry import with_retries
from reconciler.apply.wait import Unsettled, wait_settled
from reconciler.aws.errors import ALREADY_EXISTS, NOT_FOUND, describe_error, error_code, may_have_taken_effect
from reconciler.aws.listing import list_destinations
from reconciler.aws.live import describe, describe_destination
from reconciler.model import API_DESTINATION, CONNECTION, SETTLED_OK, Action, ResourcePlan, labelled
from reconciler.pipeline import Planned, TargetPlan
from reconciler.plan.destination import unconverged


@dataclass
class WriteResult:
    name: str
    target: str
    action: Action
    ok: bool
    detail: str
    code: str = ""
    started: bool = True
    type: str = CONNECTION

    @property
    def label(self) -> str:
        return labelled(self.type, self.name)


DEPENDENCY_FAILED = "DependencyFailed"
NOT_CONVERGED = "NotConverged"
IN_USE = "InUse"
# Connection ARNs by (target, name): from the read step, and from each CreateConnection reply,
# for the API destinations written after their connection.
Arns = dict[tuple[str, str], str]


@dataclass
class _Apply:
    """What every write of one apply shares."""

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


WRITERS = 8  # writes in flight per target; its rate cap, not this, sets the pace


def _settled_in(reply: Any) -> str | None:
    """The state a create or update reply reports, when it is already settled. AWS recorded:
    API_KEY and BASIC connections reply AUTHORIZED at once, so they need no DescribeConnection
    to wait on, which halves the requests an apply makes against the quota. Any other state
    (OAuth's AUTHORIZING, a private connection's CREATING) is waited on as before."""
    state = reply.get("ConnectionState") if isinstance(reply, dict) else None
    return state if state in SETTLED_OK else None


def _write_destination(target: TargetPlan, plan: ResourcePlan, run: _Apply) -> WriteResult:
    """An API destination needs no wait: EventBridge derives its state from its connection's."""
    events = target.clients.events_writer
    if plan.action is Action.DELETE:
        delete = _lost_reply_tolerant(lambda: events.delete_api_destination(Name=plan.name), NOT_FOUND)
        with_retries(delete, stop=run.stop, quota=target.clients.write_quota)
        return WriteResult(plan.name, target.name, plan.action, True, "deleted", type=API_DESTINATION)
    spec = target.specs[plan.key]
    arn = run.arns.get((target.name, plan.connection)) if plan.connection else str(spec.body["ConnectionArn"])
    if arn is None:  # the connection's create reply was lost and it could not be read back
        detail = f"not written, because the ARN of connection {plan.connection} is not known; run apply again"
        return WriteResult(plan.name, target.name, plan.action, False, detail, DEPENDENCY_FAILED, type=API_DESTINATION)
    live = target.snapshot.live_destinations.get(plan.name)
    request = destination_request(spec, arn, plan.action is Action.UPDATE, plan.ignore, live)
    if plan.action is Action.CREATE:
        call = _lost_reply_tolerant(lambda: events.create_api_destination(**request), ALREADY_EXISTS)
    else:

        def call() -> Any:
            return events.update_api_destination(**request)

    reply = with_retries(call, stop=run.stop, quota=target.clients.write_quota)
    state = reply.get("ApiDestinationState") if isinstance(reply, dict) else None
    # One describe to confirm the write took: that AWS sets every member an update sends
    # ("" clearing Description, the rate back to 300) is assumed, not verified.
    kept = unconverged(request, describe_destination(target.clients.events, plan.name))
    if kept:
        return WriteResult(
            plan.name,
            target.name,
            plan.action,
            False,
            f"written, but AWS still shows another {', '.join(kept)}; the next plan will show it again",
            NOT_CONVERGED,
            type=API_DESTINATION,
        )
    return WriteResult(plan.name, target.name, plan.action, True, str(state or "done"), type=API_DESTINATION)


def _in_use_now(target: TargetPlan, conn: ResourcePlan) -> list[str]:
    """The API destinations using a connection about to be deleted, asked just before: the plan's
    listing is seconds old, and a delete must not rest on it. Those this apply moved off it or
    deleted are written by now."""
    arn = next((c.get("ConnectionArn") for c in target.snapshot.listing or [] if c["Name"] == conn.name), None)
    if not arn:
        return []
    # Filtered here too, whatever the server does with ConnectionArn (as list_connections does with NamePrefix).
    return sorted(d["Name"] for d in list_destinations(target.clients.events, arn) if d.get("ConnectionArn") == arn)


def _write(target: TargetPlan, plan: ResourcePlan, run: _Apply) -> WriteResult:
    if plan.type == CONNECTION:
        return _write_connection(target, plan, run)
    try:
        return _write_destination(target, plan, run)
    except (ClientError, BotoCoreError) as exc:
        return WriteResult(
            plan.name, target.name, plan.action, False, describe_error(exc), error_code(exc), type=plan.type
        )


def _write_connection(target: TargetPlan, conn: ResourcePlan, run: _Apply) -> WriteResult:
    """Write a connection, and wait for it to settle (unless its reply says it has)."""
    wait_timeout, stop, arns = run.wait_timeout, run.stop, run.arns
    clients = target.clients
    spec = target.specs.get(conn.key)
    try:
        if conn.action is Action.DELETE:
            users = [] if run.force_in_use else _in_use_now(target, conn)
            if users:
                detail = (
                    f"not deleted: API destination(s) {', '.join(users)} use it now; run plan again "
                    "(or --force-delete-in-use)"
                )
                return WriteResult(conn.name, target.name, conn.action, False, detail, IN_USE)
            delete = _lost_reply_tolerant(lambda: clients.events_writer.delete_connection(Name=conn.name), NOT_FOUND)
            with_retries(delete, stop=stop, quota=clients.write_quota)
            return WriteResult(conn.name, target.name, conn.action, True, "deleted")
        assert spec is not None
        desired = target.snapshot.desired[conn.name]
        if conn.action is Action.CREATE:
            request = create_request(spec, desired)
            reply = with_retries(
                _lost_reply_tolerant(lambda: clients.events_writer.create_connection(**request), ALREADY_EXISTS),
                stop=stop,
                quota=clients.write_quota,
            )
            if not isinstance(reply, dict):
                # The reply was lost and a retry met the connection created: read what it said.
                created = describe(clients.events, conn.name)
                reply = created.data if created is not None else None
            if isinstance(reply, dict) and reply.get("ConnectionArn"):
                arns[(target.name, conn.name)] = reply["ConnectionArn"]
        else:
            live = target.snapshot.live[conn.name]
            assert live is not None
            request = update_request(spec, desired, live, conn.ignore)

            def reread() -> None:
                # Someone else is changing it: let their change settle, then rebuild ours from
                # what is there now (which fields need clearing depends on the live connection).
                nonlocal request
                try:
                    wait_settled(clients.events, conn.name, min(wait_timeout, 30.0), stop)
                except Unsettled:
                    pass
                fresh = describe(clients.events, conn.name)
                if fresh is not None:
                    request = update_request(spec, desired, fresh, conn.ignore)

            reply = with_retries(
                lambda: clients.events_writer.update_connection(**request),
                before_retry=reread,
                stop=stop,
                quota=clients.write_quota,
            )
        request = {}  # the secret values it held are needed no longer
        state = _settled_in(reply) or wait_settled(clients.events, conn.name, wait_timeout, stop)
        return WriteResult(conn.name, target.name, conn.action, True, state)
    except Unsettled as exc:
        if exc.interrupted:
            return WriteResult(
                conn.name,
                target.name,
                conn.action,
                False,
                f"sent, but still {exc.state} when interrupted; rerun plan to see how it settled",
                "Interrupted",
            )
        if exc.timed_out:
            return WriteResult(
                conn.name,
                target.name,
                conn.action,
                False,
                f"still {exc.state} after {wait_timeout:g}s (--wait-timeout)",
                "Timeout",
            )
        reason = f": {exc.reason}" if exc.reason else ""
        return WriteResult(conn.name, target.name, conn.action, False, f"{exc.state}{reason}", exc.state)
    except (ClientError, BotoCoreError) as exc:
        return WriteResult(conn.name, target.name, conn.action, False, describe_error(exc), error_code(exc))


def _blocked(plan: ResourcePlan, finished: dict[tuple[str, str, str], WriteResult]) -> WriteResult | None:
    """A failed result for `plan` when a change it waits for failed: nothing is written for it."""
    for type_, name in plan.after:
        before = finished.get((plan.target, type_, name))
        if before is not None and not before.ok:
            verb = "not deleted" if plan.action is Action.DELETE else "not written"
            why = f"{before.label} {before.action.value} failed: {before.detail}"
            if not before.started:
                why = f"{before.label} was not written"
            return WriteResult(
                plan.name, plan.target, plan.action, False, f"{verb}, because {why}", DEPENDENCY_FAILED, type=plan.type
            )
    return None


def _known_arns(planned: Planned) -> Arns:
    arns: Arns = {}
    for target in planned.targets:
        for name, live in target.snapshot.live.items():
            if live is not None and live.data.get("ConnectionArn"):
                arns[(target.name, name)] = live.data["ConnectionArn"]
    return arns


def apply_plan(
    planned: Planned,
    wait_timeout: float,
    stop: threading.Event,
    on_result: Callable[[WriteResult], None],
    force_in_use: bool = False,
) -> list[WriteResult]:
    """Write every pending change, WRITERS at a time per target: targets write side by side,
    each within its own rate cap, and one target waiting its turn never holds another's writers.
    A change starts once every change it waits for (`after`) has succeeded."""
    targets = {t.name: t for t in planned.targets}
    todo = list(planned.plan.pending)
    pending = {(c.target, *c.key) for c in todo}
    finished: dict[tuple[str, str, str], WriteResult] = {}
    run = _Apply(wait_timeout, stop, _known_arns(planned), force_in_use)
    results: list[WriteResult] = []
    busy: Counter[str] = Counter()

    def ready(c: ResourcePlan) -> bool:
        return busy[c.target] < WRITERS and all(
            (c.target, *dep) not in pending or (c.target, *dep) in finished for dep in c.after
        )

    def record(result: WriteResult) -> None:
        finished[(result.target, result.type, result.name)] = result
        results.append(result)
        on_result(result)

    workers = max(1, min(WRITERS * len(targets), len(todo)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile-write") as pool:
        running: dict[Future[WriteResult], ResourcePlan] = {}
        while todo or running:
            while not stop.is_set():
                conn = next((c for c in todo if ready(c)), None)
                if conn is None:
                    break
                todo.remove(conn)
                blocked = _blocked(conn, finished)
                if blocked is not None:
                    record(blocked)
                    continue
                busy[conn.target] += 1
                running[pool.submit(_write, targets[conn.target], conn, run)] = conn
            if (stop.is_set() or not running) and todo:
                # Interrupted, or (never, by construction) waiting for something that cannot come.
                results += [
                    WriteResult(
                        c.name,
                        c.target,
                        c.action,
                        False,
                        "not started (interrupted)",
                        "Interrupted",
                        started=False,
                        type=c.type,
                    )
                    for c in todo
                ]
                todo = []
            if not running:
                break
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                busy[running.pop(future).target] -= 1
                record(future.result())
    return results
