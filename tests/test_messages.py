"""Messages of issue #14: credentials, AccessDenied, YAML syntax in plain words, reconcile.yaml, -v/-vv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import api_key_spec, apply, live_api_key, plan, run, write
from testing.emulator import TestEmulator

TWO_TARGETS = """
targets:
  - name: us
    region: us-east-1
    specs: [connections]
  - name: eu
    region: eu-west-1
    specs: [connections]
"""
IAM_POLICIES = "see the IAM policies under iam/ in the reconcile repository"


# --- credentials and permissions ----------------------------------------------------------


@pytest.mark.parametrize("config", [False, True])
def test_no_credentials_is_said_once_per_run(
    config: bool, aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        write(specs, f"{name}.yaml", api_key_spec(name=name))
    if config:
        write(specs.parent, "reconcile.yaml", TWO_TARGETS)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.reset_counters()
    for result in (run(capsys, "plan"), run(capsys, "apply", "--yes")):
        assert (result.code, result.out) == (1, "")
        assert result.err == (
            "reconcile: error: no AWS credentials found: configure a profile, environment variables or a role\n"
        )
    assert aws.calls() == 0


def test_access_denied_names_the_action_and_the_resource(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs, "stripe.yaml", api_key_spec())
    aws.inject("DescribeConnection", "access_denied_iam", times=50)
    result = plan(capsys)
    assert result.code == 1
    arn = "arn:aws:events:us-east-1:123456789012:connection/stripe"
    assert result.err_lines == [
        "reconcile: error: could not read connections:",
        f"  AccessDeniedException: the credentials lack permission for events:DescribeConnection on {arn}; "
        f"{IAM_POLICIES} (User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
        f"events:DescribeConnection on resource: {arn} because no identity-based policy allows the "
        "events:DescribeConnection action) (1 connection: stripe)",
    ]


def test_access_denied_on_a_write_names_the_action(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    write(specs, "stripe.yaml", api_key_spec(description="New"))
    live_api_key(events, "stripe", "Old")
    aws.inject("UpdateConnection", "access_denied")  # AWS's message names no resource here
    result = apply(capsys)
    assert result.code == 1
    assert result.err_lines[-1] == (
        "reconcile: stripe: update failed [AccessDeniedException]: the credentials lack "
        f"permission for events:UpdateConnection; {IAM_POLICIES} (User is not authorized to perform this action.)"
    )


# --- YAML syntax in plain words -------------------------------------------------------------

SPEC_LINES = api_key_spec().splitlines(keepends=True)  # Name, Description, AuthorizationType, AuthParameters, ...
INDENTATION = (
    "invalid YAML: bad indentation: this line lines up with no key or list item above it (keys of one mapping, and "
    "items of one list, start in the same column)"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "".join(SPEC_LINES[:2]) + "\tAuthorizationType: API_KEY\n",
            "{f}:3:1: invalid YAML: a tab character in the indentation; YAML indents with spaces only",
        ),
        (
            "".join(SPEC_LINES[:5]) + "      ApiKeyName: x-api-key\n" + SPEC_LINES[6],
            "{f}:7:5: " + INDENTATION,  # ApiKeyName, indented more, set the column: ApiKeyValue is off
        ),
        ("".join(SPEC_LINES[:6]) + "   " + SPEC_LINES[6].lstrip(), "{f}:7:4: " + INDENTATION),
        ("Name: a\n Description: b\n", "{f}:2:2: " + INDENTATION),
        ("Name: a\nDescription: Orders: the API\n", "{f}:2:20: invalid YAML: a value holding ': ' must be quoted"),
        (
            api_key_spec().replace(
                '"{{resolve:secretsmanager:prod/stripe}}"', "{{resolve:secretsmanager:prod/stripe}}"
            ),
            "{f}:7:18: AuthParameters.ApiKeyAuthParameters.ApiKeyValue: unquoted {{resolve:...}} reference: YAML "
            'reads "{" as the start of a mapping; quote it: "{{resolve:...}}"',
        ),
    ],
    ids=["tab", "indented more", "indented less", "continuation", "colon in value", "unquoted reference"],
)
def test_yaml_syntax_errors_in_plain_words(
    text: str, expected: str, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "bad.yaml", text)
    result = run(capsys, "validate")
    assert result.code == 1
    assert result.err_lines == [
        expected.replace("{f}", "connections/bad.yaml"),
        "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS",
    ]


# --- reconcile.yaml errors, as spec errors ----------------------------------------------------


@pytest.mark.parametrize(
    "config, expected",
    [
        (
            TWO_TARGETS.replace("region: eu-west-1", "regoin: eu-west-1"),
            [
                "reconcile.yaml:5:5: targets[1]: missing required key 'region'",
                "reconcile.yaml:6:5: targets[1].regoin: unknown key 'regoin'; did you mean 'region'?",
            ],
        ),
        (
            TWO_TARGETS.replace("name: eu", "name: us"),
            ["reconcile.yaml:5:5: targets[1].name: target 'us' is also defined at line 2; target names must be unique"],
        ),
        (
            "max_rps: 0\n" + TWO_TARGETS,
            ["reconcile.yaml:1:1: max_rps: must be more than 0"],
        ),
        (
            TWO_TARGETS.replace("    specs", "\tspecs", 1),
            ["reconcile.yaml:4:1: invalid YAML: a tab character in the indentation; YAML indents with spaces only"],
        ),
    ],
    ids=["unknown key", "duplicate name", "number", "tab"],
)
def test_config_errors_read_like_spec_errors(
    config: str, expected: list[str], specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    write(specs.parent, "reconcile.yaml", config)
    result = run(capsys, "validate")
    assert result.code == 1
    assert result.err_lines[:-1] == expected
    assert result.err_lines[-1] == "reconcile: " + f"{len(expected)} error(s) in 1 file(s); nothing was written to AWS"


# --- -v and -vv ----------------------------------------------------------------------------------


def _messages(text: str) -> list[str]:
    """Log lines without their time stamps."""
    return [line.split(" ", 2)[2] for line in text.splitlines() if " INFO " in line or " DEBUG " in line]


def test_v_says_which_files_were_loaded_and_skipped_and_which_targets(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for region in ("us-east-1", "eu-west-1"):
        boto3.session.Session().client("secretsmanager", region_name=region).create_secret(
            Name="prod/stripe", SecretString="SENTINEL-verbose-value"
        )
    write(specs, "stripe.yaml", api_key_spec())
    write(specs, "README.md", "notes\n")
    write(specs, ".hidden.yaml", api_key_spec(name="hidden"))
    write(specs, ".git/config.yaml", "x: 1\n")
    write(specs.parent, "reconcile.yaml", TWO_TARGETS)
    result = run(capsys, "plan", "-v")
    assert result.code == 2, result.err
    logged = _messages(result.err)
    for target, region in (("us", "us-east-1"), ("eu", "eu-west-1")):
        assert f"INFO reconciler.pipeline: target {target}: region {region}, 1 connection spec(s) to plan" in logged
    assert (
        logged[:8]
        == [
            "INFO reconciler.load.discover: skipped folder connections/.git: hidden",
            "INFO reconciler.load.discover: skipped connections/.hidden.yaml: hidden",
            "INFO reconciler.load.discover: skipped connections/README.md: not a .yaml or .yml file",
            "INFO reconciler.load.specs: loaded connections/stripe.yaml: 1 connection spec(s)",
        ]
        * 2
    )
    assert not any("AWS call" in line for line in logged)

    verbose = run(capsys, "plan", "-vv", "--target", "eu")
    calls = [line for line in _messages(verbose.err) if "AWS call" in line]
    # Side by side, so in any order; ListConnections looks for a connection the missing one may rename,
    # GetCallerIdentity finds the account the plan names.
    # A call about one connection names it (its Name, never another parameter).
    assert sorted(calls) == [
        f"DEBUG reconciler.aws.clients: AWS call {operation} (target eu, eu-west-1)"
        for operation in (
            "events:DescribeConnection stripe",
            "events:ListConnections",
            "secretsmanager:BatchGetSecretValue",
            "sts:GetCallerIdentity",
        )
    ]
    assert "SENTINEL" not in result.err + verbose.err
