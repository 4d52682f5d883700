"""The emulator's API destinations, through real boto3 clients over HTTP.

Recorded expectations come from LocalStack's snapshot tests
tests/aws/services/events/test_api_destinations_and_connection.py, class
TestEventBridgeApiDestinations, whose snapshot (test_api_destinations_and_connection.snapshot.json,
recorded-date 06-12-2024) was taken against AWS; each test names the entries it follows and sends
the recorded requests. The rest hold the emulator to the corrections in
reconciler/sandbox/destination_corrections.py, whose sources are cited there and in
docs/aws-behaviour.md ("API destinations").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from testing.emulator import TestEmulator

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

NAME = "recorded-dest"
ENDPOINT = "https://example.com/api"

# Members of each recorded reply (ResponseMetadata aside).
WRITE_REPLY = {"ApiDestinationArn", "ApiDestinationState", "CreationTime", "LastModifiedTime"}
LIST_ROW = WRITE_REPLY | {"ConnectionArn", "HttpMethod", "InvocationEndpoint", "InvocationRateLimitPerSecond", "Name"}
DESCRIBE_REPLY = LIST_ROW | {"Description"}

# The connections of test_api_destinations[auth0|auth1|auth2], as the recording created them.
RECORDED_CONNECTIONS: dict[str, dict[str, Any]] = {
    "basic": {
        "AuthorizationType": "BASIC",
        "AuthParameters": {"BasicAuthParameters": {"Username": "user", "Password": "pass"}},
    },
    "api-key": {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "secret"}},
    },
    "oauth": {
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "AuthParameters": {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "id", "ClientSecret": "password"},
                "AuthorizationEndpoint": "https://example.com/oauth",
                "HttpMethod": "POST",
                "OAuthHttpParameters": {
                    "BodyParameters": [{"Key": "oauthbody", "Value": "value1", "IsValueSecret": False}],
                    "HeaderParameters": [{"Key": "oauthheader", "Value": "value2", "IsValueSecret": False}],
                    "QueryStringParameters": [{"Key": "oauthquery", "Value": "value3", "IsValueSecret": False}],
                },
            }
        },
    },
}
# What every reply said about the destination: ACTIVE over the AUTHORIZED BASIC and API_KEY
# connections, INACTIVE over the OAuth one (still AUTHORIZING).
RECORDED_STATE = {"basic": "ACTIVE", "api-key": "ACTIVE", "oauth": "INACTIVE"}


def members(reply: Any) -> set[str]:
    return set(reply) - {"ResponseMetadata"}


def client_error(info: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def connection(events: EventBridgeClient, name: str = "conn", kind: str = "api-key") -> str:
    created = events.create_connection(Name=name, **RECORDED_CONNECTIONS[kind])
    return created["ConnectionArn"]


def destination(events: EventBridgeClient, connection_arn: str, name: str = NAME, **extra: Any) -> dict[str, Any]:
    reply = events.create_api_destination(
        Name=name, ConnectionArn=connection_arn, InvocationEndpoint=ENDPOINT, HttpMethod="POST", **extra
    )
    return dict(reply)


def raw_bodies(events: EventBridgeClient, operation: str) -> list[bytes]:
    bodies: list[bytes] = []
    events.meta.events.register(
        f"before-parse.events.{operation}", lambda response_dict, **_: bodies.append(response_dict["body"])
    )
    return bodies


# --- The recording --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RECORDED_CONNECTIONS))
def test_recorded_round_trip(events: EventBridgeClient, kind: str) -> None:
    """Recorded test_api_destinations[auth0|auth1|auth2]: create-api-destination, describe-api-destination,
    list-api-destinations, update-api-destination, describe-updated-api-destination, delete-api-destination
    and describe-api-destination-not-found-error, members and values exactly; 300 invocations per second
    when none is given, and the destination's state that of its connection.
    """
    connection_arn = connection(events, kind=kind)
    state = RECORDED_STATE[kind]

    created = destination(events, connection_arn, Description="Test API destination")
    assert members(created) == WRITE_REPLY
    assert created["ApiDestinationState"] == state
    assert created["ApiDestinationArn"].startswith(f"arn:aws:events:us-east-1:123456789012:api-destination/{NAME}/")

    described = events.describe_api_destination(Name=NAME)
    assert members(described) == DESCRIBE_REPLY
    assert {key: described[key] for key in DESCRIBE_REPLY - {"CreationTime", "LastModifiedTime"}} == {
        "ApiDestinationArn": created["ApiDestinationArn"],
        "ApiDestinationState": state,
        "ConnectionArn": connection_arn,
        "Description": "Test API destination",
        "HttpMethod": "POST",
        "InvocationEndpoint": "https://example.com/api",
        "InvocationRateLimitPerSecond": 300,
        "Name": NAME,
    }

    rows = events.list_api_destinations(NamePrefix=NAME)["ApiDestinations"]
    assert [members(row) for row in rows] == [LIST_ROW]
    assert (rows[0]["ApiDestinationState"], rows[0]["InvocationRateLimitPerSecond"]) == (state, 300)

    updated = events.update_api_destination(
        Name=NAME,
        ConnectionArn=connection_arn,
        HttpMethod="PUT",
        InvocationEndpoint="https://example.com/api/v2",
        Description="Updated API destination",
    )
    assert members(updated) == WRITE_REPLY
    assert updated["ApiDestinationState"] == state

    described = events.describe_api_destination(Name=NAME)
    assert members(described) == DESCRIBE_REPLY
    assert (
        described["ApiDestinationState"],
        described["Description"],
        described["HttpMethod"],
        described["InvocationEndpoint"],
        described["InvocationRateLimitPerSecond"],
    ) == (state, "Updated API destination", "PUT", "https://example.com/api/v2", 300)

    assert members(events.delete_api_destination(Name=NAME)) == set()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.describe_api_destination(Name=NAME)
    assert client_error(info) == (
        "ResourceNotFoundException",
        f"Failed to describe the api-destination(s). An api-destination '{NAME}' does not exist.",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_recorded_invalid_parameters_message(events: EventBridgeClient) -> None:
    """Recorded create-api-destination-invalid-parameters-error: both model errors in one message, the
    HttpMethod enum in AWS's own order; the endpoint "invalid-endpoint" passes the model's pattern, and
    no later check (HTTPS, the connection) is reached.
    """
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_api_destination(
            Name=NAME,
            ConnectionArn="invalid-connection-arn",
            HttpMethod="INVALID_METHOD",  # type: ignore[arg-type]
            InvocationEndpoint="invalid-endpoint",
        )
    assert client_error(info) == (
        "ValidationException",
        "2 validation errors detected: Value 'invalid-connection-arn' at 'connectionArn' failed to satisfy "
        r"constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\-)*:events:([a-z]|\d|\-)*:"
        r"([0-9]{12})?:connection\/[\.\-_A-Za-z0-9]+\/[\-A-Za-z0-9]+$; Value 'INVALID_METHOD' at 'httpMethod' "
        "failed to satisfy constraint: Member must satisfy enum value set: "
        "[HEAD, POST, PATCH, DELETE, PUT, GET, OPTIONS]",
    )


def test_recorded_name_validation_message(events: EventBridgeClient) -> None:
    """Recorded create-api-destination-invalid-name-error (test_create_api_destination_name_validation)."""
    connection_arn = connection(events, kind="basic")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        destination(events, connection_arn, name="Invalid Name With Spaces!")
    assert client_error(info) == (
        "ValidationException",
        "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
    )


# --- Replies --------------------------------------------------------------------------------------


def test_create_reply_times_and_no_nulls_on_the_wire(events: EventBridgeClient) -> None:
    """Creation is the first modification; moto sends "Description": null and
    "InvocationRateLimitPerSecond": null, AWS sends a default rate and no Description when none is set."""
    bodies = raw_bodies(events, "DescribeApiDestination")
    created = destination(events, connection(events))
    assert created["LastModifiedTime"] == created["CreationTime"]

    described = events.describe_api_destination(Name=NAME)
    assert members(described) == DESCRIBE_REPLY - {"Description"}
    assert described["InvocationRateLimitPerSecond"] == 300
    assert b"null" not in bodies[0]
    assert None not in json.loads(bodies[0]).values()


def test_update_advances_last_modified_time_only(events: EventBridgeClient) -> None:
    created = destination(events, connection(events))
    updated = events.update_api_destination(Name=NAME, Description="changed")
    assert updated["CreationTime"] == created["CreationTime"]
    assert updated["LastModifiedTime"] > created["LastModifiedTime"]
    again = events.update_api_destination(Name=NAME, Description="changed again")
    assert again["LastModifiedTime"] > updated["LastModifiedTime"]
    assert events.describe_api_destination(Name=NAME)["LastModifiedTime"] == again["LastModifiedTime"]


def test_update_keeps_omitted_members_and_empty_description_clears(events: EventBridgeClient) -> None:
    destination(events, connection(events), InvocationRateLimitPerSecond=10, Description="first")
    events.update_api_destination(Name=NAME, HttpMethod="PATCH")
    described = events.describe_api_destination(Name=NAME)
    assert (described["InvocationRateLimitPerSecond"], described["Description"], described["HttpMethod"]) == (
        10,
        "first",
        "PATCH",
    )
    assert described["InvocationEndpoint"] == ENDPOINT

    events.update_api_destination(Name=NAME, Description="", InvocationRateLimitPerSecond=25)
    described = events.describe_api_destination(Name=NAME)
    assert "Description" not in described
    assert described["InvocationRateLimitPerSecond"] == 25


# --- The state follows the connection -------------------------------------------------------------


def test_state_follows_the_connection(aws: TestEmulator, events: EventBridgeClient) -> None:
    oauth_arn = connection(events, "oauth-conn", kind="oauth")
    assert destination(events, oauth_arn)["ApiDestinationState"] == "INACTIVE"

    assert events.describe_connection(Name="oauth-conn")["ConnectionState"] == "AUTHORIZING"  # the one poll
    assert events.describe_connection(Name="oauth-conn")["ConnectionState"] == "AUTHORIZED"
    assert events.describe_api_destination(Name=NAME)["ApiDestinationState"] == "ACTIVE"

    aws.force_state("oauth-conn", "DEAUTHORIZED", "token refresh failed")
    assert events.describe_api_destination(Name=NAME)["ApiDestinationState"] == "INACTIVE"
    assert events.list_api_destinations()["ApiDestinations"][0]["ApiDestinationState"] == "INACTIVE"

    basic_arn = connection(events, "basic-conn", kind="basic")
    assert events.update_api_destination(Name=NAME, ConnectionArn=basic_arn)["ApiDestinationState"] == "ACTIVE"
    assert events.describe_api_destination(Name=NAME)["ConnectionArn"] == basic_arn


def test_deleting_a_connection_in_use_is_allowed_and_leaves_the_destination_inactive(
    events: EventBridgeClient,
) -> None:
    """What AWS does here is not documented: the emulator keeps moto's behaviour (the delete succeeds,
    the destination stays) and shows the destination INACTIVE, having no usable connection."""
    connection_arn = connection(events)
    destination(events, connection_arn)
    events.delete_connection(Name="conn")
    described = events.describe_api_destination(Name=NAME)
    assert (described["ApiDestinationState"], described["ConnectionArn"]) == ("INACTIVE", connection_arn)


# --- The connection must exist --------------------------------------------------------------------


def test_create_needs_an_existing_connection(events: EventBridgeClient) -> None:
    missing = "arn:aws:events:us-east-1:123456789012:connection/nope/0123abcd-0000-0000-0000-000000000000"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        destination(events, missing)
    assert client_error(info) == (
        "ResourceNotFoundException",
        "Failed to create the api-destination(s). Connection 'nope' does not exist.",
    )
    assert events.list_api_destinations()["ApiDestinations"] == []


def test_a_recreated_connection_is_another_connection(events: EventBridgeClient) -> None:
    old_arn = connection(events)
    events.delete_connection(Name="conn")
    new_arn = connection(events)
    assert new_arn != old_arn
    with pytest.raises(botocore.exceptions.ClientError) as info:
        destination(events, old_arn)
    assert client_error(info)[0] == "ResourceNotFoundException"
    assert destination(events, new_arn)["ApiDestinationState"] == "ACTIVE"


def test_a_connection_in_another_region_is_not_found(events: EventBridgeClient) -> None:
    west = boto3.session.Session().client("events", region_name="us-west-2")
    west_arn = west.create_connection(Name="conn", **RECORDED_CONNECTIONS["basic"])["ConnectionArn"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        destination(events, west_arn)
    assert client_error(info)[0] == "ResourceNotFoundException"


def test_update_to_a_missing_connection_is_refused_and_changes_nothing(events: EventBridgeClient) -> None:
    connection_arn = connection(events)
    destination(events, connection_arn)
    missing = connection_arn.replace("/conn/", "/gone/")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.update_api_destination(Name=NAME, ConnectionArn=missing, HttpMethod="GET")
    assert client_error(info) == (
        "ResourceNotFoundException",
        "Failed to update the api-destination(s). Connection 'gone' does not exist.",
    )
    described = events.describe_api_destination(Name=NAME)
    assert (described["ConnectionArn"], described["HttpMethod"]) == (connection_arn, "POST")
    assert described["LastModifiedTime"] == described["CreationTime"]


# --- Names, endpoints and rates -------------------------------------------------------------------


def test_existing_name_is_refused_and_keeps_the_original(events: EventBridgeClient) -> None:
    connection_arn = connection(events)
    first = destination(events, connection_arn)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_api_destination(
            Name=NAME, ConnectionArn=connection_arn, InvocationEndpoint="https://other.example.com", HttpMethod="GET"
        )
    assert client_error(info) == (
        "ResourceAlreadyExistsException",
        f"Failed to create the api-destination(s). An api-destination '{NAME}' already exists.",
    )
    described = events.describe_api_destination(Name=NAME)
    assert (described["ApiDestinationArn"], described["InvocationEndpoint"]) == (first["ApiDestinationArn"], ENDPOINT)


@pytest.mark.parametrize("action", ["update", "delete"])
def test_missing_destination(events: EventBridgeClient, action: str) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        if action == "update":
            events.update_api_destination(Name="nope", Description="x")
        else:
            events.delete_api_destination(Name="nope")
    assert client_error(info) == (
        "ResourceNotFoundException",
        f"Failed to {action} the api-destination(s). An api-destination 'nope' does not exist.",
    )


@pytest.mark.parametrize("endpoint", ["http://example.com/api", "ftp://example.com", "https://", "example.com/api"])
def test_endpoint_must_be_https(events: EventBridgeClient, endpoint: str) -> None:
    connection_arn = connection(events)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_api_destination(
            Name=NAME, ConnectionArn=connection_arn, InvocationEndpoint=endpoint, HttpMethod="POST"
        )
    assert client_error(info) == (
        "ValidationException",
        f"Failed to create the api-destination(s). Parameter InvocationEndpoint is not valid. Reason: Endpoint "
        f"'{endpoint}' is invalid, please provide a valid HTTPS endpoint URL.",
    )


def test_update_endpoint_must_be_https_too(events: EventBridgeClient) -> None:
    destination(events, connection(events))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.update_api_destination(Name=NAME, InvocationEndpoint="http://example.com/api")
    assert client_error(info)[0] == "ValidationException"
    assert events.describe_api_destination(Name=NAME)["InvocationEndpoint"] == ENDPOINT


def test_query_string_endpoint_is_accepted(events: EventBridgeClient) -> None:
    # The model's HttpsEndpoint pattern allows "&", "=", "?" (its \x26 is the ampersand).
    url = "https://example.com/hook?a=1&b=two"
    destination(events, connection(events), name="with-query")
    events.update_api_destination(Name="with-query", InvocationEndpoint=url)
    assert events.describe_api_destination(Name="with-query")["InvocationEndpoint"] == url


@pytest.mark.parametrize(
    ("request_extra", "message"),
    [
        (
            {"Name": "n" * 65},
            f"1 validation error detected: Value '{'n' * 65}' at 'name' failed to satisfy constraint: "
            "Member must have length less than or equal to 64",
        ),
        (
            {"Description": "d" * 513},
            f"1 validation error detected: Value '{'d' * 513}' at 'description' failed to satisfy constraint: "
            "Member must have length less than or equal to 512",
        ),
        (
            {"InvocationEndpoint": "https://example.com/a b"},
            "1 validation error detected: Value 'https://example.com/a b' at 'invocationEndpoint' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$",
        ),
        (
            {"InvocationRateLimitPerSecond": 0},
            "1 validation error detected: Value at 'invocationRateLimitPerSecond' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
    ],
    ids=["long-name", "long-description", "endpoint-pattern", "rate-below-1"],
)
def test_model_constraints(aws: TestEmulator, request_extra: dict[str, Any], message: str) -> None:
    # botocore checks only minimums client-side: turn that off so the server's check is seen.
    events = boto3.session.Session().client("events", config=Config(parameter_validation=False))
    connection_arn = connection(events)
    body = {"Name": NAME, "ConnectionArn": connection_arn, "InvocationEndpoint": ENDPOINT, "HttpMethod": "POST"}
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.create_api_destination(**{**body, **request_extra})
    assert client_error(info) == ("ValidationException", message)


def test_describe_and_delete_names_are_validated(events: EventBridgeClient) -> None:
    for call in (events.describe_api_destination, events.delete_api_destination):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call(Name="bad name")
        assert client_error(info)[0] == "ValidationException"


# --- ListApiDestinations --------------------------------------------------------------------------


def test_list_filters_by_name_prefix_and_connection(events: EventBridgeClient) -> None:
    first, second = connection(events, "first"), connection(events, "second")
    destination(events, first, name="app-a")
    destination(events, second, name="app-b")
    destination(events, first, name="other")

    def names(**kwargs: Any) -> list[str]:
        return [row["Name"] for row in events.list_api_destinations(**kwargs)["ApiDestinations"]]

    assert names() == ["app-a", "app-b", "other"]
    assert names(NamePrefix="app-") == ["app-a", "app-b"]
    assert names(ConnectionArn=first) == ["app-a", "other"]
    assert names(NamePrefix="app-", ConnectionArn=first) == ["app-a"]
    assert names(NamePrefix="zzz") == []


def test_list_pages(events: EventBridgeClient) -> None:
    connection_arn = connection(events)
    for index in range(5):
        destination(events, connection_arn, name=f"dest-{index}")
    seen: list[str] = []
    kwargs: dict[str, Any] = {"Limit": 2}
    pages = 0
    while True:
        page = events.list_api_destinations(**kwargs)
        pages += 1
        seen += [row["Name"] for row in page["ApiDestinations"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert (seen, pages) == ([f"dest-{index}" for index in range(5)], 3)


@pytest.mark.parametrize("kwargs", [{"Limit": 101}, {"NextToken": "not-a-token"}])
def test_list_rejects_bad_paging(events: EventBridgeClient, kwargs: dict[str, Any]) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        events.list_api_destinations(**kwargs)
    assert client_error(info)[0] == "ValidationException"


# --- Quota ----------------------------------------------------------------------------------------


def test_quota(aws: TestEmulator, events: EventBridgeClient) -> None:
    aws.set_api_destination_quota(2)
    connection_arn = connection(events)
    destination(events, connection_arn, name="one")
    destination(events, connection_arn, name="two")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        destination(events, connection_arn, name="three")
    assert client_error(info) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )
    events.delete_api_destination(Name="one")
    destination(events, connection_arn, name="three")


def test_reset_restores_the_default_quota_and_forgets_destinations(
    aws: TestEmulator, events: EventBridgeClient
) -> None:
    aws.set_api_destination_quota(0)
    aws.reset()
    assert aws.destinations.quota == 3000
    destination(events, connection(events))
    aws.reset()
    assert events.list_api_destinations()["ApiDestinations"] == []
