"""The quick validator (validate/quick.py) never calls a spec valid that jsonschema rejects,
and does call the valid ones valid (or it would save nothing)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import Secrets, _wrong_types, valid_spec

from reconciler.model import API_DESTINATION, CONNECTION
from reconciler.spec_schema import definition
from reconciler.validate.quick import QuickValidator
from reconciler.validate.schema_problems import _validator

# What validate/schema_problems.py runs: each type's definition on its own.
QUICK = QuickValidator(definition(CONNECTION))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _jsonschema_ok(body: Any) -> bool:
    return not list(_validator().iter_errors(body))


@st.composite
def _specs(draw: st.DrawFn) -> dict[str, Any]:
    return draw(valid_spec(draw(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)), Secrets()))


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    """A valid spec with one change: a node of another type, a key dropped or added, a string grown or bent."""
    spec = draw(_specs())
    kind = draw(st.sampled_from(["type", "drop", "add", "string"]))
    if kind == "type":
        return _wrong_types(spec, draw)
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, item in node.items():
                walk(item, path + (key,))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, path + (index,))

    walk(spec, ())
    path = draw(st.sampled_from(paths))
    parent: Any = spec
    for part in path[:-1]:
        parent = parent[part]
    if kind == "drop" and path and isinstance(parent, dict):
        del parent[path[-1]]
    elif kind == "add":
        target = parent[path[-1]] if path else spec
        if isinstance(target, dict):
            target[
                draw(
                    st.sampled_from(
                        ["Extra", "Name", "Value", "IsValueSecret", "BasicAuthParameters", "OAuthParameters"]
                    )
                )
            ] = draw(st.one_of(st.text(max_size=5), st.booleans(), st.none(), st.just({})))
    elif kind == "string" and path and isinstance(parent[path[-1]], str):
        parent[path[-1]] = draw(
            st.sampled_from([parent[path[-1]] * 600, parent[path[-1]] + "\n", "", "x:y", "\x00", " ", "é" * 3])
        )
    return spec


@SETTINGS
@given(_specs())
def test_valid_specs_are_quickly_valid(spec: dict[str, Any]) -> None:
    assert _jsonschema_ok(spec)
    assert QUICK.is_valid(spec) is True


@SETTINGS
@given(_mutated())
def test_never_valid_where_jsonschema_finds_an_error(spec: Any) -> None:
    if QUICK.is_valid(spec):
        assert _jsonschema_ok(spec)


VALID = {
    "Name": "orders",
    "AuthorizationType": "API_KEY",
    "AuthParameters": {
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "{{resolve:secretsmanager:prod/key}}"}
    },
}


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(Name="bad name"),
        lambda s: s.update(Name="trailing\n"),
        lambda s: s.update(Name="x" * 65),
        lambda s: s.update(AuthorizationType="TOKEN"),
        lambda s: s.update(AuthorizationType=True),
        lambda s: s.update(Description=1),
        lambda s: s.update(Extra=1),
        lambda s: s.pop("AuthParameters"),
        lambda s: s["AuthParameters"].update(
            BasicAuthParameters={"Username": "u", "Password": "{{resolve:secretsmanager:p}}"}
        ),
        lambda s: s["AuthParameters"]["ApiKeyAuthParameters"].update(ApiKeyName="a:b"),
        lambda s: s["AuthParameters"].update(InvocationHttpParameters={"HeaderParameters": [{"Key": "k"}]}),
        lambda s: s["AuthParameters"].update(
            InvocationHttpParameters={"HeaderParameters": [{"Key": "k", "Value": "v", "IsValueSecret": "yes"}]}
        ),
        lambda s: s["AuthParameters"].update(
            InvocationHttpParameters={"QueryStringParameters": [{"Key": "k", "Value": "v"}] * 101}
        ),
    ],
    ids=[
        "pattern",
        "newline",
        "maxLength",
        "enum",
        "enum-bool",
        "type",
        "additional",
        "required",
        "auth-rule",
        "colon",
        "item-required",
        "item-type",
        "maxItems",
    ],
)
def test_each_rule_sends_the_spec_to_jsonschema(change: Any) -> None:
    assert QUICK.is_valid(VALID) is True
    spec = copy.deepcopy(VALID)
    change(spec)
    assert QUICK.is_valid(spec) is None
    assert not _jsonschema_ok(spec)


def test_a_keyword_it_does_not_know_is_left_to_jsonschema() -> None:
    assert (
        QuickValidator({"type": "object", "patternProperties": {"^x": {"type": "string"}}}).is_valid({"x": 1}) is None
    )
    assert QuickValidator({"$ref": "https://example.com/other.json"}).is_valid({}) is None
    assert QuickValidator({"uniqueItems": True}).is_valid([1, 1]) is None


def test_a_schema_it_cannot_compile_sends_every_spec_to_jsonschema() -> None:
    quick = QuickValidator({"type": "object", "compile": True, "properties": {"Name": {"type": "string"}}})
    assert quick.is_valid({"Name": "x"}) is None


def test_a_schema_that_refers_to_itself() -> None:
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
            }
        },
        "$ref": "#/$defs/node",
    }
    quick = QuickValidator(tree)
    assert quick.is_valid({"name": "a", "children": [{"name": "b", "children": []}]}) is True
    assert quick.is_valid({"name": "a", "children": [{"name": 1}]}) is None


# --- API destinations ----------------------------------------------------------------------

DESTINATION_QUICK = QuickValidator(definition(API_DESTINATION))
DESTINATION = {
    "Type": API_DESTINATION,
    "Name": "stripe-webhooks",
    "Description": "Stripe events",
    "Connection": "stripe",
    "InvocationEndpoint": "https://api.example.com/stripe/*",
    "HttpMethod": "POST",
    "InvocationRateLimitPerSecond": 20,
}


def _destination_ok(body: Any) -> bool:
    return not list(_validator(API_DESTINATION).iter_errors(body))


@st.composite
def _destinations(draw: st.DrawFn) -> dict[str, Any]:
    spec = dict(DESTINATION, Name=draw(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)))
    if draw(st.booleans()):
        del spec["Connection"]
        spec["ConnectionArn"] = "arn:aws:events:us-east-1:123456789012:connection/stripe/0a1b2c3d"
    for optional in ("Description", "InvocationRateLimitPerSecond"):
        if draw(st.booleans()):
            del spec[optional]
    return spec


@st.composite
def _mutated_destinations(draw: st.DrawFn) -> Any:
    spec = draw(_destinations())
    key = draw(st.sampled_from([*DESTINATION, "ConnectionArn", "AuthorizationType"]))
    spec[key] = draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-2, 2),
            st.floats(allow_nan=False),
            st.text(max_size=5),
            st.just("x" * 2049),
            st.just(DESTINATION.get(key, "")),
        )
    )
    if draw(st.booleans()):
        spec.pop(draw(st.sampled_from(sorted(spec))))
    return spec


@SETTINGS
@given(_destinations())
def test_valid_destinations_are_quickly_valid(spec: dict[str, Any]) -> None:
    assert _destination_ok(spec)
    assert DESTINATION_QUICK.is_valid(spec) is True


@SETTINGS
@given(_mutated_destinations())
def test_never_a_valid_destination_where_jsonschema_finds_an_error(spec: Any) -> None:
    if DESTINATION_QUICK.is_valid(spec):
        assert _destination_ok(spec)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.update(ConnectionArn="arn:aws:events:us-east-1:123456789012:connection/x/y"),
        lambda s: s.pop("Connection"),
        lambda s: s.update(InvocationRateLimitPerSecond=0),
        lambda s: s.update(InvocationRateLimitPerSecond=20.0),
        lambda s: s.update(InvocationRateLimitPerSecond=True),
        lambda s: s.update(HttpMethod="FETCH"),
        lambda s: s.update(Connection="bad name"),
        lambda s: s.update(AuthorizationType="API_KEY"),
    ],
    ids=["both", "neither", "minimum", "float", "bool", "enum", "pattern", "additional"],
)
def test_each_destination_rule_sends_the_spec_to_jsonschema(change: Any) -> None:
    assert DESTINATION_QUICK.is_valid(DESTINATION) is True
    spec = copy.deepcopy(DESTINATION)
    change(spec)
    assert DESTINATION_QUICK.is_valid(spec) is None
    assert not _destination_ok(spec)
