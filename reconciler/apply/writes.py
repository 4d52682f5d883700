"""Apply a plan: write each pending connection, wait for it to settle, report each result.

One failing connection never stops the others. On SIGINT/SIGTERM no new write starts;
writes in flight finish and are reported, the rest are listed as not started.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.apply.requests import create_request, update_request
from reconciler.apply.retry import with_retries
from reconciler.apply.wait import Unsettled, wait_settled
from reconciler.aws.errors import ALREADY_EXISTS, NOT_FOUND, describe_error, error_code, may_have_taken_effect
from reconciler.aws.live import describe
from reconciler.model import SETTLED_OK, Action, ResourcePlan
from reconciler.pipeline import Planned, TargetPlan


@dataclass
class WriteResult:
    name: str
    target: str
    action: Action
    ok: bool
    detail: str
    code: str = ""
    started: bool = True


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


def _write(target: TargetPlan, conn: ResourcePlan, wait_timeout: float, stop: threading.Event) -> WriteResult:
    clients = target.clients
    spec = target.specs.get(conn.name)
    try:
        if conn.action is Action.DELETE:
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
        else:
            live = target.snapshot.live[conn.name]
            assert live is not None
            request = update_request(spec, desired, live)

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
                    request = update_request(spec, desired, fresh)

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


def apply_plan(
    planned: Planned, wait_timeout: float, stop: threading.Event, on_result: Callable[[WriteResult], None]
) -> list[WriteResult]:
    """Write every pending change, WRITERS at a time per target: targets write side by side,
    each within its own rate cap, and one target waiting its turn never holds another's writers."""
    targets = {t.name: t for t in planned.targets}
    todo = list(planned.plan.pending)
    results: list[WriteResult] = []
    busy: Counter[str] = Counter()
    workers = max(1, min(WRITERS * len(targets), len(todo)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile-write") as pool:
        running: dict[Future[WriteResult], ResourcePlan] = {}
        while todo or running:
            while not stop.is_set():
                conn = next((c for c in todo if busy[c.target] < WRITERS), None)
                if conn is None:
                    break
                todo.remove(conn)
                busy[conn.target] += 1
                running[pool.submit(_write, targets[conn.target], conn, wait_timeout, stop)] = conn
            if stop.is_set() and todo:
                results += [
                    WriteResult(
                        c.name, c.target, c.action, False, "not started (interrupted)", "Interrupted", started=False
                    )
                    for c in todo
                ]
                todo = []
            if not running:
                break
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                busy[running.pop(future).target] -= 1
                result = future.result()
                results.append(result)
                on_result(result)
    return results
