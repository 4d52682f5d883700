"""IgnoreChanges in the update requests (apply/requests.py) and the rules in force (diff/ignore.py):
pure functions, no AWS."""

from __future__ import annotations

from typing import Any

from reconciler.apply.requests import destination_request, update_request
from reconciler.diff.ignore import Rules
from reconciler.model import API_DESTINATION, CONNECTION, Live, Spec
from reconciler.plan.build import plan_connection
from reconciler.secrets.desired import DesiredSecrets

NO_SECRETS = DesiredSecrets({}, {})
ARN = "arn:aws:events:us-east-1:123456789012:connection/crm/0a1b2c3d"


def oauth(**extra: Any) -> dict[str, Any]:
    return {
        "Name": "crm",
        "Description": "CRM",
        "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
        "AuthParameters": {
            "OAuthParameters": {
                "AuthorizationEndpoint": "https://login.example.com/token",
                "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "app", "ClientSecret": "{{resolve:secretsmanager:prod/crm}}"},
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read"}]},
            },
            "InvocationHttpParameters": {
                "HeaderParameters": [
                    {"Key": "X-Env", "Value": "prod"},
                    {"Key": "X-Token", "Value": "{{resolve:secretsmanager:prod/t}}", "IsValueSecret": True},
                ]
            },
        },
        **extra,
    }


LIVE = {
    "Name": "crm",
    "AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
    "KmsKeyIdentifier": "alias/other-tool",
    "InvocationConnectivityParameters": {
        "ResourceParameters": {"ResourceConfigurationArn": "arn:rc", "ResourceAssociationArn": "arn:assoc"}
    },
    "AuthParameters": {
        "OAuthParameters": {
            "AuthorizationEndpoint": "https://login.example.com/v2/token",
            "HttpMethod": "POST",
            "ClientParameters": {"ClientID": "app"},
            "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "write", "IsValueSecret": False}]},
        },
        "InvocationHttpParameters": {
            "HeaderParameters": [
                {"Key": "X-Trace", "Value": "on", "IsValueSecret": False},
                {"Key": "X-Env", "Value": "staging", "IsValueSecret": False},
                {"Key": "X-Other-Token", "IsValueSecret": True},  # withheld by DescribeConnection
            ]
        },
    },
}


def request(ignore: list[str], body: dict[str, Any] | None = None) -> dict[str, Any]:
    return update_request(Spec("crm", body or oauth(), "crm.yaml"), NO_SECRETS, Live(LIVE), ignore)


def headers(req: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted(
        (h["Key"], h.get("Value")) for h in req["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    )


def test_without_ignore_the_update_sends_the_spec_and_clears_what_it_leaves_out() -> None:
    req = request([])
    assert req["Description"] == "CRM" and req["KmsKeyIdentifier"] == ""
    assert req["InvocationConnectivityParameters"] == {"ResourceParameters": {"ResourceConfigurationArn": ""}}
    assert headers(req) == [("X-Env", "prod"), ("X-Token", "{{resolve:secretsmanager:prod/t}}")]


def test_ignored_fields_are_sent_as_they_are_live_and_left_out_where_live_has_none() -> None:
    req = request(["Description", "KmsKeyIdentifier", "InvocationConnectivityParameters"])
    assert "Description" not in req  # live has none: nothing to keep, nothing written
    assert req["KmsKeyIdentifier"] == "alias/other-tool"
    # Only the member the request shape has: DescribeConnection adds ResourceAssociationArn.
    assert req["InvocationConnectivityParameters"] == {"ResourceParameters": {"ResourceConfigurationArn": "arn:rc"}}
    assert "IgnoreChanges" not in request([], oauth(IgnoreChanges=["Description"]))


def test_an_ignored_list_is_live_s_but_secret_parameters_stay_as_the_spec_says() -> None:
    req = request(["AuthParameters.InvocationHttpParameters"])
    # X-Token is secret in the spec: written as the spec says. X-Other-Token is secret live and its
    # value is withheld: no value to send, so it goes (the plan shows that removal, not ignored).
    assert headers(req) == [("X-Env", "staging"), ("X-Token", "{{resolve:secretsmanager:prod/t}}"), ("X-Trace", "on")]
    assert req["AuthParameters"]["InvocationHttpParameters"]["QueryStringParameters"] == []


def test_one_ignored_parameter_by_key() -> None:
    req = request(["AuthParameters.InvocationHttpParameters.HeaderParameters[X-Trace]"])
    assert headers(req) == [("X-Env", "prod"), ("X-Token", "{{resolve:secretsmanager:prod/t}}"), ("X-Trace", "on")]


def test_oauth_fields_inside_the_auth_block() -> None:
    req = request(
        ["AuthParameters.OAuthParameters.OAuthHttpParameters", "AuthParameters.OAuthParameters.AuthorizationEndpoint"]
    )
    block = req["AuthParameters"]["OAuthParameters"]
    assert block["OAuthHttpParameters"]["BodyParameters"] == [
        {"Key": "scope", "Value": "write", "IsValueSecret": False}
    ]
    assert block["AuthorizationEndpoint"] == "https://login.example.com/v2/token"
    assert block["ClientParameters"]["ClientSecret"] == "{{resolve:secretsmanager:prod/crm}}"


def test_a_path_inside_an_auth_block_holds_only_while_live_has_the_same_type() -> None:
    rules = Rules.of(
        {"IgnoreChanges": ["AuthParameters.ApiKeyAuthParameters.ApiKeyName", "Description"]},
        CONNECTION,
        ["InvocationRateLimitPerSecond", "KmsKeyIdentifier"],
    )
    assert rules.paths == (
        "AuthParameters.ApiKeyAuthParameters.ApiKeyName",
        "Description",
        "KmsKeyIdentifier",
    )  # the destination-only path from reconcile.yaml does not apply to a connection
    spec = {"AuthorizationType": "API_KEY"}
    assert rules.in_force(spec, {"AuthorizationType": "API_KEY"}) == rules.paths
    assert rules.in_force(spec, {"AuthorizationType": "BASIC"}) == ("Description", "KmsKeyIdentifier")
    assert rules.in_force(spec, None) == ()


def test_destination_update_keeps_ignored_fields_as_live_has_them() -> None:
    body = {
        "Type": API_DESTINATION,
        "Name": "hook",
        "Connection": "crm",
        "InvocationEndpoint": "https://api.example.com/",
        "HttpMethod": "POST",
        "IgnoreChanges": ["InvocationRateLimitPerSecond", "Description"],
    }
    live = {"Name": "hook", "InvocationRateLimitPerSecond": 75, "ConnectionArn": ARN}
    spec = Spec("hook", body, "crm.yaml")
    updated = destination_request(spec, ARN, True, ["InvocationRateLimitPerSecond", "Description"], live)
    assert updated == {
        "Name": "hook",
        "ConnectionArn": ARN,
        "InvocationEndpoint": "https://api.example.com/",
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 75,
    }
    created = destination_request(spec, ARN, False)
    assert created["InvocationRateLimitPerSecond"] == 300 and "IgnoreChanges" not in created


def _planned(live: dict[str, Any]) -> tuple[list[str], list[str]]:
    body = {
        "Name": "stripe",
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "{{resolve:x}}"}},
        "IgnoreChanges": ["AuthParameters.ApiKeyAuthParameters.ApiKeyName"],
    }
    plan = plan_connection(Spec("stripe", body, "s.yaml"), Live(live), NO_SECRETS, None, lambda _: None)
    return [c.path for c in plan.changes], plan.ignored


def test_the_planner_ignores_an_auth_field_only_while_the_type_holds() -> None:
    same = {"AuthorizationType": "API_KEY", "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-key"}}}
    assert _planned(same) == ([], ["AuthParameters.ApiKeyAuthParameters.ApiKeyName"])
    # A type change sends the new block whole: its ApiKeyName is written, and shown as a change.
    other = {"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u"}}}
    changes, ignored = _planned(other)
    assert "AuthParameters.ApiKeyAuthParameters.ApiKeyName" in changes and ignored == []
