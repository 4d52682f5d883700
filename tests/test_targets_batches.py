"""`reconcile targets --batches N`: past GitHub's 256 jobs per matrix, one job per batch of
targets; batches balanced by spec documents, each account and region in one batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import api_key_spec, run, write

# Seven targets in five places (account, region); work = spec documents.
CONFIG = """
targets:
  - {name: a1, account: "111111111111", region: us-east-1, specs: [specs/a1]}   # 5
  - {name: a2, account: "111111111111", region: us-east-1, specs: [specs/a2]}   # 1
  - {name: b1, role_arn: "arn:aws:iam::222222222222:role/reconcile", region: us-east-1, specs: [specs/b1]}  # 3
  - {name: n1, region: us-east-1, specs: [specs/n1]}                            # 2
  - {name: n2, region: us-east-1, specs: [specs/n2]}                            # 1
  - {name: e1, region: eu-west-1, specs: [specs/e1]}                            # 4
  - {name: c1, account: "111111111111", region: eu-west-1, specs: [specs/c1]}   # 0
"""
WORK = {"a1": 5, "a2": 1, "b1": 3, "n1": 2, "n2": 1, "e1": 4, "c1": 0}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECONCILE_DIR", raising=False)
    write(tmp_path, "reconcile.yaml", CONFIG)
    for target, count in WORK.items():
        (tmp_path / "specs" / target).mkdir(parents=True)
        if count:
            documents = "---\n".join(api_key_spec(name=f"{target}-{i}") for i in range(count))
            write(tmp_path / "specs" / target, "all.yaml", documents)
    return tmp_path


def _batches(capsys: pytest.CaptureFixture[str], n: int) -> list[str]:
    result = run(capsys, "targets", "--batches", str(n), "--format", "json")
    assert result.code == 0, result.err
    batches = json.loads(result.out)
    names = [name for batch in batches for name in batch.split(" ")]
    assert sorted(names) == sorted(WORK) and len(batches) <= n  # every target in exactly one
    return list(batches)


def test_batches_balance_work_and_keep_each_place_together(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Places by work: 111…/us-east-1 6, eu-west-1 4, 222…/us-east-1 3 (from role_arn),
    # us-east-1 without an account 3, 111…/eu-west-1 1; each to the lightest batch so far.
    assert _batches(capsys, 3) == ["a1 a2", "b1 n1 n2", "e1 c1"]
    assert _batches(capsys, 2) == ["a1 a2 n1 n2", "b1 e1 c1"]
    assert _batches(capsys, 1) == ["a1 a2 b1 n1 n2 e1 c1"]
    # Never more batches than places.
    assert _batches(capsys, 250) == ["a1 a2", "b1", "n1 n2", "e1", "c1"]


def test_batches_as_text_and_without_a_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "targets", "--batches", "3").out == "batch 1\ta1 a2\nbatch 2\tb1 n1 n2\nbatch 3\te1 c1\n"
    (repo / "reconcile.yaml").unlink()
    assert run(capsys, "targets", "--batches", "3", "--format", "json").out == '["default"]\n'


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_batches_must_be_a_whole_number(repo: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    result = run(capsys, "targets", f"--batches={value}")
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"reconcile: error: argument --batches: must be a whole number of batches, 1 or more, not '{value}' "
        "(see reconcile targets --help)\n",
    )
