"""Plans and applies at the speed AWS allows (issue #12): against EventBridge's request quota.

The emulator (its own process) answers every EventBridge request after QUOTA_LATENCY and
throttles beyond 50 requests per second per account and region (a token bucket with one
second of burst, reconciler/sandbox/quota.py). reconcile's cap is 45/s. Measured:

- plans of 1,000 and 3,000 connections: wall time against N / 50 s, and the share of
  requests throttled; the 3,000 plan runs in a child process, for its peak memory;
- two targets (two regions) of 1,000 each against one target alone;
- an apply of 500 drifted connections: its writes' span at the server against 500 / cap.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bench import measure, workload
from reconciler.aws.rate import DEFAULT_EVENTBRIDGE_RPS, EVENTBRIDGE_QUOTA
from testing.control import Controls

QUOTA_LATENCY = 0.02  # seconds per AWS call
PLAN_SIZES = (1000, 3000)
PLAN_FACTOR = 1.25  # wall within 1.25 × N / 50 s
THROTTLED_SHARE = 0.05
TWO_REGION_FACTOR = 1.25
APPLY_N = 500
APPLY_FACTOR = 1.3
RSS_LIMIT = 200 * 1024 * 1024
SECOND_REGION = "eu-west-1"
APPLY_REGION = "us-west-2"


class Checker(Protocol):
    def check(self, ok: bool, what: str) -> str: ...


@dataclass
class QuotaRun:
    wall: float
    code: int
    eventbridge: int  # EventBridge requests, throttled ones included
    throttled: int
    rss: int = 0


def seed(endpoint: str) -> None:
    """The other worlds (the first region holds 3,000 already): 1,000 in a second region, 500
    drifted in a third."""
    workload.seed(endpoint, 1000, SECOND_REGION)
    workload.seed(endpoint, APPLY_N, APPLY_REGION, drift_all=True)


def _eventbridge(calls: dict[str, int]) -> int:
    names = ("DescribeConnection", "ListConnections", "CreateConnection", "UpdateConnection", "DeleteConnection")
    return sum(calls.get(name, 0) for name in names)


def _run(controls: Controls, endpoint: str, workdir: Path, *argv: str) -> QuotaRun:
    controls.reset_counters()
    run = measure.run_reconcile(controls, endpoint, workdir, *argv)
    if run.code not in (0, 2):
        sys.stderr.write(run.error[-2000:])
    return QuotaRun(run.wall, run.code, _eventbridge(run.calls), controls.quota_throttled())


def _child_plan(controls: Controls, endpoint: str, folder: Path) -> QuotaRun:
    controls.reset_counters()
    with measure.aws_environment(endpoint, folder.parent):
        code, _cpu, wall, _out, err, rss = measure.child_with_rss(
            [sys.executable, "-m", "reconciler", "plan", "--dir", folder.name, "--format", "json"], folder.parent
        )
    if code not in (0, 2):
        sys.stderr.write(err[-2000:])
    calls = controls.calls_by_action()
    return QuotaRun(wall, code, _eventbridge(calls), controls.quota_throttled(), rss)


def _line(label: str, run: QuotaRun, bound: float) -> str:
    share = run.throttled / run.eventbridge if run.eventbridge else 0.0
    return (
        f"  {label:<28} {run.wall:>7.1f} s  (bound {bound:>5.1f} s)  {run.eventbridge:>6} requests, "
        f"{run.throttled} throttled ({share:.1%}), exit {run.code}"
    )


def quota(controls: Controls, endpoint: str, work: Path, report: Checker) -> None:
    controls.set_latency(QUOTA_LATENCY)
    controls.set_request_quota(EVENTBRIDGE_QUOTA)
    try:
        _plans(controls, endpoint, work, report)
        _two_regions(controls, endpoint, work, report)
        _apply(controls, endpoint, work, report)
    finally:
        controls.set_request_quota(None)
        controls.set_latency(0)


def _plans(controls: Controls, endpoint: str, work: Path, report: Checker) -> None:
    print(
        f"\n## Plans against the quota ({EVENTBRIDGE_QUOTA:.0f}/s per account and region, "
        f"{QUOTA_LATENCY * 1000:.0f} ms per call; cap {DEFAULT_EVENTBRIDGE_RPS:.0f}/s)"
    )
    for n in PLAN_SIZES:
        folder = workload.write_specs(work / f"specs-quota-{n}", n)
        run = (
            _child_plan(controls, endpoint, folder)
            if n == max(PLAN_SIZES)
            else _run(controls, endpoint, folder.parent, "plan", "--dir", folder.name, "--format", "json")
        )
        bound = PLAN_FACTOR * n / EVENTBRIDGE_QUOTA
        print(_line(f"plan of {n:,}", run, bound))
        share = run.throttled / max(run.eventbridge, 1)
        report.check(run.code == 2, f"plan of {n}: exit {run.code}")
        print(
            f"    within {PLAN_FACTOR}× of {n}/{EVENTBRIDGE_QUOTA:.0f} s -> "
            + report.check(run.wall <= bound, f"plan of {n}: {run.wall:.1f} s > {bound:.1f} s")
        )
        print(
            f"    throttled ≤ {THROTTLED_SHARE:.0%} -> "
            + report.check(share <= THROTTLED_SHARE, f"plan of {n}: {share:.1%} throttled")
        )
        if run.rss:
            mb = run.rss / 1024 / 1024
            print(
                f"    peak memory (RSS) {mb:.0f} MB (limit {RSS_LIMIT // 1024 // 1024} MB) -> "
                + report.check(run.rss <= RSS_LIMIT, f"RSS {mb:.0f} MB at {n}")
            )


def _two_regions(controls: Controls, endpoint: str, work: Path, report: Checker) -> None:
    folder = workload.write_specs(work / "specs-quota-1000", 1000)
    config = work / "two-regions.yaml"
    config.write_text(
        "targets:\n"
        f"  - {{name: first, region: {workload.REGION}, specs: [{folder.name}]}}\n"
        f"  - {{name: second, region: {SECOND_REGION}, specs: [{folder.name}]}}\n",
        encoding="utf-8",
    )
    one = _run(controls, endpoint, work, "plan", "--config", config.name, "--target", "first", "--format", "json")
    two = _run(controls, endpoint, work, "plan", "--config", config.name, "--format", "json")
    bound = TWO_REGION_FACTOR * one.wall
    print("\n## Two targets (two regions) of 1,000 each, each with its own budget")
    print(_line("one target", one, PLAN_FACTOR * 1000 / EVENTBRIDGE_QUOTA))
    print(_line("two targets", two, bound))
    print(
        f"    within {TWO_REGION_FACTOR}× of one target -> "
        + report.check(two.wall <= bound and two.code == 2, f"two targets: {two.wall:.1f} s > {bound:.1f} s")
    )


def _apply(controls: Controls, endpoint: str, work: Path, report: Checker) -> None:
    folder = workload.write_specs(work / "specs-apply", APPLY_N)
    controls.reset_counters()
    started = time.perf_counter()
    run = measure.run_reconcile(
        controls, endpoint, work, "apply", "--dir", folder.name, "--yes", "--region", APPLY_REGION
    )
    total = time.perf_counter() - started
    updates = controls.calls("UpdateConnection")
    span = controls.call_spans().get("UpdateConnection", 0.0)
    bound = APPLY_FACTOR * APPLY_N / DEFAULT_EVENTBRIDGE_RPS
    throttled = controls.quota_throttled()
    print(f"\n## Apply of {APPLY_N} drifted connections (cap {DEFAULT_EVENTBRIDGE_RPS:.0f}/s)")
    print(
        f"  {updates} UpdateConnection over {span:.1f} s at the server (bound {bound:.1f} s); "
        f"whole apply {total:.1f} s with its plan; {throttled} throttled; exit {run.code}"
    )
    ok = run.code == 0 and updates == APPLY_N and span <= bound
    print(
        f"    writes within {APPLY_FACTOR}× of {APPLY_N}/{DEFAULT_EVENTBRIDGE_RPS:.0f} s -> "
        + report.check(ok, f"apply of {APPLY_N}: {updates} updates over {span:.1f} s, exit {run.code}")
    )
