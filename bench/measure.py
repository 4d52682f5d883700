"""One measured run: `reconcile plan` in this process or in a fresh one, or the naive loop, and the calls it made.

In-process, `time.process_time()` around the plan is reconcile's own CPU (every thread
of this process), warm: imports and caches already paid. In a fresh process, the
child's rusage minus that of `python -c "import reconciler.cli"` is everything a real
run pays beyond interpreter start-up. Either way the emulator must live in another
process (testing.serve): moto's CPU is not ours.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.naive import naive_plan
from bench.workload import REGION, client
from reconciler.cli import main as reconcile
from testing.control import Controls
from testing.environment import AWS_ENV_TO_CLEAR


@dataclass
class Measured:
    wall: float
    cpu: float
    code: int
    output: str
    error: str = ""
    calls: dict[str, int] = field(default_factory=dict)
    repeats: int = 0
    throttled: int = 0

    @property
    def attempts(self) -> int:
        return sum(self.calls.values())

    def drifted(self) -> list[str]:
        """Names the plan (JSON) would update, or the naive loop found different (one per line)."""
        if self.output.lstrip().startswith("{"):
            return sorted(c["name"] for c in json.loads(self.output)["changes"] if c["action"] == "update")
        return sorted(self.output.split())


@contextmanager
def aws_environment(endpoint: str, cwd: Path) -> Iterator[None]:
    """The environment reconcile reads (endpoint, dummy credentials, region), run in `cwd`; restored after."""
    values = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(cwd / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(cwd / "no-aws-credentials"),
    }
    saved = {k: os.environ.get(k) for k in (*values, *AWS_ENV_TO_CLEAR)}
    old_cwd = os.getcwd()
    try:
        for key in AWS_ENV_TO_CLEAR:
            os.environ.pop(key, None)
        os.environ.update(values)
        os.chdir(cwd)
        yield
    finally:
        os.chdir(old_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _observe(controls: Controls, measured: Measured, throttled_before: int) -> Measured:
    measured.calls = {k: v for k, v in controls.calls_by_action().items() if v}
    measured.repeats = controls.repeated_calls()
    measured.throttled = controls.throttled() - throttled_before
    return measured


def run_reconcile(controls: Controls, endpoint: str, workdir: Path, *argv: str) -> Measured:
    """`reconcile ARGV` in this process: wall and CPU seconds, exit code, output, calls."""
    controls.reset_counters()
    throttled_before = controls.throttled()
    stdout, stderr = io.StringIO(), io.StringIO()
    with aws_environment(endpoint, workdir), redirect_stdout(stdout), redirect_stderr(stderr):
        cpu, wall = time.process_time(), time.perf_counter()
        code = reconcile(list(argv))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return _observe(controls, Measured(wall, cpu, code, stdout.getvalue(), stderr.getvalue()), throttled_before)


def plan(controls: Controls, endpoint: str, folder: Path, *extra: str) -> Measured:
    return run_reconcile(controls, endpoint, folder.parent, "plan", "--dir", folder.name, "--format", "json", *extra)


def run_naive(controls: Controls, endpoint: str, folder: Path) -> Measured:
    events: Any = client("events", endpoint)
    secrets: Any = client("secretsmanager", endpoint)
    controls.reset_counters()
    throttled_before = controls.throttled()
    cpu, wall = time.process_time(), time.perf_counter()
    drifted = naive_plan(folder, events, secrets)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return _observe(controls, Measured(wall, cpu, 0, "\n".join(drifted)), throttled_before)


def _child(argv: list[str], cwd: Path) -> tuple[int, float, float, str, str]:
    """Run a child; its exit code, CPU seconds (user + system, from wait4), wall seconds, stdout, stderr."""
    code, cpu, wall, out, err, _rss = child_with_rss(argv, cwd)
    return code, cpu, wall, out, err


def child_with_rss(argv: list[str], cwd: Path) -> tuple[int, float, float, str, str, int]:
    """`_child`, and the child's peak resident memory in bytes (ru_maxrss, kilobytes on Linux)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        wall = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - wall
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 above
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return process.returncode, cpu, wall, out.read().decode(), err.read().decode(), usage.ru_maxrss * 1024


def startup_cpu(cwd: Path, runs: int = 3) -> float:
    """CPU seconds of starting Python and importing the CLI: the baseline a fresh run is measured against."""
    return min(_child([sys.executable, "-c", "import reconciler.cli"], cwd)[1] for _ in range(runs))


def plan_in_new_process(controls: Controls, endpoint: str, folder: Path, *extra: str) -> Measured:
    """`python -m reconciler plan` as a child process: its whole CPU, start-up included."""
    controls.reset_counters()
    throttled_before = controls.throttled()
    with aws_environment(endpoint, folder.parent):
        code, cpu, wall, out, err = _child(
            [sys.executable, "-m", "reconciler", "plan", "--dir", folder.name, "--format", "json", *extra],
            folder.parent,
        )
    return _observe(controls, Measured(wall, cpu, code, out, err), throttled_before)
