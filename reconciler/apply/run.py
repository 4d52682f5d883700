"""Apply a plan: write each pending connection, wait for it to settle, report each result.

One failing connection never stops the others. On SIGINT/SIGTERM no new write starts;
writes in flight finish and are reported, the rest are listed as not started.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.apply.requests import create_request, update_request
from reconciler.apply.retry import with_retries
from reconciler.apply.wait import Unsettled, wait_settled
from reconciler.aws.errors import describe_error, error_code
from reconciler.model import Action
from reconciler.pipeline import Run, TargetRun
from reconciler.plan.model import ConnectionPlan


@dataclass
class WriteResult:
    name: str
    target: str
    action: Action
    ok: bool
    detail: str
    code: str = ""
    started: bool = True


def _write(target: TargetRun, conn: ConnectionPlan, wait_timeout: float, stop: threading.Event) -> WriteResult:
    clients = target.clients
    spec = target.specs.get(conn.name)
    try:
        if conn.action is Action.DELETE:
            with_retries(lambda: clients.events_writer.delete_connection(Name=conn.name), stop=stop)
            return WriteResult(conn.name, target.name, conn.action, True, "deleted")
        assert spec is not None
        desired = target.desired[conn.name]
        if conn.action is Action.CREATE:
            request = create_request(spec, desired)
            with_retries(lambda: clients.events_writer.create_connection(**request), stop=stop)
        else:
            live = target.live[conn.name]
            assert live is not None
            request = update_request(spec, desired, live)

            def reread() -> None:
                # Someone else is changing it: let their change settle, then send ours.
                try:
                    wait_settled(clients.events, conn.name, min(wait_timeout, 30.0), stop)
                except Unsettled:
                    pass

            with_retries(lambda: clients.events_writer.update_connection(**request), before_retry=reread, stop=stop)
        del request
        state = wait_settled(clients.events, conn.name, wait_timeout, stop)
        return WriteResult(conn.name, target.name, conn.action, True, state)
    except Unsettled as exc:
        if exc.timed_out:
            return WriteResult(conn.name, target.name, conn.action, False, f"still {exc.state} after {wait_timeout:g}s (--wait-timeout)", "Timeout")
        reason = f": {exc.reason}" if exc.reason else ""
        return WriteResult(conn.name, target.name, conn.action, False, f"{exc.state}{reason}", exc.state)
    except (ClientError, BotoCoreError) as exc:
        return WriteResult(conn.name, target.name, conn.action, False, describe_error(exc), error_code(exc))


def apply_run(run: Run, wait_timeout: float, stop: threading.Event, on_result: Callable[[WriteResult], None]) -> list[WriteResult]:
    targets = {t.name: t for t in run.targets}
    todo = list(run.plan.pending)
    results: list[WriteResult] = []
    workers = max(1, min(8, len(todo)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile-write") as pool:
        running: dict[Future[WriteResult], ConnectionPlan] = {}
        while todo or running:
            while todo and len(running) < workers and not stop.is_set():
                conn = todo.pop(0)
                running[pool.submit(_write, targets[conn.target], conn, wait_timeout, stop)] = conn
            if stop.is_set() and todo:
                results += [WriteResult(c.name, c.target, c.action, False, "not started (interrupted)", "Interrupted", started=False) for c in todo]
                todo = []
            if not running:
                break
            done, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                running.pop(future)
                result = future.result()
                results.append(result)
                on_result(result)
    return results

