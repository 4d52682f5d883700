"""The benchmark's core at a tiny size: call counts and that the plan beats the naive loop.

No assertion on seconds: only that the ratio is above 1 (bench/run.py checks the real target).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import measure, run, workload  # noqa: E402
from testing.emulator import TestEmulator  # noqa: E402

N = 30


def test_plan_calls_and_ratio_at_a_tiny_size(aws: TestEmulator, tmp_path: Path) -> None:
    aws.set_transition_polls(0)
    workload.seed(aws.endpoint, N)
    folder = workload.write_specs(tmp_path / "specs", N)
    aws.set_latency(0.005)

    naive = measure.run_naive(aws, aws.endpoint, folder)
    plan = measure.plan(aws, aws.endpoint, folder)

    assert plan.code == 2, plan.error
    # 30 connections: 30 own secrets + 15 shared = 45 → 3 batches; 30 managed secrets → 2 batches;
    # one GetCallerIdentity for the target's account.
    assert workload.expected_reads(N) == {"DescribeConnection": 30, "BatchGetSecretValue": 5, "GetCallerIdentity": 1}
    assert plan.calls == {"DescribeConnection": 30, "BatchGetSecretValue": 5, "GetCallerIdentity": 1}
    assert run.call_problems(plan, N) == []
    assert naive.calls == {"DescribeConnection": 30, "GetSecretValue": 90}
    assert plan.drifted() == naive.drifted() == ["bench-00005", "bench-00015", "bench-00025"]
    assert naive.wall / plan.wall > 1


def test_call_problems_names_what_is_off() -> None:
    calls = {"DescribeConnection": 31, "BatchGetSecretValue": 5, "GetCallerIdentity": 1, "GetSecretValue": 1}
    off = measure.Measured(0.0, 0.0, 0, "", calls=calls, repeats=1)
    assert run.call_problems(off, N) == [
        "DescribeConnection: 31 calls, expected 30",
        "GetSecretValue: 1 unexpected call(s)",
        "1 call(s) repeated an earlier one",
    ]


def test_quota_error_is_one_call_and_a_clean_message(aws: TestEmulator, tmp_path: Path) -> None:
    aws.set_transition_polls(0)
    workload.seed(aws.endpoint, 1)
    report = run.Report([])
    run.quota_error(aws, aws.endpoint, tmp_path, report)
    assert report.failures == []
    assert aws.calls("CreateConnection") == 1


def test_the_stage_breakdown_times_every_stage() -> None:
    from bench import stages

    totals, total = stages.measure_stages(6)
    labels = [label for *_x, label in stages.STAGES]
    assert set(totals) == set(labels)  # every stage ran, and was timed
    assert 0 < sum(totals.values()) <= total
    assert stages.pipeline.ThreadPoolExecutor is not stages.InlinePool  # put back for whatever runs next


def test_the_organisation_case_at_a_tiny_size(aws: TestEmulator, tmp_path: Path) -> None:
    """One account × 3 regions: three targets, each assuming its own role, in sync with what was seeded
    in that account and region; the calls are exactly one role, one identity, the describes and two
    secret batches per target."""
    from bench import organisation

    aws.set_transition_polls(0)
    organisation.seed(aws.endpoint, 1)
    workload.write_specs(tmp_path / "specs-org", organisation.PER_TARGET)
    run_ = organisation.plan(aws, aws.endpoint, tmp_path, 1, baseline=0.0)
    assert run_.code == 0, run_.error
    assert run_.targets == 3
    assert organisation.call_problems(run_) == []
    assert run_.calls["AssumeRole"] == 3 and run_.calls["DescribeConnection"] == 15
    assert run_.rss > 0 and run_.threads > 1
