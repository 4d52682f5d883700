"""The managed secret's parameter lists, in every layout seen: fail safe where AWS is unverified.

AWS recordings show the managed secret's top-level fields, not how the parameter lists in
`invocation_http_parameters` are spelled nor where OAuth HTTP parameters go (shared
AWS-NOTES.md, "The managed secret"). moto writes snake_case, LocalStack the request's own
spelling and no OAuth HTTP parameters. Under each, apply then plan must be clean, a
rotation must still show, and a value with no place in the secret is "not verified".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.sandbox.corrections import SecretLayout
from reconciler.secrets.managed import managed_slots, recorded
from support.cli import HEADER, Result, run, write
from testing.control import RemoteEmulator
from testing.emulator import TestEmulator

LAYOUTS = [layout.value for layout in SecretLayout]

# Every secret value the tests use: a quote and a non-ASCII letter exercise escaping.
STRIPE = {"api_key": 'SENTINEL-api-"key"-é1', "signing": "SENTINEL-signing-3d9a"}
CRM = {"client_secret": "SENTINEL-client-9c2e", "audience": "SENTINEL-audience-1f7b", "tenant": "SENTINEL-tenant-7f3a"}
ROTATED = {"api_key": "SENTINEL-rotated-4b8d", "signing": "SENTINEL-rotated-signing-6c1e"}
SENTINELS = [*STRIPE.values(), *CRM.values(), *ROTATED.values()]

STRIPE_SPEC = """
Name: stripe
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{resolve:secretsmanager:prod/stripe:SecretString:api_key}}"
  InvocationHttpParameters:
    HeaderParameters:
      - Key: Stripe-Version
        Value: "2024-06-20"
      - Key: X-Signing-Key
        Value: "{{resolve:secretsmanager:prod/stripe:SecretString:signing}}"
        IsValueSecret: true
"""
CRM_SPEC = """
Name: crm
AuthorizationType: OAUTH_CLIENT_CREDENTIALS
AuthParameters:
  OAuthParameters:
    AuthorizationEndpoint: https://login.example.com/token
    HttpMethod: POST
    ClientParameters:
      ClientID: app
      ClientSecret: "{{resolve:secretsmanager:prod/crm:SecretString:client_secret}}"
    OAuthHttpParameters:
      BodyParameters:
        - Key: audience
          Value: "{{resolve:secretsmanager:prod/crm:SecretString:audience}}"
          IsValueSecret: true
  InvocationHttpParameters:
    QueryStringParameters:
      - Key: tenant
        Value: "{{resolve:secretsmanager:prod/crm:SecretString:tenant}}"
        IsValueSecret: true
"""
AUDIENCE = "AuthParameters.OAuthParameters.OAuthHttpParameters.BodyParameters[audience].Value"
NOT_VERIFIED = f"    ! secret value not verified: {AUDIENCE} has no recognised place in the connection's managed secret"
CLEAN = "No changes: 2 connection(s) match the specs.\n"


def _scan(result: Result, command: str) -> None:
    text = result.out + result.err
    for sentinel in SENTINELS + [json.dumps(STRIPE["api_key"])[1:-1]]:
        assert sentinel not in text, f"secret sentinel {sentinel!r} leaked into the output of `reconcile {command}`"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """The real command line at the highest verbosity, every output scanned for secret values."""
    result = run(capsys, *argv, "--dir", "connections", "-vvv")
    _scan(result, " ".join(argv) + " -vvv")
    return result


def _plan(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return _cli(capsys, "plan", *extra)


def _apply(capsys: pytest.CaptureFixture[str], *extra: str) -> Result:
    return _cli(capsys, "apply", "--yes", "--wait-timeout", "10", *extra)


def _repository(specs: Path, secrets: Any) -> None:
    write(specs, "stripe.yaml", STRIPE_SPEC)
    write(specs, "crm.yaml", CRM_SPEC)
    secrets.create_secret(Name="prod/stripe", SecretString=json.dumps(STRIPE))
    secrets.create_secret(Name="prod/crm", SecretString=json.dumps(CRM))


def _version(secrets: Any, secret_id: str, stage: str = "AWSCURRENT") -> str:
    return str(secrets.get_secret_value(SecretId=secret_id, VersionStage=stage)["VersionId"])


def _managed(events: Any, secrets: Any, name: str) -> dict[str, Any]:
    arn = events.describe_connection(Name=name)["SecretArn"]
    return dict(json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"]))


# --- Through the command line, under every layout --------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_apply_then_plan_is_clean(
    layout: str, aws: TestEmulator, specs: Path, secrets: Any, events: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.set_managed_secret_layout(layout)
    _repository(specs, secrets)
    assert _apply(capsys).code == 0
    planned = _plan(capsys)
    assert planned.code == 0
    if layout == "pascal-no-oauth-http":
        assert planned.out == f"{HEADER}  crm: noop  (connections/crm.yaml)\n{NOT_VERIFIED}\n\n{CLEAN}"
        assert "oauth_http_parameters" not in _managed(events, secrets, "crm")
    else:
        assert planned.out == HEADER + CLEAN
    document = json.loads(_plan(capsys, "--format", "json").out)
    assert document["has_changes"] is False
    assert {c["name"]: c["action"] for c in document["changes"]} == {"crm": "noop", "stripe": "noop"}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rotation_is_still_detected(
    layout: str, aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.set_managed_secret_layout(layout)
    _repository(specs, secrets)
    assert _apply(capsys).code == 0
    old = _version(secrets, "prod/stripe")
    secrets.put_secret_value(SecretId="prod/stripe", SecretString=json.dumps(ROTATED))
    new = _version(secrets, "prod/stripe")

    planned = _plan(capsys)
    assert planned.code == 2
    marker = f"prod/stripe key {{}} version {old[:8]}… → {new[:8]}…"
    lines = planned.out.splitlines()
    start = lines.index("~ stripe: update  (connections/stripe.yaml)")
    assert lines[start + 1 : start + 3] == [
        f"    ~ AuthParameters.ApiKeyAuthParameters.ApiKeyValue: (secret changed: {marker.format('api_key')})",
        "    ~ AuthParameters.InvocationHttpParameters.HeaderParameters[X-Signing-Key].Value: "
        f"(secret changed: {marker.format('signing')})",
    ]
    assert _apply(capsys).code == 0
    assert _plan(capsys).code == 0


def test_oauth_http_parameters_not_kept_are_not_verified_and_can_be_forced(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.set_managed_secret_layout("pascal-no-oauth-http")
    _repository(specs, secrets)
    assert _apply(capsys).code == 0

    planned = _plan(capsys)
    assert planned.code == 0
    assert NOT_VERIFIED in planned.out.splitlines()
    document = json.loads(_plan(capsys, "--format", "json").out)
    crm = next(c for c in document["changes"] if c["name"] == "crm")
    assert (crm["action"], crm["fields"], crm["notes"]) == ("noop", [], [NOT_VERIFIED.removeprefix("    ! ")])

    version = _version(secrets, "prod/crm")
    forced = _plan(capsys, "--force-secrets")
    assert forced.code == 2
    assert f"    ~ {AUDIENCE}: (secret pushed: prod/crm key audience version {version[:8]}… (--force-secrets))" in (
        forced.out.splitlines()
    )
    assert NOT_VERIFIED not in forced.out
    aws.reset_counters()
    assert _apply(capsys, "--force-secrets").code == 0
    assert aws.calls("UpdateConnection") == 2
    assert _plan(capsys).code == 0


def test_verbose_logging_is_exercised(
    aws: TestEmulator, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sentinel scan in _cli means something only if -vvv really logs botocore's traffic.
    _repository(specs, secrets)
    applied = _apply(capsys)
    assert applied.code == 0
    assert "botocore" in applied.err


# --- The emulator's switch --------------------------------------------------------------------


SCOPE = {"Key": "scope", "Value": "s-secret", "IsValueSecret": True}


def _oauth_connection(events: Any) -> None:
    events.create_connection(
        Name="conn",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://auth.example.com/token",
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "client", "ClientSecret": "oauth-client-secret"},
                "OAuthHttpParameters": {"BodyParameters": [SCOPE]},
            },
            "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Env", "Value": "prod"}]},
        },
    )


TOP_LEVEL = {
    "client_id": "client",
    "client_secret": "oauth-client-secret",
    "authorization_endpoint": "https://auth.example.com/token",
    "http_method": "POST",
}
WRITTEN = {
    "snake": {
        **TOP_LEVEL,
        "oauth_http_parameters": {"body_parameters": [{"key": "scope", "value": "s-secret", "is_value_secret": True}]},
        "invocation_http_parameters": {
            "header_parameters": [{"key": "X-Env", "value": "prod", "is_value_secret": False}]
        },
    },
    "pascal": {
        **TOP_LEVEL,
        "oauth_http_parameters": {"BodyParameters": [SCOPE]},
        "invocation_http_parameters": {"HeaderParameters": [{"Key": "X-Env", "Value": "prod"}]},
    },
    "pascal-no-oauth-http": {
        **TOP_LEVEL,
        "invocation_http_parameters": {"HeaderParameters": [{"Key": "X-Env", "Value": "prod"}]},
    },
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_emulator_writes_the_layout(layout: str, aws: TestEmulator, events: Any, secrets: Any) -> None:
    aws.set_managed_secret_layout(layout)
    _oauth_connection(events)
    assert _managed(events, secrets, "conn") == WRITTEN[layout]
    events.update_connection(Name="conn", Description="a new version of the secret")
    assert _managed(events, secrets, "conn") == WRITTEN[layout]


def test_layout_control_over_http_and_reset(aws: TestEmulator, events: Any, secrets: Any) -> None:
    remote = RemoteEmulator(aws.endpoint)
    remote.set_managed_secret_layout("pascal-no-oauth-http")
    _oauth_connection(events)
    assert _managed(events, secrets, "conn") == WRITTEN["pascal-no-oauth-http"]
    with pytest.raises(ValueError, match="unknown managed secret layout 'camel'"):
        remote.set_managed_secret_layout("camel")
    with pytest.raises(ValueError, match="one of: snake, pascal, pascal-no-oauth-http"):
        aws.set_managed_secret_layout("camel")
    aws.reset()
    _oauth_connection(events)
    assert _managed(events, secrets, "conn") == WRITTEN["snake"]


# --- managed_slots on literal documents -----------------------------------------------------

INVOCATION = ("AuthParameters", "InvocationHttpParameters")
OAUTH_HTTP = ("AuthParameters", "OAuthParameters", "OAuthHttpParameters")
EXPECTED_SLOTS = {
    ("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret"): "cs",
    INVOCATION + ("HeaderParameters", "X-Token", "Value"): "h-secret",
    INVOCATION + ("QueryStringParameters", "tenant", "Value"): "q-secret",
    OAUTH_HTTP + ("BodyParameters", "audience", "Value"): "b-secret",
}


def _values(document: Any) -> dict[tuple[str, ...], str]:
    return {slot: secret.reveal() for slot, secret in managed_slots(document).items()}


def test_managed_slots_snake_case() -> None:
    document = {
        "client_id": "app",
        "client_secret": "cs",
        "invocation_http_parameters": {
            "header_parameters": [
                {"key": "X-Token", "value": "h-secret", "is_value_secret": True},
                {"key": "X-Env", "value": "prod", "is_value_secret": False},
            ],
            "query_string_parameters": [{"key": "tenant", "value": "q-secret", "is_value_secret": True}],
        },
        "oauth_http_parameters": {
            "body_parameters": [{"key": "audience", "value": "b-secret", "is_value_secret": True}]
        },
    }
    assert _values(document) == EXPECTED_SLOTS


def test_managed_slots_as_the_request_spelled_them() -> None:
    document = {
        "client_id": "app",
        "client_secret": "cs",
        "invocation_http_parameters": {
            "HeaderParameters": [
                {"Key": "X-Token", "Value": "h-secret", "IsValueSecret": True},
                {"Key": "X-Env", "Value": "prod"},
            ],
            "QueryStringParameters": [{"Key": "tenant", "Value": "q-secret", "IsValueSecret": True}],
        },
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "audience", "Value": "b-secret", "IsValueSecret": True}]},
    }
    assert _values(document) == EXPECTED_SLOTS


def test_managed_slots_blocks_in_either_spelling_and_under_oauth() -> None:
    document: dict[str, Any] = {
        "client_secret": "cs",
        "InvocationHttpParameters": {
            "header_parameters": [{"Key": "X-Token", "value": "h-secret", "IsValueSecret": True}],
            "QueryStringParameters": [{"key": "tenant", "Value": "q-secret", "is_value_secret": True}],
        },
        "oauth": {
            "oauth_http_parameters": {
                "BodyParameters": [{"key": "audience", "value": "b-secret", "is_value_secret": True}]
            }
        },
    }
    assert _values(document) == EXPECTED_SLOTS
    document["oauth"] = {"OAuthHttpParameters": document["oauth"]["oauth_http_parameters"]}
    assert _values(document) == EXPECTED_SLOTS


def test_managed_slots_ignores_what_it_cannot_place() -> None:
    # Not marked secret (or not as a boolean), not a string, not a list or object: no slot, never an error.
    assert (
        _values(
            {
                "invocation_http_parameters": {
                    "HeaderParameters": [
                        {"Key": "a", "Value": "v"},
                        {"Key": "b", "Value": "v", "IsValueSecret": "true"},
                        {"Key": "c", "Value": 7, "IsValueSecret": True},
                        "not-an-object",
                    ],
                    "QueryStringParameters": {"Key": "d"},
                },
                "oauth_http_parameters": [],
                "api_key_value": None,
            }
        )
        == {}
    )
    assert _values([]) == {} and _values("text") == {}
    # Top-level fields are recorded in snake_case only; no other spelling is guessed.
    assert _values({"ApiKeyValue": "k", "api_key_value": "v"}) == {
        ("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"): "v"
    }


def test_only_the_top_level_fields_are_recorded() -> None:
    assert recorded(("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"))
    assert recorded(("AuthParameters", "BasicAuthParameters", "Password"))
    assert recorded(("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret"))
    assert not recorded(INVOCATION + ("HeaderParameters", "X-Token", "Value"))
    assert not recorded(OAUTH_HTTP + ("BodyParameters", "audience", "Value"))
