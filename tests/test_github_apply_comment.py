"""On merge (issue #14): apply's result on the merged pull request, per target, compared with
the plan that pull request showed. run-plan, pr-comment, run-apply and apply-comment through
the command line, AWS the emulator, GitHub the fake."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.github.cli import main
from reconciler.github.record import PlanRecord, TargetChanges, encode
from reconciler.github.run import reconcile_env
from reconciler.render.markdown import MARKER as PLAN_MARKER
from support.cli import api_key_spec, write
from support.fake_github import BOT, MALLORY, FakeGitHub, github_env, outputs
from testing.emulator import TestEmulator

HEAD = "1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # the pull request's head when planned
MERGED = "9999999fffffffffffffffffffffffffffffffff"  # its merge commit on main
SECRET = "SENTINEL-apply-secret-3c1d"
COMMIT = "https://github.test/acme/connections/commit/"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        github_env(fake, monkeypatch, tmp_path)
        yield fake


@pytest.fixture
def ws(aws: TestEmulator, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: Any) -> Path:
    """A checkout with one spec and its secret; the Actions variables point at the fake."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECONCILE_DIR", raising=False)
    # A push to main: the commit applied is the branch's head.
    monkeypatch.setenv("GITHUB_SHA", MERGED)
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    monkeypatch.setenv("GITHUB_REF_TYPE", "branch")
    github.branches["main"] = MERGED
    write(tmp_path / "connections", "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString=SECRET)
    return tmp_path


def _cli(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    code = main(list(argv))
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def _plan_on_pr(ws: Path, capfd: pytest.CaptureFixture[str], sha: str = HEAD) -> None:
    code, _, err = _cli(capfd, "run-plan", "--sha", sha, "--file", str(ws / "plan.md"))
    assert code == 0, err
    assert _cli(capfd, "pr-comment", "--pr", "7", "--file", str(ws / "plan.md"))[0] == 0


def _apply(
    ws: Path, capfd: pytest.CaptureFixture[str], *extra: str, ours: tuple[str, ...] = ()
) -> tuple[int, str, str]:
    (ws / "github-output").write_text("", encoding="utf-8")
    argv = ["run-apply", "--report", str(ws / "apply.json"), "--summary", str(ws / "summary.md"), *ours]
    return _cli(capfd, *argv, "--", "--yes", "--wait-timeout", "10", *extra)


def _comment(ws: Path, capfd: pytest.CaptureFixture[str], *extra: str, outcome: str = "") -> tuple[int, str, str]:
    (ws / "github-output").write_text("", encoding="utf-8")
    argv = ["apply-comment", "--sha", MERGED, "--report", str(ws / "apply.json"), "--validate-outcome", outcome]
    return _cli(capfd, *argv, "--", *extra)


def _apply_body(github: FakeGitHub) -> str:
    assert all(SECRET not in c["body"] for c in github.comments[7])  # plan and apply comments alike
    [body] = [c["body"] for c in github.comments[7] if c["body"].startswith("<!-- reconcile-apply")]
    return body


def test_apply_result_goes_to_the_merged_pull_request_and_matches_its_plan(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    _plan_on_pr(ws, capfd)
    github.add_pull(7, MERGED, head=HEAD)
    github.add_pull(3, MERGED, head="3" * 40, merged=False)  # an open one with the commit: not it
    code, _, err = _apply(ws, capfd)
    assert code == 0, err
    assert outputs(ws / "github-output") == {"exit-code": "0"}
    assert "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed." in (ws / "summary.md").read_text()
    assert SECRET not in (ws / "apply.json").read_text() + err

    code, out, err = _comment(ws, capfd)
    assert code == 0, err
    [plan, applied] = github.comments[7]
    assert out == f"reconcile-github: apply comment created on pull request #7: {applied['html_url']}\n"
    assert outputs(ws / "github-output") == {"pull-request": "7", "comment-id": str(applied["id"])}
    body = _apply_body(github)
    assert body.startswith(
        f"<!-- reconcile-apply target=all commit={MERGED} -->\n### reconcile apply\n\n"
        f"Commit [`9999999`]({COMMIT}{MERGED}).\n\n✅ **Applied.**\n\n#### Target `default` · "
    )
    assert "· region `us-east-1`\n\n- 🟢 Created: `stripe`\n\n" in body
    assert f"✅ Same changes as the last plan on this pull request (commit [`1111111`]({COMMIT}{HEAD}))." in body
    assert body.endswith(
        "Apply complete: 1 created, 0 updated, 0 deleted, 0 failed.\n\n</details>\n\n"
        "<sub>Updated by [workflow run](https://github.test/acme/connections/actions/runs/4242).</sub>\n"
    )

    # The job run again for the same commit: its comment is edited, not repeated.
    assert _comment(ws, capfd)[0] == 0
    assert [c["id"] for c in github.comments[7]] == [plan["id"], applied["id"]]
    assert 3 not in github.comments


def test_live_changes_since_the_plan_are_called_out(
    ws: Path, github: FakeGitHub, events: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    _plan_on_pr(ws, capfd)
    # Between plan and merge someone creates the connection in the console: apply updates it.
    auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "console-value"}}
    events.create_connection(Name="stripe", Description="console", AuthorizationType="API_KEY", AuthParameters=auth)
    github.add_pull(7, MERGED, head=HEAD)
    assert _apply(ws, capfd)[0] == 0
    assert _comment(ws, capfd)[0] == 0
    body = _apply_body(github)
    assert "- 🟡 Updated: `stripe`" in body
    assert (
        f"⚠️ **Not what the last plan on this pull request showed** (commit [`1111111`]({COMMIT}{HEAD})): it planned "
        "1 to create, 0 to update, 0 to delete; apply found 0 to create, 1 to update, 0 to delete. The default "
        "branch moved on after that plan (another merge), or live connections or API destinations changed since.\n\n"
        "| Change | Planned | Applied |\n|---|---|---|\n| `stripe` | create | update |\n"
    ) in body
    assert "merged at" not in body  # merged at the commit that was planned


def test_failures_are_listed_with_their_reasons(
    ws: Path, github: FakeGitHub, aws: TestEmulator, capfd: pytest.CaptureFixture[str]
) -> None:
    _plan_on_pr(ws, capfd)
    github.add_pull(7, MERGED, head="2" * 40)
    aws.settle_into("stripe", "DEAUTHORIZED", "Invalid API key")
    code, _, err = _apply(ws, capfd)
    assert code == 1 and "reconcile: stripe: create failed [DEAUTHORIZED]" in err
    assert outputs(ws / "github-output") == {"exit-code": "1"}
    assert _comment(ws, capfd)[0] == 0
    body = _apply_body(github)
    assert "❌ **Apply failed** for 1 change(s) (exit 1).\n\n" in body
    assert "- ❌ Failed:\n  - `stripe` (create): `DEAUTHORIZED` DEAUTHORIZED: Invalid API key\n" in body
    # Attempted all the same: what it set out to do is what the plan showed.
    assert "✅ Same changes as the last plan on this pull request" in body


def test_apply_that_stopped_early_or_never_ran(ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]) -> None:
    github.add_pull(7, MERGED, head=HEAD)
    # Never ran (no report): validation failed, or an earlier step did.
    assert _comment(ws, capfd, outcome="failure")[0] == 0
    assert (
        "❌ **Apply did not run**: the specs failed validation, so nothing was written. See the annotations.\n"
        in _apply_body(github)
    )
    assert _comment(ws, capfd, outcome="success")[0] == 0
    assert (
        "❌ **No apply result**: an earlier step failed (AWS credentials?), or apply stopped before it reported. "
        "See the job log." in _apply_body(github)
    )

    # Stopped before any result: its errors, as reconcile reports them.
    write(ws / "connections", "bad.yaml", "Name: [\n")
    assert _apply(ws, capfd)[0] == 1
    assert _comment(ws, capfd)[0] == 0
    body = _apply_body(github)
    assert "❌ **Apply failed** (exit 1) before it applied anything:\n- connections/bad.yaml:" in body
    assert "#### Target" not in body
    # No plan comment on the pull request: said so, nothing compared.
    (ws / "connections" / "bad.yaml").unlink()
    assert _apply(ws, capfd)[0] == 0
    assert _comment(ws, capfd)[0] == 0
    assert "ℹ️ No plan comment on this pull request to compare with." in _apply_body(github)
    assert len(github.comments[7]) == 1


def test_a_failed_plan_on_the_pull_request_is_no_plan_to_match(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    write(ws / "connections", "stripe.yaml", "Name: [\n")
    code, _, _ = _cli(capfd, "run-plan", "--sha", HEAD, "--file", str(ws / "plan.md"))
    assert code == 1
    assert _cli(capfd, "pr-comment", "--pr", "7", "--file", str(ws / "plan.md"))[0] == 0
    write(ws / "connections", "stripe.yaml", api_key_spec())
    github.add_pull(7, MERGED, head=HEAD)
    assert _apply(ws, capfd)[0] == 0
    assert _comment(ws, capfd)[0] == 0
    assert (
        f"⚠️ The last plan on this pull request (commit [`1111111`]({COMMIT}{HEAD})) failed: what was applied was "
        "never shown there." in _apply_body(github)
    )


def test_a_push_no_pull_request_was_merged_as_gets_no_comment(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    github.add_pull(5, MERGED, head=HEAD, merge_commit="5" * 40)  # contains the commit, merged as another
    github.add_pull(6, MERGED, head=HEAD, merged=False)
    assert _apply(ws, capfd)[0] == 0
    code, out, _ = _comment(ws, capfd)
    assert (code, out) == (0, f"reconcile-github: no pull request was merged as commit {MERGED}; no apply comment\n")
    assert outputs(ws / "github-output") == {"pull-request": ""}
    assert github.writes() == []


def test_one_comment_per_target(ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]) -> None:
    write(
        ws,
        "reconcile.yaml",
        """
        targets:
          - name: blue
            region: us-east-1
            account: "123456789012"
            specs: [connections/stripe.yaml]
          - name: green
            region: us-east-1
            specs: [green]
        """,
    )
    write(ws / "green", "orders.yaml", api_key_spec(name="orders"))
    _plan_on_pr(ws, capfd)
    github.add_pull(7, MERGED, head=HEAD)
    for target in ("blue", "green"):
        code, _, err = _apply(ws, capfd, "--target", target)
        assert code == 0, err
        assert _comment(ws, capfd, "--target", target)[0] == 0
    bodies = {c["body"].split("\n", 1)[0]: c["body"] for c in github.comments[7][1:]}
    assert len(bodies) == 2
    blue = bodies[f"<!-- reconcile-apply target=blue commit={MERGED} -->"]
    assert (
        "#### Target `blue` · account `123456789012` · region `us-east-1`\n\n- 🟢 Created: `stripe`\n\n✅ Same" in blue
    )
    green = bodies[f"<!-- reconcile-apply target=green commit={MERGED} -->"]
    assert "#### Target `green` · " in green and "- 🟢 Created: `orders`\n\n✅ Same" in green
    assert "Target `blue`" not in green and "`stripe`" not in green


def test_a_comment_github_refuses_is_a_warning_and_an_error(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    github.add_pull(7, MERGED, head=HEAD)
    github.fail[("POST", "/repos/acme/connections/issues/7/comments")] = (403, "Resource not accessible by integration")
    assert _apply(ws, capfd)[0] == 0
    code, out, err = _comment(ws, capfd)
    assert code == 1
    message = (
        "POST /repos/acme/connections/issues/7/comments: HTTP 403 Resource not accessible by integration "
        "(does the job grant the permission this needs?)"
    )
    assert out == f"::warning title=reconcile apply comment::no comment on the merged pull request: {message}\n"
    assert err == f"reconcile-github: error: {message}\n"
    assert "ghs_" not in out + err


def test_the_report_is_json_for_the_comment_step(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    assert _apply(ws, capfd)[0] == 0
    report = json.loads((ws / "apply.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 0
    assert [(r["name"], r["action"], r["ok"]) for r in report["apply"]["results"]] == [("stripe", "create", True)]
    assert report["markdown"].startswith("<!-- reconcile-plan -->\n### reconcile plan\n")


DESTINATION = """
Type: AWS::Events::ApiDestination
Name: stripe
Connection: stripe
InvocationEndpoint: https://api.example.com/stripe/*
HttpMethod: POST
"""


def test_destinations_are_planned_applied_and_compared_apart_from_connections(
    ws: Path, github: FakeGitHub, events: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """A connection and an API destination of one name are two changes, in the plan comment,
    the apply comment and the comparison of the two."""
    write(ws / "connections", "hook.yaml", DESTINATION)
    _plan_on_pr(ws, capfd)
    [plan] = github.comments[7]
    assert "| `stripe` (API destination) | 🟢 create |" in plan["body"]
    github.add_pull(7, MERGED, head=HEAD)
    code, _, err = _apply(ws, capfd)
    assert code == 0, err
    assert _comment(ws, capfd)[0] == 0
    body = _apply_body(github)
    assert "- 🟢 Created: `stripe`, API destination `stripe`\n" in body
    assert "✅ Same changes as the last plan on this pull request" in body
    connection = events.describe_connection(Name="stripe")["ConnectionArn"]
    assert events.describe_api_destination(Name="stripe")["ConnectionArn"] == connection


def test_the_comparison_uses_reconciles_own_plan_record_never_a_forged_one(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    # Before the plan, someone posts a comment that opens with the plan marker and records a
    # plan apply would "match"; reconcile's own plan comment comes second.
    forged_record = encode(PlanRecord(HEAD, 2, {"default": TargetChanges.of([("delete", "stripe")])}))
    forged = github.add_comment(7, f"{PLAN_MARKER}\n### reconcile plan\n\n{forged_record}\n", MALLORY)
    _plan_on_pr(ws, capfd)
    github.add_pull(7, MERGED, head=HEAD)
    assert _apply(ws, capfd)[0] == 0
    assert _comment(ws, capfd)[0] == 0
    [mine, _] = [c for c in github.comments[7] if c["user"] == BOT]
    assert mine["body"].startswith(PLAN_MARKER) and forged["body"].endswith(f"{forged_record}\n")
    assert f"✅ Same changes as the last plan on this pull request (commit [`1111111`]({COMMIT}{HEAD}))." in (
        _apply_body(github)
    )
    assert ("PATCH", f"/repos/acme/connections/issues/comments/{forged['id']}") not in github.writes()


NEWER = "aaaaaaa0000000000000000000000000000000bb"


def test_apply_refuses_a_commit_that_is_no_longer_the_branch_head(
    ws: Path, github: FakeGitHub, aws: TestEmulator, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A re-run of an older apply run: GITHUB_SHA is that run's commit; main has moved on.
    github.branches["main"] = NEWER
    aws.reset_counters()
    code, _, err = _apply(ws, capfd)
    assert code == 1
    assert err == (
        f"reconcile-github: error: commit {MERGED[:12]} is not the head of branch 'main' (now {NEWER[:12]}): a re-run "
        "applies its run's original commit, which would undo what was merged since. Run the workflow on the branch "
        "head instead (Actions → the apply workflow → Run workflow), or pass --allow-old-commit to apply this commit "
        "on purpose\n"
    )
    assert aws.calls() == 0
    assert ("GET", "/repos/acme/connections/branches/main") in github.requests
    # The merged pull request is told why nothing was applied.
    github.add_pull(7, MERGED, head=HEAD)
    assert _comment(ws, capfd)[0] == 0
    assert (
        "❌ **Apply failed** (exit 1) before it applied anything:\n- commit 9999999fffff is not the head of branch "
        "'main' (now aaaaaaa00000)"
    ) in _apply_body(github)

    # On purpose: applied, and said so.
    code, out, err = _apply(ws, capfd, ours=("--allow-old-commit",))
    assert code == 0, err
    assert "reconcile-github: --allow-old-commit: not checking that this commit is its branch's head\n" in out
    assert aws.write_calls() == 1


def test_apply_cannot_check_the_head_outside_a_branch_run(
    ws: Path, github: FakeGitHub, aws: TestEmulator, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.reset_counters()
    monkeypatch.setenv("GITHUB_REF_TYPE", "tag")
    code, _, err = _apply(ws, capfd)
    assert (code, err) == (
        1,
        "reconcile-github: error: cannot tell whether this commit is its branch's head (GITHUB_SHA, GITHUB_REF_NAME "
        "and a branch ref are needed); run apply from a workflow on a branch, or pass --allow-old-commit\n",
    )
    monkeypatch.setenv("GITHUB_REF_TYPE", "branch")
    del github.branches["main"]
    code, _, err = _apply(ws, capfd)
    assert (code, err) == (
        1,
        "reconcile-github: error: GET /repos/acme/connections/branches/main: HTTP 404 Branch not found "
        "(does the job grant the permission this needs?)\n",
    )
    assert aws.calls() == 0


def test_reconcile_itself_never_sees_the_github_token(
    ws: Path, github: FakeGitHub, capfd: pytest.CaptureFixture[str]
) -> None:
    # run-apply holds the token to read the branch head; the reconcile it starts does not.
    assert "GITHUB_TOKEN" in os.environ and "GITHUB_TOKEN" not in reconcile_env()
