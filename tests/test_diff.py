"""normalize + compare are pure: both sides in, field changes out."""

from __future__ import annotations

from typing import Any

from reconciler.diff.compare import compare
from reconciler.diff.normalize import SECRET, comparable
from reconciler.model import FieldChange, Op

REF = "{{resolve:secretsmanager:prod/stripe}}"


def spec(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": "stripe",
        "Description": "Stripe",
        "AuthorizationType": "API_KEY",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": REF}},
    }
    body["AuthParameters"].update(extra)
    return body


def described(**extra: Any) -> dict[str, Any]:
    """What DescribeConnection returns: read-only fields, no secret values."""
    body: dict[str, Any] = {
        "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/stripe/1",
        "Name": "stripe",
        "Description": "Stripe",
        "ConnectionState": "AUTHORIZED",
        "AuthorizationType": "API_KEY",
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/stripe/1",
        "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}},
        "CreationTime": "2026-01-01",
        "LastModifiedTime": "2026-01-02",
    }
    body["AuthParameters"].update(extra)
    return body


def headers(*items: tuple[str, str, bool]) -> dict[str, Any]:
    out = []
    for key, value, secret in items:
        item: dict[str, Any] = {"Key": key, "IsValueSecret": secret}
        if not secret:
            item["Value"] = value
        out.append(item)
    return {"InvocationHttpParameters": {"HeaderParameters": out}}


def test_in_sync_ignores_read_only_fields_and_withheld_secrets() -> None:
    assert compare(comparable(described()), comparable(spec())) == []


def test_parameter_order_does_not_matter() -> None:
    live = described(**headers(("A", "1", False), ("B", "2", False)))
    want = spec(
        InvocationHttpParameters={
            "HeaderParameters": [{"Key": "B", "Value": "2"}, {"Key": "A", "Value": "1", "IsValueSecret": False}]
        }
    )
    assert compare(comparable(live), comparable(want)) == []


def test_a_repeated_key_is_its_own_entry_never_folded_into_the_first() -> None:
    body = {"BodyParameters": [{"Key": "a", "Value": "1"}]}
    # The live list repeats `a`, and also has a key that reads like the repeat's label.
    live = described(
        InvocationHttpParameters={
            "BodyParameters": [
                {"Key": "a", "Value": "1", "IsValueSecret": False},
                {"Key": "a (occurrence 2)", "Value": "1", "IsValueSecret": False},
                {"Key": "a", "Value": "1", "IsValueSecret": False},
            ]
        }
    )
    want = spec(
        InvocationHttpParameters={
            "BodyParameters": [*body["BodyParameters"], {"Key": "a (occurrence 2)", "Value": "1"}]
        }
    )
    assert compare(comparable(live), comparable(want)) == [
        FieldChange("AuthParameters.InvocationHttpParameters.BodyParameters[a (occurrence 2)]", Op.REMOVE, "1", None)
    ]
    assert (
        compare(comparable(described(InvocationHttpParameters=body)), comparable(spec(InvocationHttpParameters=body)))
        == []
    )


def test_empty_lists_and_description_equal_absent() -> None:
    live = described(InvocationHttpParameters={"HeaderParameters": [], "BodyParameters": []})
    live["Description"] = ""
    want = spec()
    del want["Description"]
    assert compare(comparable(live), comparable(want)) == []


def test_field_level_changes() -> None:
    live = described(**headers(("X-Old", "1", False), ("X-Env", "dev", False)))
    live["Description"] = "old"
    want = spec(
        InvocationHttpParameters={
            "HeaderParameters": [{"Key": "X-Env", "Value": "prod"}],
            "QueryStringParameters": [{"Key": "q", "Value": "v"}],
        }
    )
    assert compare(comparable(live), comparable(want)) == [
        FieldChange("AuthParameters.InvocationHttpParameters.HeaderParameters[X-Env].Value", Op.CHANGE, "dev", "prod"),
        FieldChange("AuthParameters.InvocationHttpParameters.HeaderParameters[X-Old]", Op.REMOVE, "1", None),
        FieldChange("AuthParameters.InvocationHttpParameters.QueryStringParameters[q]", Op.ADD, None, "v"),
        FieldChange("Description", Op.CHANGE, "old", "Stripe"),
    ]


def test_secret_parameter_is_masked_on_both_sides() -> None:
    # Some endpoints send IsValueSecret values back (moto does); it must not matter.
    live = described(
        InvocationHttpParameters={"HeaderParameters": [{"Key": "T", "Value": "leaked-value", "IsValueSecret": True}]}
    )
    want = spec(InvocationHttpParameters={"HeaderParameters": [{"Key": "T", "Value": REF, "IsValueSecret": True}]})
    assert comparable(live)["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]["T"]["Value"] == SECRET
    assert compare(comparable(live), comparable(want)) == []


def test_removed_secret_header_shows_masked() -> None:
    live = described(**headers(("T", "", True)))
    assert compare(comparable(live), comparable(spec())) == [
        FieldChange("AuthParameters.InvocationHttpParameters.HeaderParameters[T]", Op.REMOVE, SECRET, None),
    ]


def test_auth_type_change_replaces_the_block() -> None:
    want = {
        "Name": "stripe",
        "Description": "Stripe",
        "AuthorizationType": "BASIC",
        "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": REF}},
    }
    changes = compare(comparable(described()), comparable(want))
    assert [(c.path, c.op) for c in changes] == [
        ("AuthParameters.ApiKeyAuthParameters.ApiKeyName", Op.REMOVE),
        ("AuthParameters.ApiKeyAuthParameters.ApiKeyValue", Op.REMOVE),
        ("AuthParameters.BasicAuthParameters.Password", Op.ADD),
        ("AuthParameters.BasicAuthParameters.Username", Op.ADD),
        ("AuthorizationType", Op.CHANGE),
    ]


def test_connectivity_ignores_the_association_arn() -> None:
    arn = "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0"
    live = described()
    live["InvocationConnectivityParameters"] = {
        "ResourceParameters": {"ResourceConfigurationArn": arn, "ResourceAssociationArn": "arn:assoc"}
    }
    want = spec()
    want["InvocationConnectivityParameters"] = {"ResourceParameters": {"ResourceConfigurationArn": arn}}
    assert compare(comparable(live), comparable(want)) == []
