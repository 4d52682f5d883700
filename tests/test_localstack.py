"""The CLI scenarios against a second, independent emulator: LocalStack's EventBridge and
Secrets Manager, whose EventBridge provider is tested against recordings of real AWS.

Skipped unless RECONCILE_TEST_ENDPOINT names the endpoint (the tests workflow's localstack
job: `RECONCILE_TEST_ENDPOINT=http://localhost:4566`). Nothing here resets the endpoint:
each test works under names of its own and deletes what it created. Run it alone and in one
process (`-n 0`): pruning and the in-use check see the whole region.

Where LocalStack differs from AWS (/work/shared/AWS-NOTES.md "LocalStack", from
`localstack/services/events/` of localstack-core 2026.3.0), a test that would meet the
difference is skipped by a marker naming it (`diverges(...)`), so the list stays visible.
"""

from __future__ import annotations

import json
import os
import secrets as tokens
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.cli import Result, destination_spec, run, write
from testing.environment import AWS_ENV_TO_CLEAR

ENDPOINT = os.environ.get("RECONCILE_TEST_ENDPOINT", "")
pytestmark = pytest.mark.skipif(
    not ENDPOINT, reason="set RECONCILE_TEST_ENDPOINT (e.g. http://localhost:4566) to run against LocalStack"
)

# LocalStack's differences from AWS that reconcile would show as drift or wait on.
DIVERGENCES = {
    "description-omitted": "DescribeConnection omits Description, and Description '' never clears one",
    "oauth-stays-authorizing": "OAuth connections stay AUTHORIZING until an UpdateConnection",
    "secret-values-described": "secret parameter values (IsValueSecret) come back in DescribeConnection",
    "one-id-for-all": "every connection gets the same id, so a re-created connection gets its old ARN",
}


def diverges(name: str) -> pytest.MarkDecorator:
    """Skip a test that meets a known LocalStack difference, naming it."""
    return pytest.mark.skip(reason=f"LocalStack diverges from AWS ({name}): {DIVERGENCES[name]}")


SECRET_VALUE = "sk-localstack-" + tokens.token_hex(8)


@pytest.fixture
def prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A name prefix of this test's own; the environment points boto3 at the endpoint; the
    working directory is an empty repository. Everything under the prefix is deleted after."""
    for name in AWS_ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", ENDPOINT)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.chdir(tmp_path)
    name = f"ls{tokens.token_hex(3)}-"
    yield name
    _delete_everything(name)


def _clients() -> tuple[Any, Any]:
    session = boto3.session.Session()
    return session.client("events"), session.client("secretsmanager")


def _delete_everything(prefix: str) -> None:
    events, secrets = _clients()
    for destination in events.list_api_destinations(NamePrefix=prefix).get("ApiDestinations", []):
        if destination["Name"].startswith(prefix):
            events.delete_api_destination(Name=destination["Name"])
    for connection in events.list_connections(NamePrefix=prefix).get("Connections", []):
        if connection["Name"].startswith(prefix):
            events.delete_connection(Name=connection["Name"])
    for secret in secrets.list_secrets().get("SecretList", []):
        if prefix in secret["Name"]:
            secrets.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)


def _spec(name: str, secret: str, tenant: str = "acme") -> str:
    # No Description: LocalStack never describes one (description-omitted).
    return (
        f"Name: {name}\n"
        "AuthorizationType: API_KEY\n"
        "AuthParameters:\n"
        "  ApiKeyAuthParameters:\n"
        "    ApiKeyName: x-api-key\n"
        f'    ApiKeyValue: "{{{{resolve:secretsmanager:{secret}:SecretString:api_key}}}}"\n'
        "  InvocationHttpParameters:\n"
        "    HeaderParameters:\n"
        "      - Key: X-Tenant\n"
        f"        Value: {tenant}\n"
    )


def _secret(name: str, value: str = SECRET_VALUE) -> None:
    _, secrets = _clients()
    try:
        secrets.create_secret(Name=name, SecretString=json.dumps({"api_key": value}))
    except secrets.exceptions.ResourceExistsException:
        # botocore retried a create whose reply timed out (seen on a loaded machine right after
        # LocalStack started); the name is this test's own, so the secret is the one just made.
        pass


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    result = run(capsys, *argv)
    assert SECRET_VALUE not in result.out + result.err  # never, at any step
    return result


def _plan(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return _cli(capsys, "plan", "--dir", "connections", *extra)


def _apply(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return _cli(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "60", *extra)


def _converged(capsys: pytest.CaptureFixture[str]) -> None:
    planned = _plan(capsys)
    assert planned.code == 0, planned.out + planned.err
    assert "No changes:" in planned.out


def test_plan_apply_converges(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}stripe")
    write(Path("connections"), "stripe.yaml", _spec(f"{prefix}stripe", f"{prefix}stripe"))
    planned = _plan(capsys)
    assert planned.code == 2, planned.out + planned.err
    assert f"+ {prefix}stripe: create" in planned.out
    applied = _apply(capsys, "-vvv")
    assert applied.code == 0, applied.out + applied.err
    assert f"✓ {prefix}stripe: created (AUTHORIZED)" in applied.out
    _converged(capsys)


def test_drift_is_seen_and_repaired(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}crm")
    write(Path("connections"), "crm.yaml", _spec(f"{prefix}crm", f"{prefix}crm"))
    assert _apply(capsys).code == 0
    events, _ = _clients()
    # An edit in the console: the whole invocation block, as AWS's console sends it.
    events.update_connection(
        Name=f"{prefix}crm",
        AuthParameters={
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Tenant", "Value": "other", "IsValueSecret": False}]
            }
        },
    )
    planned = _plan(capsys)
    assert planned.code == 2, planned.out + planned.err
    assert '"other" → "acme"' in planned.out
    assert _apply(capsys).code == 0
    _converged(capsys)


def test_a_rotated_source_secret_is_pushed(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}rotated")
    write(Path("connections"), "rotated.yaml", _spec(f"{prefix}rotated", f"{prefix}rotated"))
    assert _apply(capsys).code == 0
    _, secrets = _clients()
    secrets.put_secret_value(SecretId=f"{prefix}rotated", SecretString=json.dumps({"api_key": SECRET_VALUE + "-2"}))
    planned = _plan(capsys)
    assert planned.code == 2, planned.out + planned.err
    assert "(secret changed: " in planned.out
    assert SECRET_VALUE + "-2" not in planned.out + planned.err
    assert _apply(capsys).code == 0
    _converged(capsys)


def test_a_destination_follows_its_connection(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}pay")
    write(Path("connections"), "pay.yaml", _spec(f"{prefix}pay", f"{prefix}pay"))
    write(
        Path("connections"),
        "hooks.yaml",
        destination_spec(name=f"{prefix}hooks", connection=f"{prefix}pay", Description=None),
    )
    planned = _plan(capsys)
    assert planned.code == 2 and f"+ API destination {prefix}hooks: create" in planned.out, planned.out
    applied = _apply(capsys)
    assert applied.code == 0, applied.out + applied.err
    assert applied.out.index(f"✓ {prefix}pay: created") < applied.out.index(f"✓ API destination {prefix}hooks: created")
    _converged(capsys)


def test_prune_deletes_only_undeclared_names_under_the_prefix(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}kept")
    write(Path("connections"), "kept.yaml", _spec(f"{prefix}kept", f"{prefix}kept"))
    events, _ = _clients()
    events.create_connection(
        Name=f"{prefix}stray",
        AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": SECRET_VALUE}},
    )
    planned = _plan(capsys, "--prune-prefix", prefix)
    assert planned.code == 2, planned.out + planned.err
    assert f"- {prefix}stray: delete" in planned.out
    applied = _apply(capsys, "--prune-prefix", prefix)
    assert applied.code == 0, applied.out + applied.err
    names = [c["Name"] for c in events.list_connections(NamePrefix=prefix)["Connections"]]
    assert [n for n in names if n.startswith(prefix)] == [f"{prefix}kept"]


def test_import_then_plan_is_clean(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    events, _ = _clients()
    events.create_connection(
        Name=f"{prefix}legacy",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": SECRET_VALUE}},
    )
    imported = _cli(
        capsys,
        "import",
        "--dir",
        "adopted",
        "--prefix",
        prefix,
        "--copy-secret-values",
        "--secret-name",
        f"{prefix}{{name}}",
    )
    assert imported.code == 0, imported.out + imported.err
    assert [p.name for p in Path("adopted").iterdir()] == [f"{prefix}legacy.yaml"]
    assert SECRET_VALUE not in (Path("adopted") / f"{prefix}legacy.yaml").read_text(encoding="utf-8")
    planned = _cli(capsys, "plan", "--dir", "adopted")
    assert planned.code == 0, planned.out + planned.err


def test_a_saved_plan_applies_what_was_reviewed(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}saved")
    write(Path("connections"), "saved.yaml", _spec(f"{prefix}saved", f"{prefix}saved"))
    planned = _plan(capsys, "--out", "reviewed.plan")
    assert planned.code == 2, planned.out + planned.err
    assert SECRET_VALUE not in Path("reviewed.plan").read_text(encoding="utf-8")
    applied = _cli(capsys, "apply", "reviewed.plan", "--yes", "--wait-timeout", "60")
    assert applied.code == 0, applied.out + applied.err
    _converged(capsys)


# --- what LocalStack does differently -------------------------------------------------------------


@diverges("description-omitted")
def test_a_description_is_kept_and_cleared(prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    _secret(f"{prefix}described")
    write(Path("connections"), "d.yaml", "Description: kept\n" + _spec(f"{prefix}described", f"{prefix}described"))
    assert _apply(capsys).code == 0
    _converged(capsys)
