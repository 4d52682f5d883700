"""Every command, success and failure paths, at the highest verbosity: no secret value
may appear in stdout, stderr (logs included, botocore's request bodies too) or any file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cli import api_key_spec, oauth_spec, run, write
from testing.emulator import TestEmulator

# Values chosen to exercise escaping: a quote and a non-ASCII letter.
SOURCE = {"api_key": 'SENTINEL-api-"key"-é1', "tenant": "SENTINEL-tenant-7f3a", "client": "SENTINEL-client-9c2e"}
ROTATED = "SENTINEL-rotated-4b8d"
CONSOLE = "SENTINEL-console-5e6f"
LITERAL = "SENTINEL-literal-in-yaml"
SENTINELS = [*SOURCE.values(), ROTATED, ROTATED + "-2", CONSOLE, LITERAL, "SENTINEL-"]


def _scan(text: str, where: str) -> None:
    for sentinel in SENTINELS:
        assert sentinel not in text, f"secret sentinel {sentinel!r} leaked into {where}"
    escaped = json.dumps(SOURCE["api_key"])[1:-1]
    assert escaped not in text and escaped.replace("\\", "\\\\") not in text, f"escaped secret leaked into {where}"


def test_no_secret_reaches_any_output(
    aws: TestEmulator,
    tmp_path: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "connections"
    write(specs, "stripe.yaml", api_key_spec(secret="prod/crm:SecretString:api_key"))
    write(specs, "crm.yaml", oauth_spec(client_key="client"))
    secrets.create_secret(Name="prod/crm", SecretString=json.dumps(SOURCE))
    summary = tmp_path / "summary.md"
    outputs: list[tuple[str, str]] = []

    def go(*argv: str) -> int:
        result = run(capsys, *argv, "-vvv")
        outputs.append((" ".join(argv), result.out + result.err))
        return result.code

    base = ("--dir", "connections")
    assert go("validate", *base) == 0
    assert go("plan", *base, "--summary", str(summary)) == 2
    assert go("apply", *base, "--yes", "--wait-timeout", "10", "--summary", str(summary)) == 0
    # Rotation, a change typed into the console, and a deauthorized connection.
    secrets.put_secret_value(SecretId="prod/crm", SecretString=json.dumps({**SOURCE, "api_key": ROTATED}))
    events.update_connection(
        Name="crm",
        AuthParameters={
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Tenant-Token", "Value": CONSOLE, "IsValueSecret": True}]
            }
        },
    )
    for fmt in ("text", "json", "markdown"):
        assert go("plan", *base, "--format", fmt) == 2
    aws.settle_into("crm", "DEAUTHORIZED", "Invalid client credentials")
    assert go("apply", *base, "--yes", "--wait-timeout", "10", "--summary", str(summary)) == 1
    assert go("apply", *base, "--yes", "--force-secrets", "--wait-timeout", "10") == 0
    # A saved plan (a file) and applying it; import with values copied into Secrets Manager.
    secrets.put_secret_value(SecretId="prod/crm", SecretString=json.dumps({**SOURCE, "api_key": ROTATED + "-2"}))
    assert go("plan", *base, "--out", str(tmp_path / "saved-plan.json")) == 2
    for fmt in ("text", "json", "markdown"):
        assert go("show", str(tmp_path / "saved-plan.json"), "--format", fmt) == 0
    assert go("apply", str(tmp_path / "saved-plan.json"), "--yes", "--wait-timeout", "10", "--format", "json") == 0
    assert go("import", "--dir", "imported", "--copy-secret-values") == 0
    # Blind mode, a failing write, and a literal secret in a spec.
    aws.deny_managed_secret_reads()
    assert go("plan", *base) in (0, 2)
    aws.inject("UpdateConnection", "access_denied")
    assert go("apply", *base, "--yes", "--force-secrets", "--format", "json") == 1
    write(
        specs, "literal.yaml", api_key_spec(name="literal").replace('"{{resolve:secretsmanager:prod/stripe}}"', LITERAL)
    )
    assert go("validate", *base) == 1
    assert go("apply", *base, "--yes") == 1

    for command, text in outputs:
        _scan(text, f"the output of `reconcile {command} -vvv`")
    assert any("botocore" in text for _, text in outputs), "botocore debug logging was not exercised"
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"saved-plan.json", "summary.md", "crm.yaml"} <= {p.name for p in written}
    for path in written:
        if path.name != "literal.yaml":
            _scan(path.read_text(encoding="utf-8", errors="replace"), str(path))
