"""The plan comment (issue #14): its commit and targets; a newer plan keeps the older ones
below it, collapsed and marked outdated, within GitHub's size limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.github.body import MAX_BODY
from reconciler.github.cli import main
from reconciler.github.plan_comment import plan_markdown
from reconciler.github.record import (
    MAX_LISTED,
    Comparison,
    PlanRecord,
    TargetChanges,
    compare,
    decode,
    encode,
    from_plan_json,
)
from reconciler.github.run import PlanRun
from reconciler.render.markdown import MARKER
from support.cli import write
from support.fake_github import FakeGitHub, github_env

SHA_A = "aaaaaaa111111111111111111111111111111111"
SHA_B = "bbbbbbb222222222222222222222222222222222"
FOOTER = "\n\n<sub>Updated by [workflow run](https://github.test/acme/connections/actions/runs/4242).</sub>\n"


def _plan(
    sha: str, line: str = "**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged.", exit_code: int = 2
) -> str:
    """A plan file as run-plan writes it."""
    targets = '{"default":{"counts":[1,0,0],"digest":"e05a7cda1e374cc6","changes":[["create","stripe"]]}}'
    if exit_code != 2:
        targets = "{}"
    return (
        f"{MARKER}\n### reconcile plan\n\n"
        f'<!-- reconcile-plan-record {{"v":1,"sha":"{sha}","exit":{exit_code},"targets":{targets}}} -->\n\n'
        f"Planned at commit `{sha[:7]}`.\n\n{line}\n"
    )


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        yield fake


def _post(tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: str, pr: int = 7) -> str:
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    capsys.readouterr()
    assert main(["pr-comment", "--pr", str(pr), "--file", str(tmp_path / "plan.md")]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _summaries(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("<details><summary>Outdated")]


def test_a_newer_plan_keeps_the_one_it_replaces_collapsed_as_outdated(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _post(tmp_path, capsys, _plan(SHA_A))
    out = _post(tmp_path, capsys, _plan(SHA_B, "✅ **No changes.** 1 connection(s) match the specs.", 0))
    assert "plan comment updated on pull request #7" in out
    [comment] = github.comments[7]
    old = _plan(SHA_A).split("\n\n", 2)[2]  # without marker, heading and record
    assert comment["body"] == (
        _plan(SHA_B, "✅ **No changes.** 1 connection(s) match the specs.", 0) + "\n<!-- reconcile-outdated -->\n"
        "<details><summary>Outdated plan (commit <code>aaaaaaa</code>): 1 to create, 0 to update, 0 to delete"
        "</summary>\n\n"
        f"{old.rstrip()}\n\n</details>\n<!-- /reconcile-outdated -->{FOOTER}"
    )
    # Only the current plan's record is read back (apply compares with it).
    record = decode(comment["body"])
    assert record is not None and (record.sha, record.exit_code) == (SHA_B, 0)


def test_plans_stack_newest_first_and_only_five_are_kept(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = [f"{i}" * 7 + "0" * 33 for i in range(1, 9)]
    for sha in shas:
        _post(tmp_path, capsys, _plan(sha))
    body = github.comments[7][0]["body"]
    assert body.startswith(_plan(shas[-1]).rstrip("\n"))
    assert [s.split("<code>")[1][:7] for s in _summaries(body)] == [sha[:7] for sha in reversed(shas[2:7])]
    assert body.count("<details>") == body.count("</details>") == 5


def test_the_same_plan_again_is_not_kept_twice(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _post(tmp_path, capsys, _plan(SHA_A))
    _post(tmp_path, capsys, _plan(SHA_B))
    _post(tmp_path, capsys, _plan(SHA_B))  # a re-run of the same commit, same plan
    assert [s.split("<code>")[1][:7] for s in _summaries(github.comments[7][0]["body"])] == ["aaaaaaa"]


def test_a_failed_plan_and_an_older_comment_are_marked_outdated_too(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A comment made before plans recorded anything: no commit to name.
    github.add_comment(7, f"{MARKER}\n### reconcile plan\n\n**Plan:** 2 to create, 0 to update, 0 to delete.\n")
    _post(tmp_path, capsys, _plan(SHA_A, "❌ **The plan failed** (exit 1).", 1))
    _post(tmp_path, capsys, _plan(SHA_B))
    assert _summaries(github.comments[7][0]["body"]) == [
        "<details><summary>Outdated plan (commit <code>aaaaaaa</code>): the plan failed</summary>",
        "<details><summary>Outdated plan</summary>",
    ]


def test_outdated_plans_give_way_to_the_current_one_within_the_size_limit(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "\n".join(f"| `conn-{i}` | 🟡 update | 1 | `connections/c{i}.yaml` |" for i in range(700))
    _post(tmp_path, capsys, _plan(SHA_A, big))
    _post(tmp_path, capsys, _plan(SHA_B, big))
    body = github.comments[7][0]["body"]
    assert len(body) <= MAX_BODY and body.startswith(_plan(SHA_B, big).rstrip("\n"))
    # Too long to keep whole: its summary line stays, with a note.
    assert body.split("<!-- reconcile-outdated -->\n", 1)[1] == (
        "<details><summary>Outdated plan (commit <code>aaaaaaa</code>): 1 to create, 0 to update, 0 to delete"
        "</summary>\n\n_Not kept here: too long for one comment._\n\n</details>\n<!-- /reconcile-outdated -->" + FOOTER
    )
    # A current plan too big by itself is cut, and nothing older is kept.
    _post(tmp_path, capsys, _plan(SHA_A, big + "\n" + big))
    body = github.comments[7][0]["body"]
    assert len(body) <= 65_536 and "✂️ **Plan truncated**" in body and "Outdated plan" not in body


# -- the header: commit, and each target's account and region ------------------------------


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("RECONCILE_DIR", raising=False)
    return tmp_path


MARKDOWN = f"{MARKER}\n### reconcile plan\n\n**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged.\n"
CHANGES = [{"name": "stripe", "action": "create", "target": "default"}]
ENV = {"GITHUB_SERVER_URL": "https://github.test", "GITHUB_REPOSITORY": "acme/connections"}


def _header(text: str) -> str:
    return text.split("**Plan:**")[0].split(" -->\n\n", 1)[1]


def test_without_places_the_header_says_what_is_known_and_no_more(checkout: Path) -> None:
    # A plan JSON with target names only: the region boto3 uses (the workflow's), no account.
    document = {"targets": ["default"], "changes": CHANGES}
    text = plan_markdown(PlanRun(2, MARKDOWN, document), SHA_A, [], ENV)
    assert _header(text) == (
        f"Planned at commit [`aaaaaaa`](https://github.test/acme/connections/commit/{SHA_A}).\n\n"
        "| Target | Account | Region |\n|---|---|---|\n| `default` | account not known | `eu-central-1` |\n\n"
    )
    # --region, passed on to reconcile, wins.
    assert "| `default` | account not known | `us-west-2` |" in plan_markdown(
        PlanRun(2, MARKDOWN, document), SHA_A, ["--region", "us-west-2"], ENV
    )


def test_reconcile_yaml_gives_each_target_its_region_and_account(checkout: Path) -> None:
    write(
        checkout,
        "deploy.yaml",
        """
        targets:
          - name: us
            region: us-east-1
            account: "123456789012"
          - name: eu
            region: eu-west-1
        """,
    )
    document = {"targets": ["us", "eu"], "changes": CHANGES}
    text = plan_markdown(PlanRun(2, MARKDOWN, document), None, ["--config", "deploy.yaml", "--prune"], ENV)
    assert _header(text) == (
        "| Target | Account | Region |\n|---|---|---|\n"
        "| `us` | `123456789012` | `us-east-1` |\n| `eu` | account not known | `eu-west-1` |\n\n"
    )


def test_what_the_json_plan_says_wins(checkout: Path) -> None:
    # targets as objects: shown as they are.
    document = {"targets": [{"name": "default", "account": "210987654321", "region": "ap-south-1"}], "changes": []}
    text = plan_markdown(PlanRun(0, MARKDOWN, document), None, [], ENV)
    assert "| `default` | `210987654321` | `ap-south-1` |" in text
    # places: reconcile's own markdown names them already, so no table repeats them.
    document = {"targets": ["default"], "places": {"default": {"account": "1", "region": "x"}}, "changes": []}
    text = plan_markdown(PlanRun(0, MARKDOWN, document), None, [], ENV)
    assert "| Target |" not in text and text.endswith(MARKDOWN.split("\n\n", 1)[1])


def test_record_round_trip_and_comparison() -> None:
    odd = "a-->b>"  # not a valid connection name, but it must not end the comment early
    record = PlanRecord(SHA_A, 2, {"t": TargetChanges.of([("create", odd), ("delete", "old")])})
    line = encode(record)
    assert line.count("-->") == 1 and line.endswith(" -->")
    assert decode(f"text\n{line}\nmore") == record
    assert decode("<!-- reconcile-plan-record {broken} -->") is None

    same = TargetChanges.of([("delete", "old"), ("create", odd)])
    assert compare(record.targets["t"], same).same
    other = compare(record.targets["t"], TargetChanges.of([("update", odd)]))
    assert not other.same
    assert [(d.name, d.planned, d.applied) for d in other.differences] == [
        (odd, "create", "update"),
        ("old", "delete", None),
    ]

    # Past MAX_LISTED changes in the plan, only counts and a digest per target are kept; they still compare.
    many = [("create", f"conn-{i}") for i in range(MAX_LISTED)]
    changes = [{"name": n, "action": a, "target": t} for t in ("t", "u") for a, n in many[: MAX_LISTED // 2]]
    assert from_plan_json({"changes": changes}, ["t", "u"], None, 2).targets["t"].changes is not None
    changes.append({"name": "one-more", "action": "delete", "target": "u"})
    record = from_plan_json({"changes": changes}, ["t", "u"], None, 2)
    assert [t.changes for t in record.targets.values()] == [None, None]
    assert record.headline() == f"{MAX_LISTED} to create, 0 to update, 1 to delete"
    assert decode(encode(record)) == record
    big = TargetChanges.of(many, listed=False)
    assert compare(big, TargetChanges.of(reversed(many))).same
    assert compare(big, TargetChanges.of(many[1:])) == Comparison(False, ())  # differs; by name not known
