"""The drift issue: opened on exit 2, updated on 2 again, closed on 0, untouched on 1, never two."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.github.cli import main
from reconciler.github.drift import LABEL, MARKER, TITLE
from reconciler.render.markdown import MARKER as PLAN_MARKER
from support.fake_github import BOT, MALLORY, FakeGitHub, github_env, outputs

DRIFT_1 = f"{PLAN_MARKER}\n### reconcile plan\n\n**Plan:** 0 to create, 1 to update, 0 to delete, 2 unchanged.\n"
DRIFT_2 = f"{PLAN_MARKER}\n### reconcile plan\n\n**Plan:** 0 to create, 2 to update, 0 to delete, 1 unchanged.\n"
CLEAN = f"{PLAN_MARKER}\n### reconcile plan\n\n✅ **No changes.** 3 connection(s) match the specs.\n"
ISSUES = "/repos/acme/connections/issues"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        yield fake


def _drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exit_code: str, plan: str | None = None
) -> tuple[int, str, str, dict[str, str]]:
    output = tmp_path / "github-output"
    output.write_text("", encoding="utf-8")
    argv = ["drift", "--exit-code", exit_code]
    if plan is not None:
        (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
        argv += ["--file", str(tmp_path / "plan.md")]
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err, outputs(output)


def test_drift_opens_one_labelled_issue_with_the_plan(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _, outs = _drift(tmp_path, capsys, "2", DRIFT_1)
    assert (code, out) == (0, "reconcile-github: drift found; tracking issue #1 opened\n")
    assert outs == {"drift": "true", "issue": "1"}
    [issue] = github.open_issues()
    assert issue["title"] == TITLE
    assert [label["name"] for label in issue["labels"]] == [LABEL]
    assert issue["body"].startswith(MARKER + "\n")
    assert DRIFT_1.strip() in issue["body"]
    assert LABEL in github.labels


def test_drift_again_updates_the_open_issue(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _drift(tmp_path, capsys, "2", DRIFT_1)
    github.requests.clear()
    code, out, _, outs = _drift(tmp_path, capsys, "2", DRIFT_2)
    assert (code, out, outs) == (
        0,
        "reconcile-github: drift found; tracking issue #1 updated\n",
        {"drift": "true", "issue": "1"},
    )
    [issue] = github.open_issues()
    assert DRIFT_2.strip() in issue["body"] and DRIFT_1.strip() not in issue["body"]
    assert github.writes() == [("PATCH", f"{ISSUES}/1")]


def test_clean_check_closes_the_issue_with_a_comment(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _drift(tmp_path, capsys, "2", DRIFT_1)
    code, out, _, outs = _drift(tmp_path, capsys, "0", CLEAN)
    assert (code, out, outs) == (0, "reconcile-github: no drift; closed #1\n", {"drift": "false"})
    assert github.open_issues() == []
    assert (github.issues[1]["state"], github.issues[1]["state_reason"]) == ("closed", "completed")
    [note] = github.comments[1]
    assert note["body"].startswith("✅ The drift check found no changes")
    assert "https://github.test/acme/connections/actions/runs/4242" in note["body"]

    # The next drift opens a fresh issue rather than reopening the closed one.
    _drift(tmp_path, capsys, "2", DRIFT_2)
    assert [i["number"] for i in github.open_issues()] == [2]


def test_clean_check_with_no_issue_writes_nothing(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _, outs = _drift(tmp_path, capsys, "0", CLEAN)
    assert (code, out, outs) == (0, "reconcile-github: no drift; no tracking issue open\n", {"drift": "false"})
    assert github.writes() == []


def test_failed_plan_fails_and_leaves_the_issue_alone(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _drift(tmp_path, capsys, "2", DRIFT_1)
    github.requests.clear()
    code, out, err, outs = _drift(tmp_path, capsys, "1", CLEAN)
    assert (code, out, outs) == (1, "", {})
    assert err == "reconcile-github: the plan failed (exit 1); the drift issue was left as it is\n"
    assert github.requests == []
    assert len(github.open_issues()) == 1


def test_never_two_issues(github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = f"{MARKER}\nold plan"
    github.labels[LABEL] = {"name": LABEL}
    github.add_issue("someone else's issue", "labelled by hand, no marker", (LABEL,))
    github.add_issue("a pull request", body, (LABEL,), pull_request=True)
    github.add_issue(TITLE, body, (LABEL,))  # #3: two open at once, as two racing runs could leave
    github.add_issue(TITLE, body, (LABEL,))  # #4
    code, out, _, _ = _drift(tmp_path, capsys, "2", DRIFT_1)
    assert (code, out) == (0, "reconcile-github: drift found; tracking issue #3 updated\n")
    assert [i["number"] for i in github.open_issues()] == [1, 3]
    assert DRIFT_1.strip() in github.issues[3]["body"]
    assert (github.issues[4]["state"], github.issues[4]["state_reason"]) == ("closed", "not_planned")
    assert github.comments[4][0]["body"] == "Duplicate of #3, which tracks this drift."
    assert github.issues[1]["body"] == "labelled by hand, no marker"

    _drift(tmp_path, capsys, "0", CLEAN)
    assert [i["number"] for i in github.open_issues()] == [1]


def test_tracking_issue_on_a_later_page_is_found(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.page_size = 2
    github.labels[LABEL] = {"name": LABEL}
    for i in range(4):
        github.add_issue(f"hand-labelled {i}", "no marker", (LABEL,))
    github.add_issue(TITLE, f"{MARKER}\nold", (LABEL,))
    code, out, _, _ = _drift(tmp_path, capsys, "2", DRIFT_1)
    assert (code, out) == (0, "reconcile-github: drift found; tracking issue #5 updated\n")
    assert len(github.issues) == 5


@pytest.mark.parametrize(
    ("exit_code", "plan", "message"),
    [
        ("", DRIFT_1, "--exit-code must be the plan's exit code (0, 1 or 2), got ''"),
        ("two", DRIFT_1, "--exit-code must be the plan's exit code (0, 1 or 2), got 'two'"),
        ("2", None, "--file (the markdown plan) is needed when the plan has changes"),
    ],
)
def test_bad_arguments_are_errors_not_drift(
    github: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    exit_code: str,
    plan: str | None,
    message: str,
) -> None:
    code, _, err, outs = _drift(tmp_path, capsys, exit_code, plan)
    assert (code, err, outs) == (1, f"reconcile-github: error: {message}\n", {})
    assert github.requests == []


def test_usage_errors_exit_1_not_2(capsys: pytest.CaptureFixture[str]) -> None:
    # argparse would exit 2, which reads as "drift found" to anything checking the code.
    assert main(["drift"]) == 1
    assert capsys.readouterr().err == (
        "reconcile-github: error: the following arguments are required: --exit-code "
        "(see python -m reconciler.github drift --help)\n"
    )


def test_an_issue_someone_else_opened_with_the_marker_is_never_the_tracking_issue(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.labels[LABEL] = {"name": LABEL}
    forged = github.add_issue(TITLE, f"{MARKER}\nnothing to see", (LABEL,), user=MALLORY)
    code, out, _, _ = _drift(tmp_path, capsys, "2", DRIFT_1)
    assert (code, out) == (0, "reconcile-github: drift found; tracking issue #2 opened\n")
    assert github.issues[2]["user"] == BOT
    code, out, _, _ = _drift(tmp_path, capsys, "0", CLEAN)
    assert (code, out) == (0, "reconcile-github: no drift; closed #2\n")
    # Never edited, commented on or closed.
    assert forged == {**forged, "state": "open", "body": f"{MARKER}\nnothing to see"}
    assert [p for _, p in github.writes() if p.startswith(f"{ISSUES}/1")] == []
