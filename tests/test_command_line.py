"""Command-line contracts of issue #14: pruning flags, --dir beside reconcile.yaml, --only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import Result, api_key_spec, apply, header, live_api_key, place_line, plan, run, write
from testing.emulator import TestEmulator

PRUNING_CONFIG = """
prune: true
targets:
  - name: main
    region: us-east-1
    specs: [connections]
"""


@pytest.fixture(autouse=True)
def stripe_secret(secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")


def _help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str) -> str:
    """`reconcile COMMAND --help`, unwrapped: argparse wraps help text to the terminal's width."""
    monkeypatch.setenv("COLUMNS", "1000")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        run(capsys, command, "--help")
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def _heads(result: Result) -> list[str]:
    return [line for line in result.out.splitlines() if line and not line.startswith(" ")]


# --- 1. pruning flags --------------------------------------------------------------------


def test_prune_prefix_alone_implies_prune(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    live_api_key(events, "keep")
    live_api_key(events, "app-old")
    live_api_key(events, "other-old")
    planned = plan(capsys, "--prune-prefix", "app-")
    assert planned.code == 2, planned.err
    assert _heads(planned) == [
        place_line(),
        "- app-old: delete",
        "Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged.",
    ]
    applied = apply(capsys, "--prune-prefix", "app-")
    assert applied.code == 0, applied.err
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"keep", "other-old"}
    for command in ("plan", "apply"):
        assert "--prune-prefix P prune only names starting with P (repeatable); implies --prune" in _help(
            capsys, monkeypatch, command
        )


def test_no_prune_overrides_prune_true_in_the_config(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs.parent, "reconcile.yaml", PRUNING_CONFIG)
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    live_api_key(events, "keep")
    live_api_key(events, "old")
    assert _heads(run(capsys, "plan"))[:2] == [place_line("main"), "- old: delete"]
    kept = run(capsys, "plan", "--no-prune")
    assert (kept.code, kept.out) == (
        0,
        header(("main", "us-east-1")) + "No changes: 1 connection(s) match the specs.\n",
    ), kept.err
    applied = run(capsys, "apply", "--no-prune", "--yes")
    assert applied.code == 0, applied.err
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"keep", "old"}


@pytest.mark.parametrize(
    "flags, other",
    [(["--prune", "--no-prune"], "--prune"), (["--no-prune", "--prune-prefix", "app-"], "--prune-prefix")],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_no_prune_with_prune_is_a_usage_error(
    command: str,
    flags: list[str],
    other: str,
    aws: TestEmulator,
    specs: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    aws.reset_counters()
    result = run(capsys, command, *flags)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"reconcile: error: argument --no-prune: not allowed with argument {other} (see reconcile {command} --help)\n"
    )
    assert aws.calls() == 0


# --- 2. --dir beside reconcile.yaml, and where reconcile.yaml is found ------------------


def test_dir_given_beside_a_config_file_is_an_error(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs.parent, "reconcile.yaml", PRUNING_CONFIG)
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    aws.reset_counters()
    for command in ("validate", "plan", "apply", "targets"):
        result = run(capsys, command, "--dir", "connections")
        assert (result.code, result.out) == (1, ""), command
        assert result.err == (
            "reconcile: error: --dir connections conflicts with reconcile.yaml, which says where each target's specs "
            "are; drop --dir (pick targets with --target, connections with --only)\n"
        ), command
    write(specs.parent, "other/config.yaml", PRUNING_CONFIG)
    result = run(capsys, "plan", "--dir", "connections", "--config", "other/config.yaml")
    assert result.err == (
        "reconcile: error: --dir connections conflicts with --config other/config.yaml, which says where each "
        "target's specs are; drop --dir (pick targets with --target, connections with --only)\n"
    )
    assert aws.calls() == 0


def test_a_config_file_in_a_parent_folder_is_found(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = specs.parent
    write(repo, "reconcile.yaml", PRUNING_CONFIG.replace("prune: true\n", "").replace("main", "from-parent"))
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    (repo / "docs" / "deep").mkdir(parents=True)
    monkeypatch.chdir(repo / "docs" / "deep")
    assert run(capsys, "targets").out == f"from-parent\tus-east-1\t(credentials' account)\t{specs}\n"
    assert run(capsys, "validate").out == "1 connection spec(s) valid.\n"
    planned = run(capsys, "plan", "--format", "json")
    assert planned.code == 2, planned.err
    assert json.loads(planned.out)["targets"] == ["from-parent"]


def test_the_config_file_is_looked_for_from_the_specs_folder(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The composite action passes its `dir` input as RECONCILE_DIR: a default, not --dir.
    write(specs.parent, "specs/reconcile.yaml", PRUNING_CONFIG.replace("connections", "."))
    write(specs.parent, "specs/keep.yaml", api_key_spec(name="keep"))
    monkeypatch.setenv("RECONCILE_DIR", "specs")
    assert run(capsys, "targets").out == "main\tus-east-1\t(credentials' account)\tspecs\n"
    # The config file beside the specs is no spec.
    assert run(capsys, "validate").out == "1 connection spec(s) valid.\n"


# --- 3. --only ---------------------------------------------------------------------------


def _three(specs: Path, events: Any) -> None:
    for name in ("stripe-eu", "stripe-us", "crm"):
        write(specs, f"{name}.yaml", api_key_spec(name=name, description="New"))
        live_api_key(events, name, description="Old")


def test_only_plans_and_applies_the_matching_connections(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _three(specs, events)
    aws.reset_counters()
    planned = plan(capsys, "--only", "stripe-*")
    assert planned.code == 2, planned.err
    assert _heads(planned) == [
        place_line(),
        "~ stripe-eu: update  (connections/stripe-eu.yaml)",
        "~ stripe-us: update  (connections/stripe-us.yaml)",
        "Plan: 0 to create, 2 to update, 0 to delete, 0 unchanged.",
    ]
    assert aws.calls("DescribeConnection") == 2
    applied = apply(capsys, "--only", "stripe-us", "--only", "crm")
    assert applied.code == 0, applied.err
    assert "Apply complete: 0 created, 2 updated, 0 deleted, 0 failed." in applied.out
    described = {n: events.describe_connection(Name=n)["Description"] for n in ("stripe-eu", "stripe-us", "crm")}
    assert described == {"stripe-eu": "Old", "stripe-us": "New", "crm": "New"}


def test_only_limits_deletions_too(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "keep.yaml", api_key_spec(name="keep"))
    live_api_key(events, "keep")
    live_api_key(events, "app-old")
    live_api_key(events, "app-older")
    live_api_key(events, "other-old")
    planned = plan(capsys, "--prune", "--only", "app-old*")
    assert _heads(planned) == [
        place_line(),
        "- app-old: delete",
        "- app-older: delete",
        "Plan: 0 to create, 0 to update, 2 to delete, 0 unchanged.",
    ]
    assert apply(capsys, "--prune", "--only", "app-older").code == 0
    assert {c["Name"] for c in events.list_connections()["Connections"]} == {"keep", "app-old", "other-old"}


def test_only_that_matches_nothing_is_an_error(
    aws: TestEmulator, specs: Path, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _three(specs, events)
    aws.reset_counters()
    result = plan(capsys, "--only", "stripe*", "--only", "Stripe*")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "reconcile: error: --only 'Stripe*' matches no declared connection; nothing was planned. Names are matched "
        "whole, with shell-style wildcards (* ? [...]), e.g. --only 'stripe-*'\n"
    )
    assert aws.calls() == 0
    pruning = apply(capsys, "--prune", "--only", "gone-*")
    assert pruning.code == 1
    assert pruning.err.startswith(
        "reconcile: error: --only 'gone-*' matches no declared connection and no connection to prune; nothing was "
        "planned."
    )
    assert aws.write_calls() == 0


def test_only_and_target_help_say_the_difference(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for command in ("plan", "apply"):
        text = _help(capsys, monkeypatch, command)
        assert (
            "--target NAME only this target (region/account) of reconcile.yaml (repeatable); --only picks connections "
            "and API destinations"
        ) in text
        assert (
            "--only NAME only connections and API destinations whose name matches NAME, a shell-style pattern such as "
            "'stripe-*' "
            "(repeatable; deletions under --prune too); --target picks targets of reconcile.yaml"
        ) in text


def test_saved_plan_records_only_and_apply_replays_it(
    aws: TestEmulator, specs: Path, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three(specs, events)
    saved = tmp_path / "plan.json"
    assert plan(capsys, "--only", "crm", "--out", str(saved)).code == 2
    document = json.loads(saved.read_text())
    assert (document["version"], document["options"]["only"]) == (3, ["crm"])
    assert document["declared"] == {"default": ["crm"]}
    aws.reset_counters()
    applied = run(capsys, "apply", str(saved), "--yes")
    assert applied.code == 0, applied.err
    assert aws.calls("UpdateConnection") == 1
    assert events.describe_connection(Name="stripe-us")["Description"] == "Old"


def test_saved_plan_without_only_means_no_filter(
    aws: TestEmulator, specs: Path, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three(specs, events)
    saved = tmp_path / "plan.json"
    assert plan(capsys, "--out", str(saved)).code == 2
    document = json.loads(saved.read_text())
    del document["options"]["only"], document["options"]["no_prune"], document["options"]["sources"]["dir_given"]
    saved.write_text(json.dumps(document))  # as a reconcile without --only wrote format 2
    aws.reset_counters()
    applied = run(capsys, "apply", str(saved), "--yes")
    assert applied.code == 0, applied.err
    assert aws.calls("UpdateConnection") == 3


def test_options_beside_a_saved_plan_are_refused_not_ignored(
    aws: TestEmulator, specs: Path, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three(specs, events)
    saved = tmp_path / "plan.json"
    assert plan(capsys, "--only", "crm", "--out", str(saved)).code == 2
    aws.reset_counters()
    result = run(capsys, "apply", str(saved), "--yes", "--only", "stripe-*", "--prune-prefix", "app-")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "reconcile: error: --only, --prune-prefix can't be given with a saved plan, which is applied with the options "
        "it was made with; drop them, or make a new plan with them. Nothing was written\n"
    )
    assert aws.calls() == 0


def test_import_options_have_help_like_plan_s(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _help(capsys, monkeypatch, "plan")
    text = _help(capsys, monkeypatch, "import")
    for line in (
        "--region REGION AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region)",
        "--profile PROFILE AWS profile (default: the boto3 chain)",
        "--concurrency CONCURRENCY AWS reads in flight at once, per target (default 16)",
        "-v, --verbose more logging: -v, -vv, -vvv (botocore, redacted)",
    ):
        assert line in plan
        assert line in text
