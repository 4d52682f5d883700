"""Where each secret value sits, for each auth type: the one table the rest derives from.

A spec and an API request name secrets alike (the CreateConnection/UpdateConnection
members, which are also CloudFormation's `AWS::Events::Connection` properties). The
managed secret names them in snake_case (AWS recording, shared AWS-NOTES.md "Recorded AWS
responses"). `reconcile import` writes each value under a JSON key of one secret per
connection. The botocore shape says what AWS accepts. Secret references (refs.py), the
managed-secret reader (managed.py), normalizing (diff/normalize.py), import
(importing/specs.py), the value checks (constraints.py), request building (apply/requests.py)
and a test of the JSON Schema read this table; none spells the layout out again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FixedSecret:
    """The one secret every connection of an auth type has."""

    auth_type: str
    spec_path: tuple[str, ...]  # in a spec and in the API request
    managed_key: str  # top-level key in the managed secret (recorded)
    import_key: str  # JSON key in the secret `reconcile import` writes
    shape: tuple[str, str]  # botocore structure and member that say what AWS accepts

    @property
    def block(self) -> str:
        """The auth block that holds it, e.g. ApiKeyAuthParameters."""
        return self.spec_path[1]


FIXED: tuple[FixedSecret, ...] = (
    FixedSecret(
        "API_KEY",
        ("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"),
        "api_key_value",
        "api_key_value",
        ("CreateConnectionApiKeyAuthRequestParameters", "ApiKeyValue"),
    ),
    FixedSecret(
        "BASIC",
        ("AuthParameters", "BasicAuthParameters", "Password"),
        "password",
        "password",
        ("CreateConnectionBasicAuthRequestParameters", "Password"),
    ),
    FixedSecret(
        "OAUTH_CLIENT_CREDENTIALS",
        ("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret"),
        "client_secret",
        "client_secret",
        ("CreateConnectionOAuthClientRequestParameters", "ClientSecret"),
    ),
)


@dataclass(frozen=True)
class ParameterBlock:
    """HTTP parameters whose values may be secret (IsValueSecret: true)."""

    spec_path: tuple[str, ...]
    managed_key: str  # its snake_case name in the managed secret (the spelling inside is unverified)
    import_prefix: str  # prefix of the JSON keys `reconcile import` writes for its secret values


PARAMETER_BLOCKS: tuple[ParameterBlock, ...] = (
    ParameterBlock(("AuthParameters", "InvocationHttpParameters"), "invocation_http_parameters", ""),
    ParameterBlock(("AuthParameters", "OAuthParameters", "OAuthHttpParameters"), "oauth_http_parameters", "oauth_"),
)


@dataclass(frozen=True)
class ParameterList:
    name: str
    managed_key: str
    import_prefix: str
    shape: tuple[str, str]  # botocore structure and member of a parameter's value


PARAMETER_LIST_LAYOUT: tuple[ParameterList, ...] = (
    ParameterList("HeaderParameters", "header_parameters", "header", ("ConnectionHeaderParameter", "Value")),
    ParameterList(
        "QueryStringParameters", "query_string_parameters", "query", ("ConnectionQueryStringParameter", "Value")
    ),
    ParameterList("BodyParameters", "body_parameters", "body", ("ConnectionBodyParameter", "Value")),
)
PARAMETER_LISTS: tuple[str, ...] = tuple(p.name for p in PARAMETER_LIST_LAYOUT)

# A parameter's members: spec and request spelling → snake_case spelling.
PARAMETER_MEMBERS = {"Key": "key", "Value": "value", "IsValueSecret": "is_value_secret"}

# Every name the managed secret may spell in snake_case, by its spec spelling.
SNAKE_CASE: dict[str, str] = {
    **{b.spec_path[-1]: b.managed_key for b in PARAMETER_BLOCKS},
    **{p.name: p.managed_key for p in PARAMETER_LIST_LAYOUT},
    **PARAMETER_MEMBERS,
}
