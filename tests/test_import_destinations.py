"""`reconcile import` writes API destination specs next to their connections (issue #15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.cli import api_key_spec, live_api_key, run, write
from support.iam import called_actions, policy_actions
from testing.emulator import TestEmulator

DESTINATION = """
Type: AWS::Events::ApiDestination
Name: {name}
Connection: {connection}
InvocationEndpoint: https://api.example.com/{name}
HttpMethod: POST
"""


def _connection_arn(events: Any, name: str) -> str:
    return str(events.describe_connection(Name=name)["ConnectionArn"])


def _destination(events: Any, name: str, connection: str, **extra: Any) -> None:
    """A live API destination, created behind reconcile's back (as in the console)."""
    request = {
        "Name": name,
        "ConnectionArn": _connection_arn(events, connection),
        "InvocationEndpoint": f"https://api.example.com/{name}",
        "HttpMethod": "POST",
    }
    events.create_api_destination(**(request | extra))


def test_a_connection_and_the_destinations_using_it_share_one_file(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live_api_key(events, "app-crm", value="SENTINEL-destinations")
    _destination(events, "app-orders", "app-crm", Description="Orders", InvocationRateLimitPerSecond=20)
    _destination(events, "app-refunds", "app-crm", HttpMethod="PUT", Description="")
    _destination(events, "zz-audit", "app-crm")  # outside the prefix
    result = run(capsys, "import", "--dir", "adopted", "--prefix", "app-", "--copy-secret-values")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "wrote adopted/app-crm.yaml\n"
        "created secret eventbridge/app-crm\n"
        "\nImported 1 connection(s) and 2 API destination(s) into adopted; `reconcile validate --dir adopted` "
        "passes.\n"
    )
    assert [p.name for p in (tmp_path / "adopted").iterdir()] == ["app-crm.yaml"]
    assert (tmp_path / "adopted" / "app-crm.yaml").read_text() == (
        "# Imported by `reconcile import` from us-east-1. Secret values live in Secrets Manager\n"
        "# secret eventbridge/app-crm (JSON keys: api_key_value).\n"
        "Name: app-crm\n"
        "Description: Stripe\n"
        "AuthorizationType: API_KEY\n"
        "AuthParameters:\n"
        "  ApiKeyAuthParameters:\n"
        "    ApiKeyName: x-api-key\n"
        "    ApiKeyValue: '{{resolve:secretsmanager:eventbridge/app-crm:SecretString:api_key_value}}'\n"
        "---\n"
        "Type: AWS::Events::ApiDestination\n"
        "Name: app-orders\n"
        "Description: Orders\n"
        "Connection: app-crm\n"
        "InvocationEndpoint: https://api.example.com/app-orders\n"
        "HttpMethod: POST\n"
        "InvocationRateLimitPerSecond: 20\n"
        "---\n"
        "Type: AWS::Events::ApiDestination\n"
        "Name: app-refunds\n"
        "Connection: app-crm\n"
        "InvocationEndpoint: https://api.example.com/app-refunds\n"
        "HttpMethod: PUT\n"
        "InvocationRateLimitPerSecond: 300\n"
    )
    validated = run(capsys, "validate", "--dir", "adopted")
    assert (validated.code, validated.err) == (0, "")


def test_a_destination_whose_connection_is_not_imported_names_its_arn(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live_api_key(events, "billing")
    live_api_key(events, "app-crm")
    _destination(events, "app-invoices", "billing", Description="Invoices")
    _destination(events, "app-crm", "billing")  # its own file would be the connection's
    arn = _connection_arn(events, "billing")
    result = run(capsys, "import", "--dir", "adopted", "--prefix", "app-", "--copy-secret-values")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(
        "wrote adopted/app-crm.yaml\nwrote adopted/app-crm.api-destination.yaml\nwrote adopted/app-invoices.yaml\n"
    )
    assert result.out.endswith(
        "\nImported 1 connection(s) and 2 API destination(s) into adopted; `reconcile validate --dir adopted` passes.\n"
    )
    assert (tmp_path / "adopted" / "app-invoices.yaml").read_text() == (
        "# Imported by `reconcile import` from us-east-1.\n"
        "Type: AWS::Events::ApiDestination\n"
        "Name: app-invoices\n"
        "Description: Invoices\n"
        f"ConnectionArn: {arn}\n"
        "InvocationEndpoint: https://api.example.com/app-invoices\n"
        "HttpMethod: POST\n"
        "InvocationRateLimitPerSecond: 300\n"
    )
    beside = (tmp_path / "adopted" / "app-crm.api-destination.yaml").read_text()
    assert f"Name: app-crm\nConnectionArn: {arn}\n" in beside
    assert "---" not in (tmp_path / "adopted" / "app-crm.yaml").read_text()
    assert run(capsys, "validate", "--dir", "adopted").code == 0


def test_a_destination_whose_connection_the_folder_declares_names_it(
    aws: TestEmulator, events: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, "billing.yaml", api_key_spec("billing", "prod/billing"))
    live_api_key(events, "billing")
    _destination(events, "billing-events", "billing")
    _destination(events, "billing", "billing")  # billing.yaml holds the connection's spec
    result = run(capsys, "import", "--dir", "connections")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "skipped billing: already declared in connections/billing.yaml\n"
        "wrote connections/billing.api-destination.yaml\n"
        "wrote connections/billing-events.yaml\n"
        "\nImported 0 connection(s) and 2 API destination(s) into connections; `reconcile validate --dir "
        "connections` passes.\n"
    )
    assert (specs / "billing-events.yaml").read_text() == (
        "# Imported by `reconcile import` from us-east-1.\n"
        "Type: AWS::Events::ApiDestination\n"
        "Name: billing-events\n"
        "Connection: billing\n"
        "InvocationEndpoint: https://api.example.com/billing-events\n"
        "HttpMethod: POST\n"
        "InvocationRateLimitPerSecond: 300\n"
    )
    assert "Name: billing\nConnection: billing\n" in (specs / "billing.api-destination.yaml").read_text()
    assert (specs / "billing.yaml").read_text() == api_key_spec("billing", "prod/billing")
    validated = run(capsys, "validate", "--dir", "connections")
    assert validated == type(validated)(0, "1 connection spec(s) and 2 API destination spec(s) valid.\n", "")


def test_declared_destinations_are_skipped(
    aws: TestEmulator, events: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = api_key_spec("app-crm", "prod/crm") + "---\n" + DESTINATION.format(name="app-orders", connection="app-crm")
    write(specs, "crm.yaml", mine)
    live_api_key(events, "app-crm")
    _destination(events, "app-orders", "app-crm", InvocationRateLimitPerSecond=5)
    _destination(events, "app-refunds", "app-crm")
    result = run(capsys, "import", "--dir", "connections")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "skipped app-crm: already declared in connections/crm.yaml\n"
        "skipped API destination app-orders: already declared in connections/crm.yaml\n"
        "wrote connections/app-refunds.yaml\n"
        "\nImported 0 connection(s) and 1 API destination(s) into connections; `reconcile validate --dir "
        "connections` passes.\n"
    )
    assert "Connection: app-crm\n" in (specs / "app-refunds.yaml").read_text()
    assert sorted(p.name for p in specs.iterdir()) == ["app-refunds.yaml", "crm.yaml"]
    again = run(capsys, "import", "--dir", "connections")
    assert (again.code, again.err) == (0, "")
    assert again.out.endswith(
        "\nNothing to import: every live connection and API destination is declared in connections already.\n"
    )


def test_destinations_are_imported_when_no_connection_matches_the_prefix(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live_api_key(events, "crm")
    _destination(events, "hook-orders", "crm")
    _destination(events, "hooks", "crm")  # the prefix is matched whole: not "hook-"
    result = run(capsys, "import", "--dir", "adopted", "--prefix", "hook-")
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "wrote adopted/hook-orders.yaml\n"
        "\nImported 0 connection(s) and 1 API destination(s) into adopted; `reconcile validate --dir adopted` "
        "passes.\n"
    )
    assert (
        f"ConnectionArn: {_connection_arn(events, 'crm')}\n" in (tmp_path / "adopted" / "hook-orders.yaml").read_text()
    )
    none = run(capsys, "import", "--dir", "adopted", "--prefix", "nothing-")
    assert (none.code, none.out) == (1, "")
    assert none.err == (
        "reconcile: error: no live connections or API destinations starting with 'nothing-' in us-east-1; "
        "nothing imported\n"
    )


def test_a_destination_file_is_overwritten_only_when_asked(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live_api_key(events, "crm")
    _destination(events, "hook-orders", "crm")
    (tmp_path / "adopted").mkdir()
    (tmp_path / "adopted" / "hook-orders.yaml").write_text("# mine\n")  # a file without specs
    refused = run(capsys, "import", "--dir", "adopted", "--prefix", "hook-")
    assert refused.code == 1
    assert refused.err == (
        "reconcile: error: refusing to overwrite adopted/hook-orders.yaml; pass --overwrite or choose another --dir. "
        "Nothing was written\n"
    )
    assert (tmp_path / "adopted" / "hook-orders.yaml").read_text() == "# mine\n"
    result = run(capsys, "import", "--dir", "adopted", "--prefix", "hook-", "--overwrite")
    assert (result.code, result.err) == (0, "")
    assert "Name: hook-orders\n" in (tmp_path / "adopted" / "hook-orders.yaml").read_text()


def test_import_writes_nothing_when_a_kept_spec_is_invalid(
    aws: TestEmulator, events: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The folder's own specs are validated with what import writes: validate must pass afterwards.
    write(specs, "orders.yaml", DESTINATION.format(name="orders", connection="crm-typo"))
    live_api_key(events, "crm")
    _destination(events, "hook-orders", "crm")
    result = run(capsys, "import", "--dir", "connections")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "connections/orders.yaml:3:1: Connection: no connection 'crm-typo' is declared in target default; declare it "
        "there, or give ConnectionArn for a connection managed elsewhere\n"
        "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS\n"
    )
    assert sorted(p.name for p in specs.iterdir()) == ["orders.yaml"]


def test_the_import_policy_grants_every_call_import_makes(
    aws: TestEmulator, events: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    live_api_key(events, "crm")
    _destination(events, "crm-orders", "crm")
    aws.reset_counters()
    assert run(capsys, "import", "--dir", "adopted", "--copy-secret-values").code == 0
    called = called_actions(aws)
    assert {"events:ListApiDestinations", "events:DescribeApiDestination"} <= called
    assert called - policy_actions("import-policy.json") == set()
