"""Apply a plan: its intents (plan/graph.py), walked by the executor, each ending in one result.

Apply executes what the plan says and nothing it doesn't: every write is an intent of the
plan, every wait one of its edges. At most WRITERS intents run at once per place, where the
writes share one rate cap; one place waiting its turn never holds another's writers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from reconciler.apply.executor import Running, Task, walk
from reconciler.apply.results import DEPENDENCY_FAILED, INTERNAL, INTERRUPTED, WriteResult
from reconciler.apply.writes import Arns, Run, settle, write
from reconciler.crash import record_crash
from reconciler.model import Action, Place
from reconciler.pipeline import Planned
from reconciler.plan.graph import Intent, IntentId, Step, intents

WRITERS = 8  # intents in flight per place; its rate cap, not this, sets the pace
log = logging.getLogger(__name__)


def _known_arns(planned: Planned) -> Arns:
    arns: Arns = {}
    for target in planned.targets:
        for name, live in target.snapshot.live.items():
            if live is not None and live.data.get("ConnectionArn"):
                arns[(target.name, name)] = live.data["ConnectionArn"]
    return arns


def _empty(intent: Intent, ok: bool, detail: str, code: str, started: bool = True) -> WriteResult:
    return WriteResult(
        intent.name,
        intent.target,
        intent.action,
        ok,
        detail,
        code,
        started=started,
        type=intent.type,
        waited=intent.step is Step.SETTLE,
    )


class _Outcomes:
    """How each intent ends when it does not run to its own result."""

    def __init__(self, by_id: dict[IntentId, Intent]) -> None:
        self.by_id = by_id

    def ok(self, outcome: WriteResult) -> bool:
        return outcome.ok

    def blocked(self, task: Task[WriteResult], failed: WriteResult) -> WriteResult:
        intent = self.by_id[task.key]  # type: ignore[index]
        cause = f"{failed.label} {failed.verb} failed" if failed.started else f"{failed.label} was not written"
        plan = intent.plan
        if plan is not None and plan.action is Action.DELETE and (failed.type, failed.name) not in plan.after:
            # A prune deletion waits for every create and update of its target.
            return _empty(intent, False, f"not attempted: an earlier write failed ({cause})", DEPENDENCY_FAILED)
        verb = "not deleted" if intent.action is Action.DELETE else "not written"
        why = cause if not failed.started else f"{cause}: {failed.detail}"
        return _empty(intent, False, f"{verb}, because {why}", DEPENDENCY_FAILED)

    def crashed(self, task: Task[WriteResult], exc: Exception) -> WriteResult:
        intent = self.by_id[task.key]  # type: ignore[index]
        path = record_crash(exc)
        log.debug("internal error in %s", intent.label)
        return _empty(
            intent, False, f"internal error ({type(exc).__name__}), a bug in reconcile; traceback in {path}", INTERNAL
        )

    def not_started(self, task: Task[WriteResult]) -> WriteResult:
        return _empty(self.by_id[task.key], False, "not started (interrupted)", INTERRUPTED, started=False)  # type: ignore[index]


def apply_plan(
    planned: Planned,
    wait_timeout: float,
    stop: threading.Event,
    on_result: Callable[[WriteResult], None],
    force_in_use: bool = False,
    running: Running | None = None,
) -> list[WriteResult]:
    """Carry out every intent of the plan, each after those it waits for; every one gets a result."""
    targets = {t.name: t for t in planned.targets}
    places: dict[str, Place | None] = {t.name: planned.plan.places.get(t.name) for t in planned.targets}
    run = Run(wait_timeout, stop, _known_arns(planned), force_in_use)
    graph = intents(planned.plan)
    by_id = {i.id: i for i in graph}

    def task(intent: Intent) -> Task[WriteResult]:
        target = targets[intent.target]
        if intent.plan is None:
            name = intent.name
            return Task(intent.id, intent.after, places[intent.target], lambda: settle(target, name, run))
        plan = intent.plan
        return Task(intent.id, intent.after, places[intent.target], lambda: write(target, plan, run))

    results: list[WriteResult] = []

    def report(_: Task[WriteResult], result: WriteResult) -> None:
        results.append(result)
        if result.started:
            on_result(result)

    walk([task(i) for i in graph], _Outcomes(by_id), WRITERS, stop, report, running)
    return results
