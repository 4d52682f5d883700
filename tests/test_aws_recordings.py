"""The emulator held to a recording of real AWS, through real boto3 clients over HTTP.

Source of every expectation here: LocalStack's snapshot tests
tests/aws/services/events/test_api_destinations_and_connection.py, whose snapshot
(test_api_destinations_and_connection.snapshot.json, class TestEventBridgeConnections) was
recorded against AWS on 2024-12-09. Each test names the snapshot entries it follows. The
requests are the recorded ones, values included, so the answers can be compared exactly.
Where the emulator and the recording differ, the emulator is corrected, not these tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import botocore.exceptions
import pytest

from reconciler.diff.normalize import comparable

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

NAME = "recorded-conn"
REGION, ACCOUNT = "us-east-1", "123456789012"  # the emulator's (tests/conftest.py)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# Recorded SecretArn: arn:<partition>:secretsmanager:<region>:<account>:secret:events!connection/<name>/<uuid>-<suffix>,
# the suffix being the six characters Secrets Manager appends to every secret's ARN.
SECRET_ARN = re.compile(
    rf"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:events!connection/{NAME}/{UUID}-[A-Za-z0-9]{{6}}"
)
CONNECTION_ARN = re.compile(rf"arn:aws:events:{REGION}:{ACCOUNT}:connection/{NAME}/[-A-Za-z0-9]+")

# Members of each recorded reply (ResponseMetadata aside).
CREATE_REPLY = {"ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime"}
UPDATE_REPLY = {"ConnectionArn", "ConnectionState", "CreationTime", "LastAuthorizedTime", "LastModifiedTime"}
DELETE_REPLY = UPDATE_REPLY
DESCRIBE_REPLY = {
    "AuthParameters", "AuthorizationType", "ConnectionArn", "ConnectionState", "CreationTime",
    "LastAuthorizedTime", "LastModifiedTime", "Name", "SecretArn",
}  # fmt: skip
LIST_ROW = {
    "AuthorizationType", "ConnectionArn", "ConnectionState", "CreationTime", "LastAuthorizedTime",
    "LastModifiedTime", "Name",
}  # fmt: skip


@dataclass(frozen=True)
class Recorded:
    """One auth type as recorded: the request sent and what AWS answered to it."""

    authorization_type: str
    auth_parameters: dict[str, Any]
    state: str  # in the CreateConnection reply and the DescribeConnection right after
    described_auth: dict[str, Any]  # DescribeConnection's AuthParameters
    managed_secret: dict[str, Any]  # GetSecretValue(SecretArn)'s SecretString, parsed
    secret_values: tuple[str, ...]  # what DescribeConnection must never send back

    def request(self) -> dict[str, Any]:
        return {"Name": NAME, "AuthorizationType": self.authorization_type, "AuthParameters": self.auth_parameters}


# Snapshot entries test_create_connection_with_auth[auth_params0..2] and test_connection_secrets[basic|api-key|oauth].
RECORDED = {
    "basic": Recorded(
        "BASIC",
        {"BasicAuthParameters": {"Username": "user", "Password": "pass"}},
        "AUTHORIZED",
        {"BasicAuthParameters": {"Username": "user"}},
        {"username": "user", "password": "pass"},
        ("pass",),
    ),
    "api-key": Recorded(
        "API_KEY",
        {"ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"}},
        "AUTHORIZED",
        {"ApiKeyAuthParameters": {"ApiKeyName": "ApiKey"}},
        {"api_key_name": "ApiKey", "api_key_value": "secret"},
        ("secret",),
    ),
    "oauth": Recorded(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://example.com/oauth",
                "ClientParameters": {"ClientID": "client_id", "ClientSecret": "client_secret"},
                "HttpMethod": "POST",
            }
        },
        "AUTHORIZING",
        {
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://example.com/oauth",
                "ClientParameters": {"ClientID": "client_id"},
                "HttpMethod": "POST",
            }
        },
        {
            "client_id": "client_id",
            "client_secret": "client_secret",
            "authorization_endpoint": "https://example.com/oauth",
            "http_method": "POST",
        },
        ("client_secret",),
    ),
}
AUTH_TYPES = pytest.mark.parametrize("recorded", list(RECORDED.values()), ids=list(RECORDED))


def members(reply: Any) -> set[str]:
    return set(reply) - {"ResponseMetadata"}


def raw_bodies(events: EventBridgeClient, operation: str) -> list[bytes]:
    """The response bodies of `operation` as they came over the wire, before botocore drops anything."""
    bodies: list[bytes] = []
    events.meta.events.register(
        f"before-parse.events.{operation}", lambda response_dict, **_: bodies.append(response_dict["body"])
    )
    return bodies


def strings_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) else []


def managed_secret(secrets: SecretsManagerClient, arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    reply = secrets.get_secret_value(SecretId=arn)
    parsed: dict[str, Any] = json.loads(reply["SecretString"])
    return parsed, dict(reply)


def client_error(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


# --- CreateConnection and the state right after ------------------------------------------------


@AUTH_TYPES
def test_create_reply_and_state_right_after(events: EventBridgeClient, recorded: Recorded) -> None:
    """Recorded create-connection-auth / describe-connection-auth (test_create_connection_with_auth):
    the reply has exactly ConnectionArn, ConnectionState, CreationTime and LastModifiedTime; OAuth is
    AUTHORIZING in the reply and in the DescribeConnection right after, BASIC and API_KEY AUTHORIZED at once.
    """
    created = events.create_connection(**recorded.request())
    assert members(created) == CREATE_REPLY
    assert CONNECTION_ARN.fullmatch(created["ConnectionArn"])
    assert created["ConnectionState"] == recorded.state
    assert events.describe_connection(Name=NAME)["ConnectionState"] == recorded.state


# --- DescribeConnection ------------------------------------------------------------------------


@AUTH_TYPES
def test_describe_per_auth_type(events: EventBridgeClient, recorded: Recorded) -> None:
    """Recorded describe-connection-auth (test_create_connection_with_auth, test_connection_secrets):
    exactly the recorded members and AuthParameters, LastAuthorizedTime present (even while OAuth is
    still AUTHORIZING), the recorded SecretArn form, and no secret value anywhere in the reply.
    """
    bodies = raw_bodies(events, "DescribeConnection")
    events.create_connection(**recorded.request())
    described = events.describe_connection(Name=NAME)

    assert members(described) == DESCRIBE_REPLY
    assert described["AuthParameters"] == recorded.described_auth
    assert (described["Name"], described["AuthorizationType"]) == (NAME, recorded.authorization_type)
    assert described["LastAuthorizedTime"]
    assert SECRET_ARN.fullmatch(described["SecretArn"]), described["SecretArn"]
    for secret in recorded.secret_values:
        assert secret not in strings_in(dict(described))
        # As a JSON string anywhere on the wire, including members botocore would have dropped.
        assert json.dumps(secret).encode() not in bodies[0]


def test_empty_invocation_http_parameters_are_described_empty(events: EventBridgeClient) -> None:
    """Recorded describe-connection (test_create_connection): created with InvocationHttpParameters {},
    the connection describes with "InvocationHttpParameters": {}.
    """
    events.create_connection(
        Name=NAME,
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"},
            "InvocationHttpParameters": {},
        },
    )
    described = events.describe_connection(Name=NAME)
    assert members(described) == DESCRIBE_REPLY
    assert described["ConnectionState"] == "AUTHORIZED"
    assert described["AuthParameters"] == {
        "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey"},
        "InvocationHttpParameters": {},
    }


def test_reconcile_compares_an_empty_block_as_no_block(events: EventBridgeClient) -> None:
    """How reconcile copes with the recorded `"InvocationHttpParameters": {}`: a spec without the block
    is in sync with it (diff/normalize.py, empty_is_absent), so the recorded shape plans no change.
    """
    spec: dict[str, Any] = {
        "Name": NAME,
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"}},
    }
    events.create_connection(**{**spec, "AuthParameters": {**spec["AuthParameters"], "InvocationHttpParameters": {}}})
    assert comparable(dict(events.describe_connection(Name=NAME))) == comparable(spec)


# --- The managed secret ------------------------------------------------------------------------


@AUTH_TYPES
def test_managed_secret_per_auth_type(
    events: EventBridgeClient, secrets: SecretsManagerClient, recorded: Recorded
) -> None:
    """Recorded connection-secret (test_connection_secrets[basic|api-key|oauth]): GetSecretValue on
    SecretArn gives exactly the recorded JSON, under the name events!connection/<name>/<uuid>, AWSCURRENT.
    """
    events.create_connection(**recorded.request())
    arn = events.describe_connection(Name=NAME)["SecretArn"]
    stored, reply = managed_secret(secrets, arn)
    assert stored == recorded.managed_secret
    assert re.fullmatch(rf"events!connection/{NAME}/{UUID}", reply["Name"])
    assert reply["ARN"] == arn
    assert reply["VersionStages"] == ["AWSCURRENT"]


def test_managed_secret_keeps_empty_invocation_http_parameters(
    events: EventBridgeClient, secrets: SecretsManagerClient
) -> None:
    """Recorded connection-secret-before-update (test_update_connection): a BASIC connection created
    with InvocationHttpParameters {} keeps "invocation_http_parameters": {} in its managed secret.
    """
    events.create_connection(
        Name=NAME,
        AuthorizationType="BASIC",
        AuthParameters={
            "BasicAuthParameters": {"Username": "user", "Password": "pass"},
            "InvocationHttpParameters": {},
        },
    )
    stored, _ = managed_secret(secrets, events.describe_connection(Name=NAME)["SecretArn"])
    assert stored == {"username": "user", "password": "pass", "invocation_http_parameters": {}}


# --- UpdateConnection --------------------------------------------------------------------------


def test_update_reply_and_new_managed_secret_version(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    """Recorded test_update_connection: the reply has exactly ConnectionArn, ConnectionState (AUTHORIZED),
    CreationTime, LastAuthorizedTime and LastModifiedTime; the connection describes with the new username;
    the managed secret gets a new version (new VersionId, AWSCURRENT) holding the new values.
    """
    events.create_connection(
        Name=NAME,
        AuthorizationType="BASIC",
        AuthParameters={
            "BasicAuthParameters": {"Username": "user", "Password": "pass"},
            "InvocationHttpParameters": {},
        },
    )
    arn = events.describe_connection(Name=NAME)["SecretArn"]
    _, before = managed_secret(secrets, arn)

    updated = events.update_connection(
        Name=NAME,
        AuthorizationType="BASIC",
        AuthParameters={
            "BasicAuthParameters": {"Username": "new_user", "Password": "new_pass"},
            "InvocationHttpParameters": {},
        },
    )
    assert members(updated) == UPDATE_REPLY
    assert updated["ConnectionState"] == "AUTHORIZED"

    described = events.describe_connection(Name=NAME)
    assert members(described) == DESCRIBE_REPLY
    assert described["AuthParameters"] == {
        "BasicAuthParameters": {"Username": "new_user"},
        "InvocationHttpParameters": {},
    }
    assert described["SecretArn"] == arn
    stored, after = managed_secret(secrets, arn)
    assert stored == {"username": "new_user", "password": "new_pass", "invocation_http_parameters": {}}
    assert after["VersionId"] != before["VersionId"]
    assert after["VersionStages"] == ["AWSCURRENT"]


# --- Validation --------------------------------------------------------------------------------


def test_bad_name_message(events: EventBridgeClient) -> None:
    """Recorded create-connection-invalid-name-error (test_create_connection_name_validation)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_connection(
            Name="Invalid Name With Spaces!",
            AuthorizationType="API_KEY",
            AuthParameters={
                "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"},
                "InvocationHttpParameters": {},
            },
        )
    assert client_error(info) == (
        "ValidationException",
        "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_bad_authorization_type_message(events: EventBridgeClient) -> None:
    """Recorded create-connection-invalid-auth-error (test_create_connection_invalid_parameters)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        invalid: dict[str, Any] = {"Name": NAME, "AuthorizationType": "INVALID_AUTH_TYPE", "AuthParameters": {}}
        events.create_connection(**invalid)
    assert client_error(info) == (
        "ValidationException",
        "1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]",
    )


# --- ListConnections and DeleteConnection --------------------------------------------------------


def test_list_row(events: EventBridgeClient) -> None:
    """Recorded list-connections (test_list_connections): a row has exactly these members, AUTHORIZED."""
    events.create_connection(
        Name=NAME,
        AuthorizationType="BASIC",
        AuthParameters={
            "BasicAuthParameters": {"Username": "user", "Password": "pass"},
            "InvocationHttpParameters": {},
        },
    )
    rows = events.list_connections(NamePrefix=NAME)["Connections"]
    assert [members(row) for row in rows] == [LIST_ROW]
    row = rows[0]
    assert (row["Name"], row["ConnectionState"], row["AuthorizationType"]) == (NAME, "AUTHORIZED", "BASIC")


def test_delete_removes_the_managed_secret(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    """Recorded test_delete_connection: the reply says DELETING with the connection's timestamps; the
    connection then describes as ResourceNotFoundException with the recorded text, and DescribeSecret on
    its former SecretArn raises ResourceNotFoundException.
    """
    events.create_connection(
        Name=NAME,
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"},
            "InvocationHttpParameters": {},
        },
    )
    arn = events.describe_connection(Name=NAME)["SecretArn"]
    secrets.describe_secret(SecretId=arn)  # there before the delete, as in the recording

    deleted = events.delete_connection(Name=NAME)
    assert members(deleted) == DELETE_REPLY
    assert deleted["ConnectionState"] == "DELETING"

    with pytest.raises(botocore.exceptions.ClientError) as described:
        events.describe_connection(Name=NAME)
    assert client_error(described) == (
        "ResourceNotFoundException",
        f"Failed to describe the connection(s). Connection '{NAME}' does not exist.",
    )
    with pytest.raises(botocore.exceptions.ClientError) as secret:
        secrets.describe_secret(SecretId=arn)
    assert client_error(secret)[0] == "ResourceNotFoundException"
