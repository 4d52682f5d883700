"""Every rule the emulator enforces that a spec alone decides has a `reconcile validate`
counterpart (issue #19): a spec that validates never fails at apply for a rule known offline.

The rules are walked from the emulator (reconciler/sandbox/rules.py). For each one a spec that
breaks it, and nothing else, is built from a base spec that validates and that the emulator
accepts; the emulator must refuse the request that spec makes (so the example really breaks
the rule), and `reconcile validate` must refuse the spec, naming the field. The secrets' own
values are unknown offline: for them the counterpart is the check of resolved values that
every plan makes before anything is written.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler.load.yaml_loader import dotted
from reconciler.sandbox.rules import BEYOND_MODEL, WRITES, all_model_rules
from reconciler.sandbox.validation import ModelRule, _compile
from reconciler.secrets.layout import FIXED
from support.cli import run, write
from testing.emulator import TestEmulator

SECRET = "prod/rules"
VALUES = {"ApiKeyValue": "sk-1", "Password": "pw-1", "ClientSecret": "cs-1"}
RCFG = "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0"
CONNECTION_ARN = "arn:aws:events:us-east-1:123456789012:connection/base/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
SECRET_FIELDS = {fixed.spec_path[-1] for fixed in FIXED}


def _ref(field: str) -> str:
    return f"{{{{resolve:secretsmanager:{SECRET}:SecretString:{field}}}}}"


def _http(prefix: str) -> dict[str, Any]:
    return {
        name: [{"Key": f"{prefix}-{name[0].lower()}", "Value": "v", "IsValueSecret": False}]
        for name in ("HeaderParameters", "QueryStringParameters", "BodyParameters")
    }


def _connection(auth_type: str) -> dict[str, Any]:
    blocks = {
        "API_KEY": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": _ref("ApiKeyValue")}},
        "BASIC": {"BasicAuthParameters": {"Username": "user", "Password": _ref("Password")}},
        "OAUTH_CLIENT_CREDENTIALS": {
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://login.example.com/token",
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "app", "ClientSecret": _ref("ClientSecret")},
                "OAuthHttpParameters": _http("o"),
            }
        },
    }
    return {
        "Name": "base",
        "Description": "every member the model constrains",
        "AuthorizationType": auth_type,
        "AuthParameters": {
            **blocks[auth_type],
            "InvocationHttpParameters": _http("x"),
            "ConnectivityParameters": {"ResourceParameters": {"ResourceConfigurationArn": RCFG}},
        },
        "InvocationConnectivityParameters": {"ResourceParameters": {"ResourceConfigurationArn": RCFG}},
        "KmsKeyIdentifier": "alias/reconcile",
    }


DESTINATION = {
    "Type": "AWS::Events::ApiDestination",
    "Name": "base-destination",
    "Description": "every member the model constrains",
    "ConnectionArn": CONNECTION_ARN,
    "InvocationEndpoint": "https://api.example.com/x",
    "HttpMethod": "POST",
    "InvocationRateLimitPerSecond": 20,
}


def _base(rule: ModelRule) -> dict[str, Any]:
    if rule.operation.endswith("ApiDestination"):
        return copy.deepcopy(DESTINATION)
    if "BasicAuthParameters" in rule.path:
        return _connection("BASIC")
    if "OAuthParameters" in rule.path:
        return _connection("OAUTH_CLIENT_CREDENTIALS")
    return _connection("API_KEY")


def _spec_path(path: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(0 if part == "[]" else part for part in path)


# Strings that break the model's patterns: each pattern refuses one of them (checked below).
_PATTERN_BREAKERS = (" ", "\n", "\x01", ":")


def _breaking_value(rule: ModelRule, current: Any) -> Any:
    if rule.kind == "min_length":
        return "a" * (rule.bound - 1)
    if rule.kind == "max_length":
        return "a" * (rule.bound + 1)
    if rule.kind == "enum":
        return "NOT_IN_THE_ENUM"
    if rule.kind == "pattern":
        pattern = _compile(rule.bound)
        assert pattern is not None
        return next(b for b in _PATTERN_BREAKERS if not pattern.fullmatch(b))
    if rule.kind == "minimum":
        return rule.bound - 1
    if rule.kind == "maximum":
        return rule.bound + 1
    if rule.kind == "min_items":
        return []
    if rule.kind == "max_items":
        return [{**current[0], "Key": f"k{i}"} for i in range(rule.bound + 1)]
    raise AssertionError(f"no breaking value for {rule.name}")


def _broken(rule: ModelRule) -> dict[str, Any]:
    """The base spec with the rule's member broken, or removed for `required`."""
    body = _base(rule)
    *parents, last = _spec_path(rule.path)
    node: Any = body
    for part in parents:
        node = node[part]
    if rule.kind == "required":
        del node[last]
    else:
        node[last] = _breaking_value(rule, node.get(last) if isinstance(node, dict) else None)
    return body


def _request(spec: dict[str, Any], secret_values: dict[str, str]) -> dict[str, Any]:
    """The request that spec makes, its references resolved."""
    text = json.dumps({k: v for k, v in spec.items() if k != "Type"})
    for field, value in secret_values.items():
        text = text.replace(json.dumps(_ref(field))[1:-1], json.dumps(value)[1:-1])
    out: dict[str, Any] = json.loads(text)
    return out


def _unique_rules() -> list[ModelRule]:
    """The Create rules; each Update rule is one of them without `required` (asserted below)."""
    return [rule for rule in all_model_rules() if rule.operation.startswith("Create")]


def _is_secret_value(rule: ModelRule) -> bool:
    return rule.path[-1] in SECRET_FIELDS and rule.kind != "required"


OFFLINE_SPEC_RULES = [rule for rule in _unique_rules() if not _is_secret_value(rule)]
SECRET_VALUE_RULES = [rule for rule in _unique_rules() if _is_secret_value(rule)]


@pytest.fixture(scope="module")
def client(emulator: TestEmulator) -> Any:
    """One client for the module: building one costs more than a test. No client-side
    validation: every rule is left to the emulator, as to AWS."""
    return boto3.session.Session().client(
        "events",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False),
    )


def _emulator_path(rule: ModelRule) -> str:
    """The path AWS's message gives: lowerCamelCase members, list items as `N.member`."""
    parts = ["1.member" if part == "[]" else part[:1].lower() + part[1:] for part in rule.path]
    return ".".join(parts)


def _emulator_refuses(client: Any, operation: str, request: dict[str, Any]) -> str:
    method = getattr(client, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
    with pytest.raises(ClientError) as raised:
        method(**request)
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    return str(raised.value.response["Error"]["Message"])


def _validate_errors(capsys: pytest.CaptureFixture[str], specs: Path, body: dict[str, Any]) -> list[dict[str, Any]]:
    write(specs, "rule.yaml", json.dumps(body, indent=2) + "\n")
    result = run(capsys, "validate", "--dir", "connections", "--format", "json")
    document = json.loads(result.out)
    assert result.code == (1 if document["errors"] else 0)
    errors: list[dict[str, Any]] = document["errors"]
    return errors


def _names_the_rule(error: dict[str, Any], rule: ModelRule) -> bool:
    path = _spec_path(rule.path)
    if error["path"] == dotted(path):
        return True
    # A missing key is reported at its parent, naming the key.
    key, message = str(path[-1]), str(error["message"])
    named = f"'{key}'" in message or message.endswith(f"needs {key}")
    return rule.kind == "required" and (error["path"] or "") == dotted(path[:-1]) and named


def test_the_rules_are_walked_from_the_emulator_and_update_adds_none() -> None:
    create = {(r.operation.replace("Create", ""), r.path, r.kind, str(r.bound)) for r in _unique_rules()}
    update = {
        (r.operation.replace("Update", ""), r.path, r.kind, str(r.bound))
        for r in all_model_rules()
        if r.operation.startswith("Update")
    }
    assert update <= create
    assert set(WRITES) == {rule.operation for rule in all_model_rules()}
    assert len(OFFLINE_SPEC_RULES) > 60 and len(SECRET_VALUE_RULES) == 9


@pytest.mark.parametrize("auth_type", ["API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS"])
def test_the_base_specs_validate_and_the_emulator_accepts_them(
    auth_type: str, aws: TestEmulator, client: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = _connection(auth_type)
    assert _validate_errors(capsys, specs, body) == []
    arn = client.create_connection(**_request(body, VALUES))["ConnectionArn"]
    destination = {**DESTINATION, "ConnectionArn": arn}
    assert _validate_errors(capsys, specs, destination) == []
    client.create_api_destination(**_request(destination, VALUES))


@pytest.mark.parametrize("rule", OFFLINE_SPEC_RULES, ids=lambda rule: rule.name)
def test_a_spec_breaking_a_model_rule_is_refused_by_validate(
    rule: ModelRule, aws: TestEmulator, client: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = _broken(rule)
    message = _emulator_refuses(client, rule.operation, _request(body, VALUES))
    assert f"at '{_emulator_path(rule)}'" in message
    errors = _validate_errors(capsys, specs, body)
    assert any(_names_the_rule(error, rule) for error in errors), errors


@pytest.mark.parametrize("rule", SECRET_VALUE_RULES, ids=lambda rule: rule.name)
def test_a_secret_value_breaking_a_model_rule_is_refused_by_plan_before_any_write(
    rule: ModelRule, aws: TestEmulator, client: Any, specs: Path, secrets: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    field = rule.path[-1]
    bad = {**VALUES, field: _breaking_value(rule, None)}
    message = _emulator_refuses(client, rule.operation, _request(_base(rule), bad))
    assert f"at '{_emulator_path(rule)}'" in message
    body = _base(rule)
    assert _validate_errors(capsys, specs, body) == []  # the spec holds a reference: offline, nothing to see
    secrets.create_secret(Name=SECRET, SecretString=json.dumps(bad))
    aws.reset_counters()
    planned = run(capsys, "plan", "--dir", "connections", "--format", "json")
    assert planned.code == 1
    assert [e["path"] for e in json.loads(planned.out)["errors"]] == [dotted(_spec_path(rule.path))]
    assert aws.write_calls() == 0


# A spec breaking each rule AWS adds beyond the model, and the operation that meets it.
BEYOND_EXAMPLES: dict[str, tuple[str, dict[str, Any], str]] = {
    "auth-block-for-type": (
        "CreateConnection",
        {**_connection("API_KEY"), "AuthorizationType": "BASIC"},
        "AuthParameters.ApiKeyAuthParameters",
    ),
    "https-endpoint": (
        "CreateApiDestination",
        {**DESTINATION, "InvocationEndpoint": "http://api.example.com/x"},
        "InvocationEndpoint",
    ),
}


def test_every_offline_rule_beyond_the_model_has_an_example() -> None:
    assert {rule.name for rule in BEYOND_MODEL if rule.offline} == set(BEYOND_EXAMPLES)
    assert all(rule.enforced_by is not None for rule in BEYOND_MODEL if rule.offline)


@pytest.mark.parametrize("name", sorted(BEYOND_EXAMPLES))
def test_a_spec_breaking_a_rule_beyond_the_model_is_refused_by_validate(
    name: str, aws: TestEmulator, client: Any, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    operation, body, path = BEYOND_EXAMPLES[name]
    request = _request(body, VALUES)
    if operation == "CreateApiDestination":  # past the connection check: one that exists
        connection = client.create_connection(**_request(_connection("API_KEY"), VALUES))
        request["ConnectionArn"] = body["ConnectionArn"] = connection["ConnectionArn"]
    _emulator_refuses(client, operation, request)
    errors = _validate_errors(capsys, specs, body)
    assert path in [error["path"] for error in errors], errors
