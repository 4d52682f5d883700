"""The emulator's corrections to moto, seen through real boto3 clients over HTTP."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from testing.emulator import TestEmulator

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

RCFG = "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdefg"
# The model's own ResourceAssociationArn pattern is double-escaped in botocore; this is what it means.
SNRA = re.compile(r"^arn:aws:vpc-lattice:us-east-1:\d{12}:servicenetworkresourceassociation/snra-[0-9a-z]{17}$")


def basic(name: str = "conn", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "AuthorizationType": "BASIC",
        "AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pw-basic-secret"}},
        **extra,
    }


def api_key(name: str = "conn") -> dict[str, Any]:
    return {
        "Name": name,
        "AuthorizationType": "API_KEY",
        "AuthParameters": {
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "ak-secret"},
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "X-Plain", "Value": "plain-value", "IsValueSecret": False},
                    {"Key": "X-Hidden", "Value": "hidden-header-secret", "IsValueSecret": True},
                ],
                "QueryStringParameters": [{"Key": "q", "Value": "1", "IsValueSecret": False}],
            },
        },
    }


def oauth(name: str = "conn") -> dict[str, Any]:
    return {
        "Name": name,
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "AuthParameters": {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "client", "ClientSecret": "oauth-client-secret"},
                "AuthorizationEndpoint": "https://auth.example.com/token",
                "HttpMethod": "POST",
                "OAuthHttpParameters": {
                    "BodyParameters": [{"Key": "scope", "Value": "s-secret", "IsValueSecret": True}]
                },
            }
        },
    }


def client(service: str, **config: Any) -> Any:
    """A client with its own Config (retries, timeouts); endpoint and credentials come from `aws`."""
    return boto3.session.Session().client(service, config=Config(**config))


def no_retry(service: str, **config: Any) -> Any:
    return client(service, retries={"total_max_attempts": 1}, **config)


def error_code(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def secret_json(secrets: SecretsManagerClient, arn: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    return loaded


def settled(events: EventBridgeClient, name: str) -> dict[str, Any]:
    for _ in range(10):
        described: dict[str, Any] = dict(events.describe_connection(Name=name))
        if described["ConnectionState"] not in ("CREATING", "UPDATING", "AUTHORIZING"):
            return described
    raise AssertionError("connection never settled")


# --- 6. DescribeConnection withholds secrets -------------------------------------------------


@pytest.mark.parametrize("spec", [basic(), api_key(), oauth()], ids=["basic", "api_key", "oauth"])
def test_describe_sends_no_secret_over_the_wire(events: EventBridgeClient, spec: dict[str, Any]) -> None:
    raw: list[bytes] = []
    events.meta.events.register(
        "before-parse.events.DescribeConnection", lambda response_dict, **_: raw.append(response_dict["body"])
    )
    events.create_connection(**spec)
    described = events.describe_connection(Name="conn")

    for secret in (b"pw-basic-secret", b"ak-secret", b"hidden-header-secret", b"oauth-client-secret", b"s-secret"):
        assert secret not in raw[0]
    auth = described["AuthParameters"]
    if "ApiKeyAuthParameters" in auth:
        assert auth["ApiKeyAuthParameters"] == {"ApiKeyName": "x-api-key"}
        assert auth["InvocationHttpParameters"]["HeaderParameters"] == [
            {"Key": "X-Plain", "Value": "plain-value", "IsValueSecret": False},
            {"Key": "X-Hidden", "IsValueSecret": True},
        ]
    if "OAuthParameters" in auth:
        assert auth["OAuthParameters"]["ClientParameters"] == {"ClientID": "client"}
    if "BasicAuthParameters" in auth:
        assert auth["BasicAuthParameters"] == {"Username": "user"}


# --- 1. UpdateConnection merges ------------------------------------------------------------


def test_update_keeps_omitted_members(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    events.create_connection(**api_key(), Description="first")
    events.update_connection(Name="conn", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-new-key"}})

    described = events.describe_connection(Name="conn")
    assert described["Description"] == "first"
    assert described["AuthorizationType"] == "API_KEY"
    assert described["AuthParameters"]["ApiKeyAuthParameters"] == {"ApiKeyName": "x-new-key"}
    assert [p["Key"] for p in described["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]] == [
        "X-Plain",
        "X-Hidden",
    ]
    stored = secret_json(secrets, described["SecretArn"])
    assert (stored["api_key_name"], stored["api_key_value"]) == ("x-new-key", "ak-secret")


def test_given_parameter_list_replaces_and_empty_list_clears(events: EventBridgeClient) -> None:
    events.create_connection(**api_key())
    events.update_connection(
        Name="conn",
        AuthParameters={"InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Only", "Value": "v"}]}},
    )
    invocation = events.describe_connection(Name="conn")["AuthParameters"]["InvocationHttpParameters"]
    assert invocation["HeaderParameters"] == [{"Key": "X-Only", "Value": "v"}]
    assert invocation["QueryStringParameters"] == [{"Key": "q", "Value": "1", "IsValueSecret": False}]

    events.update_connection(Name="conn", AuthParameters={"InvocationHttpParameters": {"HeaderParameters": []}})
    invocation = events.describe_connection(Name="conn")["AuthParameters"]["InvocationHttpParameters"]
    assert invocation.get("HeaderParameters", []) == []
    assert len(invocation["QueryStringParameters"]) == 1


def test_changing_authorization_type_drops_the_old_block(
    events: EventBridgeClient, secrets: SecretsManagerClient
) -> None:
    events.create_connection(**basic())
    events.update_connection(
        Name="conn",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
    )
    described = events.describe_connection(Name="conn")
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "k"}}
    assert secret_json(secrets, described["SecretArn"]) == {"api_key_name": "k", "api_key_value": "v"}


def test_changing_authorization_type_needs_the_complete_new_block(events: EventBridgeClient) -> None:
    events.create_connection(**basic())
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.update_connection(
            Name="conn", AuthorizationType="API_KEY", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k"}}
        )
    assert error_code(info) == "ValidationException"
    assert "authParameters.apiKeyAuthParameters.apiKeyValue" in info.value.response["Error"]["Message"]


def test_parameters_for_another_auth_type_have_no_effect(events: EventBridgeClient) -> None:
    events.create_connection(**basic())
    events.update_connection(
        Name="conn", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}
    )
    assert events.describe_connection(Name="conn")["AuthParameters"] == {"BasicAuthParameters": {"Username": "user"}}


def test_empty_string_clears_description_and_kms_key(events: EventBridgeClient) -> None:
    events.create_connection(**basic(), Description="d", KmsKeyIdentifier="alias/mine")
    events.update_connection(Name="conn", Description="", KmsKeyIdentifier="")
    described = events.describe_connection(Name="conn")
    assert "Description" not in described
    assert "KmsKeyIdentifier" not in described


# --- 2. The managed secret follows the connection ------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (basic(), {"username": "user", "password": "pw-basic-secret"}),
        (
            oauth(),
            {
                "client_id": "client",
                "client_secret": "oauth-client-secret",
                "authorization_endpoint": "https://auth.example.com/token",
                "http_method": "POST",
                "oauth_http_parameters": {
                    "body_parameters": [{"key": "scope", "value": "s-secret", "is_value_secret": True}]
                },
            },
        ),
    ],
    ids=["basic", "oauth"],
)
def test_managed_secret_json_at_create(
    events: EventBridgeClient, secrets: SecretsManagerClient, spec: dict[str, Any], expected: dict[str, Any]
) -> None:
    events.create_connection(**spec)
    arn = events.describe_connection(Name="conn")["SecretArn"]
    assert secret_json(secrets, arn) == expected
    name = secrets.describe_secret(SecretId=arn)["Name"]
    assert re.fullmatch(r"events!connection/conn/[0-9a-f-]{36}", name)


def test_update_writes_a_new_secret_version(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    events.create_connection(**api_key())
    arn = events.describe_connection(Name="conn")["SecretArn"]
    before = secrets.get_secret_value(SecretId=arn)["VersionId"]

    events.update_connection(Name="conn", AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "rotated"}})

    after = secrets.get_secret_value(SecretId=arn)
    assert after["VersionId"] != before
    assert json.loads(after["SecretString"])["api_key_value"] == "rotated"
    assert json.loads(after["SecretString"])["invocation_http_parameters"]["query_string_parameters"] == [
        {"key": "q", "value": "1", "is_value_secret": False}
    ]
    stages = secrets.describe_secret(SecretId=arn)["VersionIdsToStages"]
    assert stages[after["VersionId"]] == ["AWSCURRENT"]
    assert stages[before] == ["AWSPREVIOUS"]


def test_delete_removes_connection_and_secret(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    events.create_connection(**basic())
    arn = events.describe_connection(Name="conn")["SecretArn"]
    deleted = events.delete_connection(Name="conn")
    assert deleted["ConnectionState"] == "DELETING"  # as recorded from AWS (tests/test_aws_recordings.py)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.describe_connection(Name="conn")
    assert error_code(info) == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError):
        secrets.get_secret_value(SecretId=arn)


# --- 3. Timestamps --------------------------------------------------------------------------


def test_last_modified_time_set_on_create_and_advanced_by_update(events: EventBridgeClient) -> None:
    created = events.create_connection(**basic())
    first = settled(events, "conn")
    assert first["LastModifiedTime"] == created["LastModifiedTime"]
    assert first["LastAuthorizedTime"] >= first["LastModifiedTime"]

    updated = events.update_connection(Name="conn", Description="changed")
    second = settled(events, "conn")
    assert second["LastModifiedTime"] == updated["LastModifiedTime"] > first["LastModifiedTime"]
    assert second["CreationTime"] == first["CreationTime"]
    listed = events.list_connections()["Connections"][0]
    assert listed["LastModifiedTime"] == second["LastModifiedTime"]
    assert listed["LastAuthorizedTime"] == second["LastAuthorizedTime"]


# --- 4. States ----------------------------------------------------------------------------


def states_seen(events: EventBridgeClient, name: str, polls: int) -> list[str]:
    return [events.describe_connection(Name=name)["ConnectionState"] for _ in range(polls)]


# As recorded from AWS (lifecycle.transitional_states; tests/test_aws_recordings.py): a public BASIC or
# API_KEY connection is AUTHORIZED in the create and update replies, an OAuth one AUTHORIZING for a while.


def test_public_connection_is_authorized_at_once(events: EventBridgeClient) -> None:
    assert events.create_connection(**basic())["ConnectionState"] == "AUTHORIZED"
    assert events.list_connections()["Connections"][0]["ConnectionState"] == "AUTHORIZED"
    assert states_seen(events, "conn", 2) == ["AUTHORIZED", "AUTHORIZED"]
    assert events.update_connection(Name="conn", Description="x")["ConnectionState"] == "AUTHORIZED"
    assert states_seen(events, "conn", 1) == ["AUTHORIZED"]


def test_oauth_passes_through_authorizing(events: EventBridgeClient) -> None:
    assert events.create_connection(**oauth())["ConnectionState"] == "AUTHORIZING"
    assert states_seen(events, "conn", 3) == ["AUTHORIZING", "AUTHORIZED", "AUTHORIZED"]
    assert events.update_connection(Name="conn", Description="x")["ConnectionState"] == "AUTHORIZING"
    assert states_seen(events, "conn", 2) == ["AUTHORIZING", "AUTHORIZED"]


def test_transition_polls_are_configurable(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_transition_polls(2)
    events.create_connection(**oauth())
    assert states_seen(events, "conn", 3) == ["AUTHORIZING", "AUTHORIZING", "AUTHORIZED"]
    aws.set_transition_polls(0)
    assert events.update_connection(Name="conn", Description="x")["ConnectionState"] == "AUTHORIZED"


def test_private_connection_settles_active(events: EventBridgeClient) -> None:
    events.create_connection(
        **basic(), InvocationConnectivityParameters={"ResourceParameters": {"ResourceConfigurationArn": RCFG}}
    )
    assert states_seen(events, "conn", 2) == ["CREATING", "ACTIVE"]


def test_settle_into_deauthorized_with_reason(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.settle_into("conn", "DEAUTHORIZED", "Invalid client credentials")
    events.create_connection(**oauth())
    states_seen(events, "conn", 2)
    described = events.describe_connection(Name="conn")
    assert (described["ConnectionState"], described["StateReason"]) == ("DEAUTHORIZED", "Invalid client credentials")
    listed = events.list_connections()["Connections"][0]
    assert (listed["ConnectionState"], listed["StateReason"]) == ("DEAUTHORIZED", "Invalid client credentials")
    # One settle only: the next update authorizes again.
    events.update_connection(Name="conn", Description="fixed")
    assert "StateReason" not in settled(events, "conn")


def test_settle_into_authorizing_never_settles(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.settle_into("conn", "AUTHORIZING")
    events.create_connection(**oauth())
    assert set(states_seen(events, "conn", 8)[1:]) == {"AUTHORIZING"}


def test_force_state_changes_a_settled_connection(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_transition_polls(0)
    events.create_connection(**basic())
    aws.force_state("conn", "DEAUTHORIZED", "Token revoked")
    described = events.describe_connection(Name="conn")
    assert (described["ConnectionState"], described["StateReason"]) == ("DEAUTHORIZED", "Token revoked")


def test_unknown_state_is_refused(aws: TestEmulator) -> None:
    with pytest.raises(ValueError, match="unknown connection state"):
        aws.settle_into("conn", "BROKEN")


# --- 5. KmsKeyIdentifier and connectivity parameters ------------------------------------------


def test_kms_key_and_connectivity_round_trip(events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    spec = oauth()
    spec["AuthParameters"]["ConnectivityParameters"] = {"ResourceParameters": {"ResourceConfigurationArn": RCFG}}
    events.create_connection(
        **spec,
        KmsKeyIdentifier="arn:aws:kms:us-east-1:123456789012:key/abcd-1234",
        InvocationConnectivityParameters={"ResourceParameters": {"ResourceConfigurationArn": RCFG}},
    )
    described = events.describe_connection(Name="conn")
    assert described["KmsKeyIdentifier"] == "arn:aws:kms:us-east-1:123456789012:key/abcd-1234"
    for block in (described["InvocationConnectivityParameters"], described["AuthParameters"]["ConnectivityParameters"]):
        assert block["ResourceParameters"]["ResourceConfigurationArn"] == RCFG
        assert SNRA.match(block["ResourceParameters"]["ResourceAssociationArn"])
    assert secrets.describe_secret(SecretId=described["SecretArn"])["KmsKeyId"].endswith("key/abcd-1234")

    events.update_connection(Name="conn", KmsKeyIdentifier="alias/other")
    again = events.describe_connection(Name="conn")
    assert again["KmsKeyIdentifier"] == "alias/other"
    assert again["InvocationConnectivityParameters"] == described["InvocationConnectivityParameters"]


# --- 7. ListConnections paging and filters ---------------------------------------------------


def test_list_connections_pages_and_filters(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_transition_polls(0)
    names = [f"app-{i}" for i in range(7)] + ["other"]
    for name in names:
        events.create_connection(**basic(name))

    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"Limit": 3, "NamePrefix": "app-"}
    while True:
        page = events.list_connections(**kwargs)
        pages += 1
        assert len(page["Connections"]) <= 3
        seen += [c["Name"] for c in page["Connections"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert (pages, seen) == (3, names[:7])
    assert len(events.list_connections()["Connections"]) == 8
    assert events.list_connections(ConnectionState="CREATING")["Connections"] == []


@pytest.mark.parametrize("kwargs", [{"Limit": 101}, {"NextToken": "not-a-token"}])
def test_list_connections_rejects_bad_paging(events: EventBridgeClient, kwargs: dict[str, Any]) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.list_connections(**kwargs)
    assert error_code(info) == "ValidationException"


# --- 8. Already exists and quota -------------------------------------------------------------


def test_create_existing_name_is_refused_and_keeps_the_original(events: EventBridgeClient) -> None:
    arn = events.create_connection(**basic())["ConnectionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_connection(**api_key())
    assert error_code(info) == "ResourceAlreadyExistsException"
    described = events.describe_connection(Name="conn")
    assert (described["ConnectionArn"], described["AuthorizationType"]) == (arn, "BASIC")


def test_connection_quota(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_connection_quota(2)
    events.create_connection(**basic("a"))
    events.create_connection(**basic("b"))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        no_retry("events").create_connection(**basic("c"))
    assert error_code(info) == "LimitExceededException"
    events.delete_connection(Name="a")
    events.create_connection(**basic("c"))


# --- 9. Server-side model validation -------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "subject"),
    [
        # Non-sensitive members are quoted, as AWS does (recorded: tests/test_aws_recordings.py)...
        (basic("bad name!"), "Value 'bad name!' at 'name'"),
        (basic("n" * 65), f"Value '{'n' * 65}' at 'name'"),
        # ...members the model marks sensitive never are.
        (
            {**basic(), "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "has:colon-s3cr3t"}}},
            "Value at 'authParameters.basicAuthParameters.password'",
        ),
        (
            {
                **api_key(),
                "AuthParameters": {
                    "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"},
                    "InvocationHttpParameters": {"HeaderParameters": [{"Key": "h", "Value": "line\nbreak-s3cr3t"}]},
                },
            },
            "Value at 'authParameters.invocationHttpParameters.headerParameters.1.member.value'",
        ),
    ],
    ids=["name-pattern", "name-length", "password-pattern", "header-value-pattern"],
)
def test_validation_error_quotes_the_value_unless_sensitive(
    events: EventBridgeClient, spec: dict[str, Any], subject: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_connection(**spec)
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert f"1 validation error detected: {subject} failed to satisfy constraint: " in error["Message"]
    assert "s3cr3t" not in error["Message"]


def test_update_values_are_validated_too(events: EventBridgeClient) -> None:
    events.create_connection(**basic())
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.update_connection(Name="conn", AuthParameters={"BasicAuthParameters": {"Password": "x" * 513}})
    assert error_code(info) == "ValidationException"
    assert "x" * 20 not in info.value.response["Error"]["Message"]


# --- Denied reads of the managed secret --------------------------------------------------------


def test_denied_managed_secret_reads(
    aws: TestEmulator, events: EventBridgeClient, secrets: SecretsManagerClient
) -> None:
    events.create_connection(**basic())
    managed = events.describe_connection(Name="conn")["SecretArn"]
    own = secrets.create_secret(Name="own", SecretString="mine")["ARN"]
    aws.deny_managed_secret_reads()

    with pytest.raises(botocore.exceptions.ClientError) as info:
        secrets.get_secret_value(SecretId=managed)
    assert error_code(info) == "AccessDeniedException"
    assert secrets.get_secret_value(SecretId=own)["SecretString"] == "mine"

    batch = secrets.batch_get_secret_value(SecretIdList=[managed, own])
    assert [v["ARN"] for v in batch["SecretValues"]] == [own]
    assert [(e["SecretId"], e["ErrorCode"]) for e in batch["Errors"]] == [(managed, "AccessDeniedException")]

    only_managed = secrets.batch_get_secret_value(SecretIdList=[managed])
    assert (only_managed["SecretValues"], len(only_managed["Errors"])) == ([], 1)

    by_filter = secrets.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["own", "events"]}])
    assert [v["Name"] for v in by_filter["SecretValues"]] == ["own"]
    assert [e["ErrorCode"] for e in by_filter["Errors"]] == ["AccessDeniedException"]

    aws.deny_managed_secret_reads(False)
    assert "password" in secret_json(secrets, managed)


# --- Faults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [
        ("throttle", "ThrottlingException", 400),
        ("500", "InternalException", 500),
        ("503", "ServiceUnavailableException", 503),
        ("concurrent", "ConcurrentModificationException", 400),
        ("access_denied", "AccessDeniedException", 400),
        ("limit", "LimitExceededException", 400),
    ],
)
def test_error_faults(aws: TestEmulator, fault: str, code: str, status: int) -> None:
    aws.inject("ListConnections", fault)
    events = no_retry("events")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.list_connections()
    assert (error_code(info), info.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert aws.faults_injected() == 1
    events.list_connections()  # fired once only


def test_secretsmanager_internal_error_uses_its_own_code(aws: TestEmulator) -> None:
    aws.inject("ListSecrets", "500")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        no_retry("secretsmanager").list_secrets()
    assert error_code(info) == "InternalServiceError"


def test_reset_fault_drops_the_connection_without_acting(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.inject("CreateConnection", "reset")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        no_retry("events").create_connection(**basic())
    assert events.list_connections()["Connections"] == []


def test_timeout_fault_outlasts_the_client_but_still_acts(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_transition_polls(0)
    aws.inject("CreateConnection", "timeout", seconds=0.6)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        no_retry("events", read_timeout=0.2).create_connection(**basic())
    time.sleep(0.8)
    assert events.describe_connection(Name="conn")["ConnectionState"] == "AUTHORIZED"


def test_retried_fault_recovers_and_counts(aws: TestEmulator) -> None:
    aws.inject("*", "throttle", times=1)
    client("events", retries={"mode": "standard", "max_attempts": 3}).list_connections()
    assert (aws.calls("ListConnections"), aws.faults_injected()) == (2, 1)


def test_unknown_fault_is_refused(aws: TestEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        aws.inject("ListConnections", "meteor")


# --- Counters, latency, reset ---------------------------------------------------------------


def test_counters(aws: TestEmulator, events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    events.create_connection(**basic())
    events.describe_connection(Name="conn")
    events.describe_connection(Name="conn")
    events.update_connection(Name="conn", Description="x")
    secrets.list_secrets()
    assert (aws.calls("DescribeConnection"), aws.calls("ListSecrets"), aws.calls()) == (2, 1, 5)
    assert aws.write_calls() == 2
    events.delete_connection(Name="conn")
    assert aws.write_calls() == 3
    aws.reset_counters()
    assert (aws.calls(), aws.write_calls()) == (0, 0)


def test_latency_delays_each_request(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_latency(0.2)
    started = time.monotonic()
    events.list_connections()
    assert time.monotonic() - started >= 0.2


def test_reset_wipes_state_and_controls(
    aws: TestEmulator, events: EventBridgeClient, secrets: SecretsManagerClient
) -> None:
    events.create_connection(**basic())
    aws.set_transition_polls(0)
    aws.set_connection_quota(0)
    aws.inject("ListSecrets", "throttle")
    aws.reset()
    assert aws.calls() == 0
    assert events.list_connections()["Connections"] == []
    assert secrets.list_secrets()["SecretList"] == []
    assert events.create_connection(**oauth())["ConnectionState"] == "AUTHORIZING"  # transition polls back to 1
