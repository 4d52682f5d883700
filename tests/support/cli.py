"""Run the real command line in-process and capture what it prints."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


# The test emulator's account, as STS GetCallerIdentity reports it, and the tests' default region.
ACCOUNT = "123456789012"
REGION = "us-east-1"


def place_line(target: str = "default", region: str = REGION) -> str:
    """The line a text plan starts with for one target: where that target was planned."""
    return f"Target {target}: account {ACCOUNT}, region {region}"


def header(*places: tuple[str, str]) -> str:
    """The head of a text plan: a line per (target, region), in the targets' order, then a blank line."""
    lines = [place_line(target, region) for target, region in places or (("default", REGION),)]
    return "\n".join(lines) + "\n\n"


# A text plan of the default target in the default region starts with this.
HEADER = header()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


API_KEY_SPEC = """
Name: {name}
Description: {description}
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{{{resolve:secretsmanager:{secret}}}}}"
"""


def api_key_spec(name: str = "stripe", secret: str = "prod/stripe", description: str = "Stripe") -> str:
    return API_KEY_SPEC.format(name=name, secret=secret, description=description).lstrip()


OAUTH_SPEC = """
Name: {name}
AuthorizationType: OAUTH_CLIENT_CREDENTIALS
AuthParameters:
  OAuthParameters:
    AuthorizationEndpoint: https://login.example.com/token
    HttpMethod: POST
    ClientParameters:
      ClientID: app
      ClientSecret: "{{{{resolve:secretsmanager:{client_secret}}}}}"
"""
TENANT_HEADER = """  InvocationHttpParameters:
    HeaderParameters:
      - Key: X-Tenant-Token
        Value: "{{resolve:secretsmanager:prod/crm:SecretString:tenant}}"
        IsValueSecret: true
"""


def oauth_spec(
    client_key: str = "client_secret",
    *,
    name: str = "crm",
    client_secret: str | None = None,
    tenant_header: bool = True,
) -> str:
    """An OAuth connection; by default its client secret and a secret invocation header
    both come from secret prod/crm."""
    text = OAUTH_SPEC.format(name=name, client_secret=client_secret or f"prod/crm:SecretString:{client_key}").lstrip()
    return text + TENANT_HEADER if tenant_header else text


DESTINATION_SPEC = """
Type: AWS::Events::ApiDestination
Name: {name}
Description: Stripe events to the payments service
Connection: {connection}
InvocationEndpoint: https://api.example.com/stripe/*
HttpMethod: POST
InvocationRateLimitPerSecond: 20
"""


def destination_spec(name: str = "stripe-webhooks", connection: str = "stripe", **overrides: Any) -> str:
    """An API destination document using connection `connection`; an override replaces a key's
    value, adds a key, or (None) leaves the key out."""
    lines = []
    for line in DESTINATION_SPEC.format(name=name, connection=connection).strip().splitlines():
        key = line.split(":", 1)[0]
        if key in overrides:
            if overrides[key] is not None:
                lines.append(f"{key}: {overrides[key]}")
            continue
        lines.append(line)
    known = {line.split(":", 1)[0] for line in DESTINATION_SPEC.strip().splitlines()}
    lines += [f"{key}: {value}" for key, value in overrides.items() if key not in known and value is not None]
    return "\n".join(lines) + "\n"


def plan(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return run(capsys, "plan", "--dir", "connections", *extra)


def apply(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return run(capsys, "apply", "--dir", "connections", "--yes", "--wait-timeout", "10", *extra)


def live_api_key(events: Any, name: str, description: str = "Stripe", value: str = "sk-value-1") -> None:
    """A live API_KEY connection, created behind reconcile's back (as in the console)."""
    events.create_connection(
        Name=name,
        Description=description,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": value}},
    )
    events.describe_connection(Name=name)
