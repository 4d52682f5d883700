"""The plan comment: created once, then edited in place, found by its marker on any page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.github.body import MAX_BODY
from reconciler.github.cli import main
from reconciler.github.client import GitHub
from reconciler.github.comments import upsert_pr_comment
from reconciler.model import Action, FieldChange, Op, Plan, ResourcePlan
from reconciler.render.markdown import MARKER, render
from support.fake_github import BOT, MALLORY, FakeGitHub, github_env, outputs

PLAN_1 = f"{MARKER}\n### reconcile plan\n\n**Plan:** 1 to create, 0 to update, 0 to delete, 0 unchanged.\n"
PLAN_2 = f"{MARKER}\n### reconcile plan\n\n✅ **No changes.** 1 connection(s) match the specs.\n"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        yield fake


def _comment(tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: str, pr: int = 7) -> tuple[int, str, str]:
    path = tmp_path / "plan.md"
    path.write_text(plan, encoding="utf-8")
    capsys.readouterr()
    code = main(["pr-comment", "--pr", str(pr), "--file", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_first_run_creates_the_comment_and_the_second_edits_it_in_place(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _comment(tmp_path, capsys, PLAN_1)
    assert code == 0
    [first] = github.comments[7]
    assert out == f"reconcile-github: plan comment created on pull request #7: {first['html_url']}\n"
    assert github.writes() == [("POST", "/repos/acme/connections/issues/7/comments")]

    code, out, _ = _comment(tmp_path, capsys, PLAN_2)
    assert code == 0
    assert "plan comment updated on pull request #7" in out
    assert [c["id"] for c in github.comments[7]] == [first["id"]]
    assert github.comments[7][0]["body"].startswith(PLAN_2.rstrip("\n"))
    assert github.writes()[1:] == [("PATCH", f"/repos/acme/connections/issues/comments/{first['id']}")]
    assert outputs(tmp_path / "github-output") == {"comment-id": str(first["id"])}
    assert set(github.authorization) == {f"Bearer {github.token}"}


def test_body_keeps_the_marker_first_and_links_the_run(github: FakeGitHub) -> None:
    upsert_pr_comment(3, "### a plan without its marker\n")
    body = github.comments[3][0]["body"]
    assert body.splitlines()[0] == MARKER
    assert body.endswith(
        "<sub>Updated by [workflow run](https://github.test/acme/connections/actions/runs/4242).</sub>\n"
    )


def test_other_comments_are_left_alone(github: FakeGitHub) -> None:
    github.add_comment(7, "LGTM", {"login": "alice", "type": "User"})
    github.add_comment(7, f"> {MARKER}\n> quoting the bot: why this change?", {"login": "bob", "type": "User"})
    done = upsert_pr_comment(7, PLAN_1)
    assert done.action == "created"
    assert [c["body"] for c in github.comments[7][:2]] == ["LGTM", f"> {MARKER}\n> quoting the bot: why this change?"]
    assert len(github.comments[7]) == 3
    assert upsert_pr_comment(7, PLAN_2).id == done.id
    assert len(github.comments[7]) == 3


def test_comment_on_a_later_page_is_found(github: FakeGitHub) -> None:
    github.page_size = 2
    for i in range(5):
        github.add_comment(7, f"review note {i}", {"login": "alice", "type": "User"})
    ours = github.add_comment(7, PLAN_1)
    github.requests.clear()
    done = upsert_pr_comment(7, PLAN_2)
    assert (done.action, done.id) == ("updated", ours["id"])
    assert [m for m, _ in github.requests] == ["GET", "GET", "GET", "PATCH"]
    assert len(github.comments[7]) == 6


def test_pagination_never_sends_the_token_to_another_host(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.page_size = 1
    github.link_base = "http://203.0.113.9"
    github.add_comment(7, "one")
    github.add_comment(7, "two")
    code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert code == 1
    assert err == (
        "reconcile-github: error: GET /repos/acme/connections/issues/7/comments: "
        "next page is on another host; refusing to follow\n"
    )
    assert github.writes() == []


def test_a_redirect_elsewhere_does_not_carry_the_token(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeGitHub() as other:
        github.redirect[("GET", "/repos/acme/connections/issues/7/comments")] = (
            f"{other.url}/repos/acme/connections/issues/7/comments"
        )
        code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert code == 1
    assert other.authorization == [None]
    assert err == (
        "reconcile-github: error: GET /repos/acme/connections/issues/7/comments: "
        "HTTP 401 Bad credentials (does the job grant the permission this needs?)\n"
    )


def test_an_oversized_plan_is_cut_with_a_note(github: FakeGitHub) -> None:
    rows = "".join(f"| `conn-{i}` | 🟡 update | 1 | `connections/c{i}.yaml` |\n" for i in range(2000))
    upsert_pr_comment(7, f"{PLAN_1}\n<details open><summary>x</summary>\n\n```diff\n{rows}")
    body = github.comments[7][0]["body"]
    assert len(body) <= 65_536 and len(body) > MAX_BODY - 1000
    assert body.startswith(MARKER)
    assert "✂️ **Plan truncated** to fit a GitHub comment; the job summary has all of it." in body
    assert body.count("```") % 2 == 0 and "</details>" in body


def test_bad_token_is_one_line_and_never_printed(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_wrong-token-abcdef")
    code, out, err = _comment(tmp_path, capsys, PLAN_1)
    assert code == 1
    assert err == (
        "reconcile-github: error: GET /repos/acme/connections/issues/7/comments: "
        "HTTP 401 Bad credentials (does the job grant the permission this needs?)\n"
    )
    assert "ghs_" not in out + err
    assert "ghs_" not in repr(GitHub.from_env())


def test_missing_permission_names_the_failing_call(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.fail[("POST", "/repos/acme/connections/issues/7/comments")] = (403, "Resource not accessible by integration")
    code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert code == 1
    assert err == (
        "reconcile-github: error: POST /repos/acme/connections/issues/7/comments: "
        "HTTP 403 Resource not accessible by integration (does the job grant the permission this needs?)\n"
    )


def test_missing_token_and_unreachable_api_are_clean_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        url = fake.url
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert (code, err) == (
        1,
        "reconcile-github: error: GITHUB_TOKEN is not set "
        "(pass `GITHUB_TOKEN: ${{ github.token }}` in the step's env)\n",
    )

    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret-value")
    monkeypatch.setenv("GITHUB_API_URL", url)  # the server is gone: connection refused
    code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert code == 1
    assert err.startswith(
        "reconcile-github: error: GET /repos/acme/connections/issues/7/comments: cannot reach the GitHub API: "
    )
    assert err.count("\n") == 1 and "Traceback" not in err and "ghs_" not in err


def test_unreadable_plan_file(github: FakeGitHub, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["pr-comment", "--pr", "7", "--file", str(tmp_path / "missing.md")])
    assert code == 1
    assert (
        capsys.readouterr().err
        == f"reconcile-github: error: {tmp_path / 'missing.md'}: cannot read: No such file or directory\n"
    )
    assert github.requests == []


def test_a_rendered_plan_too_big_for_a_comment_is_cut_to_fit(github: FakeGitHub) -> None:
    changes = [
        FieldChange(f"AuthParameters.InvocationHttpParameters.HeaderParameters[H{i}]", Op.ADD, None, "x" * 200)
        for i in range(100)
    ]
    upsert_pr_comment(7, render(Plan([ResourcePlan(f"conn-{n}", Action.CREATE, changes=changes) for n in range(20)])))
    body = github.comments[7][0]["body"]
    assert len(body) <= 65_536
    assert "✂️ **Plan truncated** to fit a GitHub comment; the job summary has all of it." in body
    assert body.count("```") % 2 == 0


def test_a_marker_in_someone_elses_comment_is_never_ours(github: FakeGitHub) -> None:
    # Anyone who can comment can open a comment with the marker; it is theirs, not reconcile's.
    forged = github.add_comment(7, PLAN_1, MALLORY)
    done = upsert_pr_comment(7, PLAN_2)
    assert done.action == "created" and done.id != forged["id"]
    assert github.comments[7][0] == {**forged, "body": PLAN_1}
    assert github.comments[7][1]["user"] == BOT
    assert upsert_pr_comment(7, PLAN_1).id == done.id
    assert [p for m, p in github.writes() if m == "PATCH"] == [f"/repos/acme/connections/issues/comments/{done.id}"]
    assert github.comments[7][0]["body"] == PLAN_1


def test_the_author_reconcile_posts_as_is_a_setting(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A GitHub App's token posts as APP-SLUG[bot]; GET /user is refused for it, so it is told.
    github.user = {"login": "reconcile-app[bot]", "type": "Bot"}
    github.add_comment(7, PLAN_1)  # github-actions[bot]'s, from before the switch: not this identity's
    monkeypatch.setenv("RECONCILE_GITHUB_AUTHOR", "Reconcile-App[bot]")  # logins compare without case
    first = upsert_pr_comment(7, PLAN_1)
    assert first.action == "created"
    assert (upsert_pr_comment(7, PLAN_2).action, len(github.comments[7])) == ("updated", 2)

    monkeypatch.setenv("RECONCILE_GITHUB_AUTHOR", "not a login")
    github.requests.clear()
    code, _, err = _comment(tmp_path, capsys, PLAN_1)
    assert (code, err) == (
        1,
        "reconcile-github: error: RECONCILE_GITHUB_AUTHOR must be a GitHub login such as github-actions[bot], "
        "got 'not a login'\n",
    )
    assert github.requests == []
