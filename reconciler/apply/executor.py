"""Walk a graph of tasks with bounded parallelism: the one place apply decides what runs when.

A task starts once every task it waits for (`after`) has finished well; when one of them
failed, the task is not run and gets `outcomes.blocked`. At most `per_group` tasks of one
group run at once (a group is a place: its writes share one rate cap). Whatever a task
raises becomes its outcome (`outcomes.crashed`), so the report is always complete. After
`stop` is set no task starts; the rest get `outcomes.not_started`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Task(Generic[R]):
    key: Hashable
    after: Sequence[Hashable]
    group: Hashable
    run: Callable[[], R]


class Outcomes(Protocol[R]):
    def ok(self, outcome: R) -> bool: ...

    def blocked(self, task: Task[R], failed: R) -> R: ...

    def crashed(self, task: Task[R], exc: Exception) -> R: ...

    def not_started(self, task: Task[R]) -> R: ...


class Running:
    """The tasks in flight, for a second interrupt to name before it exits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[Hashable] = []

    def add(self, key: Hashable) -> None:
        with self._lock:
            self._keys.append(key)

    def remove(self, key: Hashable) -> None:
        with self._lock:
            self._keys.remove(key)

    def now(self) -> list[Hashable]:
        with self._lock:
            return list(self._keys)


def _guarded(task: Task[R], outcomes: Outcomes[R]) -> Callable[[], R]:
    def run() -> R:
        try:
            return task.run()
        except Exception as exc:  # noqa: BLE001 - every outcome is reported, however it ended
            return outcomes.crashed(task, exc)

    return run


def walk(
    tasks: Sequence[Task[R]],
    outcomes: Outcomes[R],
    per_group: int,
    stop: threading.Event,
    on_outcome: Callable[[Task[R], R], None],
    running: Running | None = None,
    max_workers: int = 64,
) -> dict[Hashable, R]:
    """Every task's outcome, by key, reported through `on_outcome` as it comes."""
    known = {t.key for t in tasks}
    todo = list(tasks)
    done: dict[Hashable, R] = {}
    busy: Counter[Hashable] = Counter()
    in_flight = running or Running()

    def finish(task: Task[R], outcome: R) -> None:
        done[task.key] = outcome
        on_outcome(task, outcome)

    def waiting(task: Task[R]) -> bool:
        return any(dep in known and dep not in done for dep in task.after)

    groups = len({t.group for t in tasks})
    workers = max(1, min(per_group * max(1, groups), len(tasks), max_workers))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reconcile-write") as pool:
        futures: dict[Future[R], Task[R]] = {}
        while todo or futures:
            progressed = True
            while progressed and not stop.is_set():
                progressed = False
                for task in list(todo):
                    if waiting(task) or busy[task.group] >= per_group:
                        continue
                    todo.remove(task)
                    progressed = True
                    failed = next((done[d] for d in task.after if d in done and not outcomes.ok(done[d])), None)
                    if failed is not None:
                        finish(task, outcomes.blocked(task, failed))
                        continue
                    busy[task.group] += 1
                    in_flight.add(task.key)
                    futures[pool.submit(_guarded(task, outcomes))] = task
            if todo and (stop.is_set() or not futures):
                # Interrupted; or (never, by construction: edges run one way) waiting for what can't come.
                for task in todo:
                    finish(task, outcomes.not_started(task))
                todo = []
            if not futures:
                break
            finished, _ = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                task = futures.pop(future)
                busy[task.group] -= 1
                in_flight.remove(task.key)
                finish(task, future.result())
    return done
