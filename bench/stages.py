"""Where a plan's CPU goes, stage by stage: `python bench/stages.py [N]` (default 3,000).

Starts the emulator in its own process, seeds N connections (bench/workload.py), and
runs `reconcile plan --format json` once to warm up and once measured, in this
process, with the thread pool replaced by one that runs each task at once on the
calling thread, so stages never overlap and `time.process_time()` around each is its
own CPU. Each stage function is wrapped with a timer for the run (instrumentation
only: the functions run unchanged). Threads are what this leaves out; compare with
the fresh-process figure of bench/run.py for their cost.
"""

from __future__ import annotations

import functools
import io
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench`, `testing` and `reconciler` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import reconciler.pipeline as pipeline  # noqa: E402
import reconciler.plan.target as plan_target  # noqa: E402
import reconciler.read.step as snapshot  # noqa: E402
from bench import measure, workload  # noqa: E402
from reconciler.cli import main as reconcile  # noqa: E402
from reconciler.render import RENDERERS  # noqa: E402
from reconciler.secrets import redact  # noqa: E402
from testing.serve import EmulatorProcess  # noqa: E402


class InlinePool:
    """A ThreadPoolExecutor look-alike that runs each task when it is submitted."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future

    def shutdown(self, *_args: Any, **_kwargs: Any) -> None:
        pass

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *_exc: Any) -> None:
        pass


STAGES: list[tuple[Any, str, str]] = [
    (pipeline, "load_specs", "load YAML"),
    (pipeline, "validate_specs", "validate (schema, semantic)"),
    (pipeline, "connect", "connect (identity, clients)"),
    (snapshot, "resolve_secrets", "resolve source secrets (BatchGet)"),
    (snapshot, "describe_all", "DescribeConnection"),
    (snapshot, "read_managed_secrets", "managed secrets (BatchGet)"),
    (plan_target, "plan_connection", "plan (normalize, diff)"),
    (RENDERERS, "json", "render JSON"),
    (redact.Redactor, "redact", "redact output"),
]


def _timed(owner: Any, name: str, label: str, totals: dict[str, float]) -> Callable[[], None]:
    """Wrap `owner.name` (or `owner[name]` for a dict) with a timer; returns the undo."""
    get, put = (
        (owner.__getitem__, owner.__setitem__)
        if isinstance(owner, dict)
        else (functools.partial(getattr, owner), functools.partial(setattr, owner))
    )
    original = get(name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.process_time() - start

    put(name, wrapper)
    return lambda: put(name, original)


def measure_stages(n: int) -> tuple[dict[str, float], float]:
    """CPU seconds by stage label, and in all, of one plan of n seeded connections."""
    with EmulatorProcess() as emulator, tempfile.TemporaryDirectory(prefix="reconcile-stages-") as tmp:
        emulator.control.set_transition_polls(0)
        workload.seed(emulator.endpoint, n)
        folder = workload.write_specs(Path(tmp) / "specs", n)
        argv = ["plan", "--dir", folder.name, "--format", "json", "--max-rps", "10000"]  # CPU, not the pace
        threads = pipeline.ThreadPoolExecutor
        pipeline.ThreadPoolExecutor = InlinePool  # type: ignore[misc,assignment]
        totals: dict[str, float] = {}
        try:
            with measure.aws_environment(emulator.endpoint, folder.parent), redirect_stdout(io.StringIO()):
                reconcile(argv)  # warm-up: imports, caches
            restore = [_timed(owner, name, label, totals) for owner, name, label in STAGES]
            try:
                with measure.aws_environment(emulator.endpoint, folder.parent), redirect_stdout(io.StringIO()):
                    start = time.process_time()
                    reconcile(argv)
                    total = time.process_time() - start
            finally:
                for undo in restore:
                    undo()
        finally:
            pipeline.ThreadPoolExecutor = threads  # type: ignore[misc]
    return totals, total


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 3000
    totals, total = measure_stages(n)
    print(f"# CPU by stage, {n} connections, in process, no threads (ms per connection)")
    for _owner, _name, label in STAGES:
        print(f"  {label:<36} {totals.get(label, 0.0) * 1000 / n:6.3f}")
    print(f"  {'everything else':<36} {(total - sum(totals.values())) * 1000 / n:6.3f}")
    print(f"  {'total':<36} {total * 1000 / n:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
