"""Where moto 5.2 differs from EventBridge: each difference is one small pure function here.

The handlers in connections.py call these in order; none of them touch moto or
the network, so each can be read (and tested) against its AWS source alone.
"""

from __future__ import annotations

import base64
import binascii
import copy
import enum
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.model import project, shape
from reconciler.sandbox.wire import AwsError

# The auth block each AuthorizationType reads (API reference, CreateConnection).
AUTH_BLOCKS = {
    "BASIC": "BasicAuthParameters",
    "API_KEY": "ApiKeyAuthParameters",
    "OAUTH_CLIENT_CREDENTIALS": "OAuthParameters",
}
_PARAMETER_LISTS = (
    ("HeaderParameters", "header_parameters"),
    ("QueryStringParameters", "query_string_parameters"),
    ("BodyParameters", "body_parameters"),
)


@dataclass(frozen=True)
class ConnectionFields:
    """The writable members of a connection, secrets included, as the emulator stores them."""

    authorization_type: str
    auth_parameters: dict[str, Any]
    description: str | None
    kms_key_identifier: str | None
    invocation_connectivity: dict[str, Any] | None


# --- 1. UpdateConnection merges ------------------------------------------------------


def merge_update(current: ConnectionFields, request: dict[str, Any]) -> ConnectionFields:
    """Apply an UpdateConnection request to the stored connection.

    Only Name is required and every other member is optional, so an omitted
    member keeps its value (API reference UpdateConnection; "Editing
    connections" in the EventBridge user guide; hashicorp/terraform-provider-aws
    #37814 shows omitted invocation parameters staying). moto instead replaces
    AuthParameters wholesale.
    """
    new_type = request.get("AuthorizationType") or current.authorization_type
    auth = merge_auth_parameters(
        current.authorization_type, current.auth_parameters, new_type, request.get("AuthParameters") or {}
    )
    return ConnectionFields(
        authorization_type=new_type,
        auth_parameters=auth,
        description=_replaced_or_kept(current.description, request, "Description"),
        kms_key_identifier=_replaced_or_kept(current.kms_key_identifier, request, "KmsKeyIdentifier"),
        invocation_connectivity=copy.deepcopy(request["InvocationConnectivityParameters"])
        if request.get("InvocationConnectivityParameters") is not None
        else current.invocation_connectivity,
    )


def merge_auth_parameters(
    old_type: str, old: dict[str, Any], new_type: str, requested: dict[str, Any]
) -> dict[str, Any]:
    """Merge requested AuthParameters into the stored ones.

    - A block given is merged member by member; a parameter list given replaces
      the old list (an empty list clears it); an omitted list is kept.
    - Parameters for another auth type than the (new) AuthorizationType have no
      effect (EventBridge user guide, "Editing connections").
    - A changed AuthorizationType drops the old type's block and takes the new
      one from the request as given.
    """
    merged = copy.deepcopy(old)
    own_block = AUTH_BLOCKS.get(new_type, "")
    other_blocks = set(AUTH_BLOCKS.values()) - {own_block}
    if new_type != old_type:
        merged.pop(AUTH_BLOCKS.get(old_type, ""), None)
        merged.pop(own_block, None)
    for key, value in requested.items():
        if key in other_blocks or value is None:
            continue
        merged[key] = _merge_members(merged.get(key), value)
    return merged


def _merge_members(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            out[key] = _merge_members(old.get(key), value)
        return out
    # Scalars and lists (the parameter lists) replace what was there.
    return copy.deepcopy(new)


def _replaced_or_kept(old: str | None, request: dict[str, Any], member: str) -> str | None:
    # Given replaces, "" clears (stored as absent), omitted keeps.
    if member not in request or request[member] is None:
        return old
    return request[member] or None


def require_auth_block(authorization_type: str, auth: dict[str, Any]) -> None:
    """The block for the connection's AuthorizationType must be there (CreateConnection API reference)."""
    block = AUTH_BLOCKS.get(authorization_type, "")
    if not isinstance(auth.get(block), dict):
        member = block[:1].lower() + block[1:]
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value at 'authParameters.{member}' failed to satisfy constraint: "
            f"Member must not be null for AuthorizationType {authorization_type}",
        )


# --- 2. The managed secret follows the connection --------------------------------------


class SecretLayout(str, enum.Enum):
    """How the managed secret spells its HTTP parameter blocks.

    The top-level fields are recorded from AWS (snake_case, AWS-NOTES "Recorded AWS
    responses"); the parameter lists inside the blocks are not (AWS-NOTES "The managed
    secret"), so the emulator can write each layout another implementation uses:

    - SNAKE: moto's snake_case, `header_parameters` with `key`/`value`/`is_value_secret`,
      and `oauth_http_parameters` at the top level. The default.
    - PASCAL: the lists and items as the request spelled them (`HeaderParameters` with
      `Key`/`Value`/`IsValueSecret`), as LocalStack's EventBridge provider writes
      `invocation_http_parameters` (AWS-NOTES "LocalStack"; localstack-core
      services/events/connection.py, `_get_secret_value`). OAuth HTTP parameters are
      kept the same way under `oauth_http_parameters`.
    - PASCAL_NO_OAUTH_HTTP: LocalStack as it is: PASCAL, with OAuth HTTP parameters not
      kept at all.
    """

    SNAKE = "snake"
    PASCAL = "pascal"
    PASCAL_NO_OAUTH_HTTP = "pascal-no-oauth-http"

    @classmethod
    def named(cls, name: str) -> SecretLayout:
        try:
            return cls(name)
        except ValueError:
            choices = ", ".join(layout.value for layout in cls)
            raise ValueError(f"unknown managed secret layout {name!r} (one of: {choices})") from None


def managed_secret_json(
    authorization_type: str, auth: dict[str, Any], layout: SecretLayout = SecretLayout.SNAKE
) -> str:
    """The SecretString EventBridge keeps in the connection's managed secret.

    Flat snake_case per auth type, plus the HTTP parameter blocks (AWS
    recording noted in shared AWS-NOTES.md), whose lists are spelled as `layout`
    says. moto writes OAuth as a nested "client_parameters" and
    "o_auth_http_parameters" (a camel-to-snake slip), and never rewrites the
    secret on update.
    """
    secret: dict[str, Any] = {}
    if authorization_type == "BASIC":
        basic = auth.get("BasicAuthParameters") or {}
        secret.update(username=basic.get("Username"), password=basic.get("Password"))
    elif authorization_type == "API_KEY":
        api_key = auth.get("ApiKeyAuthParameters") or {}
        secret.update(api_key_name=api_key.get("ApiKeyName"), api_key_value=api_key.get("ApiKeyValue"))
    elif authorization_type == "OAUTH_CLIENT_CREDENTIALS":
        oauth = auth.get("OAuthParameters") or {}
        client = oauth.get("ClientParameters") or {}
        secret.update(
            client_id=client.get("ClientID"),
            client_secret=client.get("ClientSecret"),
            authorization_endpoint=oauth.get("AuthorizationEndpoint"),
            http_method=oauth.get("HttpMethod"),
        )
        if oauth.get("OAuthHttpParameters") is not None and layout is not SecretLayout.PASCAL_NO_OAUTH_HTTP:
            secret["oauth_http_parameters"] = _http_parameters_json(oauth["OAuthHttpParameters"], layout)
    if auth.get("InvocationHttpParameters") is not None:
        secret["invocation_http_parameters"] = _http_parameters_json(auth["InvocationHttpParameters"], layout)
    return json.dumps(secret)


def _http_parameters_json(block: dict[str, Any], layout: SecretLayout) -> dict[str, Any]:
    if layout is not SecretLayout.SNAKE:
        return copy.deepcopy(block)  # LocalStack stores the request's block as given
    out: dict[str, Any] = {}
    for member, key in _PARAMETER_LISTS:
        if block.get(member) is not None:
            out[key] = [
                {"key": p.get("Key"), "value": p.get("Value"), "is_value_secret": bool(p.get("IsValueSecret", False))}
                for p in block[member]
            ]
    return out


# --- 5/6. What DescribeConnection shows -------------------------------------------------


def described_auth_parameters(auth: dict[str, Any], association_arn: str) -> dict[str, Any]:
    """AuthParameters as DescribeConnection returns them: response shape only, no secret values."""
    with_association = copy.deepcopy(auth)
    connectivity = with_association.get("ConnectivityParameters")
    if connectivity is not None:
        with_association["ConnectivityParameters"] = described_connectivity(connectivity, association_arn)
    described: dict[str, Any] = project(with_association, shape("ConnectionAuthResponseParameters"))
    return strip_secret_parameter_values(described)


def strip_secret_parameter_values(auth: dict[str, Any]) -> dict[str, Any]:
    """Drop `Value` from parameters marked IsValueSecret.

    Unverified by an AWS document but observed (the Terraform provider copies
    such values from its state because AWS returns none); moto sends them back.
    """
    blocks = [auth.get("InvocationHttpParameters"), (auth.get("OAuthParameters") or {}).get("OAuthHttpParameters")]
    for block in blocks:
        for member, _ in _PARAMETER_LISTS:
            for parameter in (block or {}).get(member) or []:
                if parameter.get("IsValueSecret"):
                    parameter.pop("Value", None)
    return auth


def described_connectivity(requested: dict[str, Any], association_arn: str) -> dict[str, Any]:
    """ConnectivityResourceParameters (request) → DescribeConnectionConnectivityParameters (response).

    The response adds the VPC Lattice resource association EventBridge creates
    (botocore model, DescribeConnectionResourceParameters). moto drops the
    whole block.
    """
    resource = dict(requested.get("ResourceParameters") or {})
    resource["ResourceAssociationArn"] = association_arn
    return {"ResourceParameters": resource}


def association_arn(region: str, account_id: str, connection_arn: str, purpose: str) -> str:
    # Stable per connection and purpose, in the form the model's pattern describes: snra- and 17 of [0-9a-z].
    digest = hashlib.sha256(f"{connection_arn}|{purpose}".encode()).hexdigest()[:17]
    return f"arn:aws:vpc-lattice:{region}:{account_id}:servicenetworkresourceassociation/snra-{digest}"


# --- 7. ListConnections pagination ------------------------------------------------------

DEFAULT_PAGE_SIZE = 100  # AWS documents no default; its maximum keeps clients honest about NextToken.


def page_after(token: str | None) -> str:
    """The name a NextToken continues after; tokens are opaque to clients."""
    if not token:
        return ""
    try:
        decoded = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith("after:"):
        raise AwsError("ValidationException", "The NextToken provided is invalid.")
    return decoded[len("after:") :]


def next_token(last_name: str) -> str:
    return base64.urlsafe_b64encode(f"after:{last_name}".encode()).decode()
