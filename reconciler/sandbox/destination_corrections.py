"""Where moto 5.2's API destinations differ from EventBridge: each difference is one small pure function.

The handlers in destinations.py call these; none of them touch moto or the network. The
recording cited is lifecycle.RECORDING, class TestEventBridgeApiDestinations
(test_api_destinations[auth0|auth1|auth2], test_create_api_destination_invalid_parameters,
test_create_api_destination_name_validation; recorded-date 06-12-2024). auth0 is a BASIC
connection, auth1 API_KEY, auth2 OAuth (still AUTHORIZING while the destination is used).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from reconciler.sandbox.wire import AwsError

# Recorded (test_api_destinations, describe-api-destination and list-api-destinations): a
# destination created without InvocationRateLimitPerSecond describes and lists with 300. The
# Terraform provider's documentation says the same ("default 300"). moto sends null.
DEFAULT_RATE_LIMIT = 300

# Connection states in which a destination can be invoked: AUTHORIZED (public) and ACTIVE (private
# connections, lifecycle.settled_state). Only AUTHORIZED is recorded.
_USABLE_CONNECTION_STATES = ("AUTHORIZED", "ACTIVE")


@dataclass(frozen=True)
class DestinationFields:
    """The writable members of an API destination, as the emulator stores them."""

    connection_arn: str
    invocation_endpoint: str
    http_method: str
    rate_limit: int
    description: str | None = None


# --- 1. Create: the default rate limit -----------------------------------------------------------


def created_fields(request: dict[str, Any]) -> DestinationFields:
    """A CreateApiDestination request as stored: the rate limit defaults to DEFAULT_RATE_LIMIT."""
    return DestinationFields(
        connection_arn=request["ConnectionArn"],
        invocation_endpoint=request["InvocationEndpoint"],
        http_method=request["HttpMethod"],
        rate_limit=rate_limit_or_default(request.get("InvocationRateLimitPerSecond")),
        description=request.get("Description") or None,
    )


def rate_limit_or_default(requested: int | None) -> int:
    return DEFAULT_RATE_LIMIT if requested is None else requested


# --- 2. Update keeps what it is not given ----------------------------------------------------------


def merge_update(current: DestinationFields, request: dict[str, Any]) -> DestinationFields:
    """Apply an UpdateApiDestination request to the stored destination.

    Only Name is required (API reference, UpdateApiDestination; botocore model): an omitted
    member keeps its value, as moto does too. Whether AWS keeps or resets omitted members is not
    recorded (the recorded update sends every member but the rate limit, which stays 300: its
    default either way). "" clears Description (the model allows it; unverified).
    """
    changes: dict[str, Any] = {}
    for member, field in (
        ("ConnectionArn", "connection_arn"),
        ("InvocationEndpoint", "invocation_endpoint"),
        ("HttpMethod", "http_method"),
        ("InvocationRateLimitPerSecond", "rate_limit"),
    ):
        if request.get(member) is not None:
            changes[field] = request[member]
    if request.get("Description") is not None:
        changes["description"] = request["Description"] or None
    return replace(current, **changes)


# --- 3. The state follows the connection -----------------------------------------------------------


def destination_state(connection_state: str | None) -> str:
    """ApiDestinationState for a destination whose connection is in `connection_state` (None: gone).

    Recorded (test_api_destinations): over an AUTHORIZED connection (auth0, auth1) the create,
    describe, list and update replies all say ACTIVE; over an OAuth connection still AUTHORIZING
    (auth2) they all say INACTIVE. moto always says ACTIVE. Not recorded: ACTIVE over a private
    connection's ACTIVE, INACTIVE once the connection is deleted, and that the state follows the
    connection as it changes (here it is worked out on every call).
    """
    return "ACTIVE" if connection_state in _USABLE_CONNECTION_STATES else "INACTIVE"


# --- 4. What AWS checks beyond the model -----------------------------------------------------------


def require_https(endpoint: str, verb: str) -> None:
    """InvocationEndpoint must be an HTTPS URL with a host.

    EventBridge user guide, "Create an API destination": "The URL must use HTTPS." The model's
    HttpsEndpoint pattern lets "http://…" and even "invalid-endpoint" through, and AWS checks the
    model first (recorded: test_create_api_destination_invalid_parameters sent "invalid-endpoint"
    and got only the model's two errors). The code and text below are from an AWS error a user
    quoted (CloudFormation CREATE_FAILED for AWS::Events::ApiDestination), not from a recording.
    moto accepts any string.
    """
    try:
        parts = urlsplit(endpoint)
        https = parts.scheme.lower() == "https" and bool(parts.hostname)
    except ValueError:  # e.g. an unbalanced "[" in the host
        https = False
    if not https:
        raise AwsError(
            "ValidationException",
            f"{_failed(verb)} Parameter InvocationEndpoint is not valid. "
            f"Reason: Endpoint '{endpoint}' is invalid, please provide a valid HTTPS endpoint URL.",
        )


def connection_name(connection_arn: str) -> str:
    # arn:<partition>:events:<region>:<account>:connection/<name>/<uuid> (the model's ConnectionArn pattern)
    resource = connection_arn.split(":", 5)[-1]
    parts = resource.split("/")
    return parts[1] if len(parts) == 3 else connection_arn


# --- 5. Error texts -------------------------------------------------------------------------------


def _failed(verb: str) -> str:
    # AWS prefixes API destination errors "Failed to <verb> the api-destination(s)." (recorded for
    # describe; quoted by a user for create). moto has no prefix.
    return f"Failed to {verb} the api-destination(s)."


def not_found_message(name: str, verb: str) -> str:
    """ResourceNotFoundException for a missing destination.

    Recorded for DescribeApiDestination (describe-api-destination-not-found-error): "Failed to
    describe the api-destination(s). An api-destination '<name>' does not exist." The same form
    for update and delete is assumed. reconcile reads the error code only.
    """
    return f"{_failed(verb)} An api-destination '{name}' does not exist."


def connection_not_found_message(connection_arn: str, verb: str) -> str:
    """ResourceNotFoundException when ConnectionArn names no connection in the region.

    The code is the model's (CreateApiDestination lists ResourceNotFoundException); the text is
    not recorded. moto accepts any ConnectionArn.
    """
    return f"{_failed(verb)} Connection '{connection_name(connection_arn)}' does not exist."


def already_exists_message(name: str) -> str:
    """ResourceAlreadyExistsException for a taken name (the model's code; the text is not recorded).

    moto silently replaces the existing destination, ARN and all.
    """
    return f"{_failed('create')} An api-destination '{name}' already exists."


# --- 6. Reply shapes ------------------------------------------------------------------------------


def write_reply(arn: str, state: str, created: float, modified: float) -> dict[str, Any]:
    """Create and update replies, exactly as recorded (create-api-destination, update-api-destination)."""
    return {
        "ApiDestinationArn": arn,
        "ApiDestinationState": state,
        "CreationTime": created,
        "LastModifiedTime": modified,
    }


def list_row(name: str, fields: DestinationFields, write: dict[str, Any]) -> dict[str, Any]:
    """A ListApiDestinations row, exactly as recorded (list-api-destinations): no Description.

    moto leaves out InvocationRateLimitPerSecond.
    """
    return {
        **write,
        "Name": name,
        "ConnectionArn": fields.connection_arn,
        "InvocationEndpoint": fields.invocation_endpoint,
        "HttpMethod": fields.http_method,
        "InvocationRateLimitPerSecond": fields.rate_limit,
    }


def described(name: str, fields: DestinationFields, write: dict[str, Any]) -> dict[str, Any]:
    """DescribeApiDestination: the list row plus Description (recorded: describe-api-destination).

    Description is left out when none is set, as DescribeConnection does (recorded for connections,
    not for destinations); moto sends "Description": null.
    """
    out = list_row(name, fields, write)
    if fields.description:
        out["Description"] = fields.description
    return out


def wanted(name: str, fields: DestinationFields, request: dict[str, Any]) -> bool:
    """Whether a destination passes ListApiDestinations' filters; moto ignores both.

    API reference: "Only API destinations with a name that starts with the prefix are returned";
    ConnectionArn "of the connection specified for the API destination". Given together, both
    apply (unverified).
    """
    prefix = request.get("NamePrefix") or ""
    connection_arn = request.get("ConnectionArn")
    return name.startswith(prefix) and (not connection_arn or fields.connection_arn == connection_arn)
