"""The API destination definition against botocore's model, and the published schema (one
document, if/then/else on `Type`) deciding as reconcile's per-type validation does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.loaders import Loader
from jsonschema import Draft202012Validator
from test_schema_model import Shapes, compare, update_differences

from reconciler.model import API_DESTINATION, CONNECTION, Spec
from reconciler.spec_schema import load_schema
from reconciler.validate.schema_problems import schema_problems


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    model: dict[str, Any] = Loader().load_service_model("events", "service-2")
    model_shapes: Shapes = model["shapes"]
    return model_shapes


def test_destination_definition_matches_create_api_destination_model(shapes: Shapes) -> None:
    schema = load_schema()
    destination = schema["$defs"]["ApiDestination"]
    # The two deliberate differences: `Connection` is reconcile's (a name it turns into the
    # ARN), so ConnectionArn is required only without it (the ConnectionOrArn rule below).
    assert list(compare(shapes, "CreateApiDestinationRequest", schema, destination, ())) == [
        "Connection: not a member of model shape CreateApiDestinationRequest",
        "<document>: model requires ['ConnectionArn'], schema does not",
    ]
    assert destination["allOf"] == [{"$ref": "#/$defs/ConnectionOrArn"}]
    assert destination["properties"]["InvocationRateLimitPerSecond"]["description"].endswith(
        "Absent means the AWS default, 300."
    )


def test_connection_key_has_the_constraints_of_a_connection_name() -> None:
    defs = load_schema()["$defs"]
    connection_key = dict(defs["ApiDestination"]["properties"]["Connection"])
    name = dict(defs["Connection"]["properties"]["Name"])
    for node in (connection_key, name):
        del node["description"], node["examples"]
    assert connection_key == name


def test_update_api_destination_shapes_have_create_constraints(shapes: Shapes) -> None:
    assert list(update_differences(shapes, "CreateApiDestinationRequest", "UpdateApiDestinationRequest", ())) == []


CONNECTION_BODY = {
    "Name": "stripe",
    "AuthorizationType": "API_KEY",
    "AuthParameters": {
        "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "{{resolve:secretsmanager:prod/stripe}}"}
    },
}
DESTINATION_BODY = {
    "Type": API_DESTINATION,
    "Name": "stripe-webhooks",
    "Connection": "stripe",
    "InvocationEndpoint": "https://api.example.com/stripe/*",
    "HttpMethod": "POST",
    "InvocationRateLimitPerSecond": 20,
}
ARN = "arn:aws:events:us-east-1:123456789012:connection/stripe/0a1b2c3d-4e5f"
SAMPLES = {
    "connection": (CONNECTION_BODY, True),
    "connection with Type": ({"Type": CONNECTION, **CONNECTION_BODY}, True),
    "destination with Connection": (DESTINATION_BODY, True),
    "destination with ConnectionArn": ({**DESTINATION_BODY, "Connection": None, "ConnectionArn": ARN}, True),
    "destination without optional keys": (
        {k: v for k, v in DESTINATION_BODY.items() if k != "InvocationRateLimitPerSecond"},
        True,
    ),
    "bad Type": ({**CONNECTION_BODY, "Type": "AWS::Events::Rule"}, False),
    "Type not a string": ({**CONNECTION_BODY, "Type": 1}, False),
    "destination with both": ({**DESTINATION_BODY, "ConnectionArn": ARN}, False),
    "destination with neither": ({**DESTINATION_BODY, "Connection": None}, False),
    "destination with a connection key": ({**DESTINATION_BODY, "AuthorizationType": "API_KEY"}, False),
    "connection with a destination key": ({**CONNECTION_BODY, "HttpMethod": "POST"}, False),
    "connection with Type ApiDestination": ({**CONNECTION_BODY, "Type": API_DESTINATION}, False),
    "destination without Type": ({k: v for k, v in DESTINATION_BODY.items() if k != "Type"}, False),
    "rate below 1": ({**DESTINATION_BODY, "InvocationRateLimitPerSecond": 0}, False),
}


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_published_schema_agrees_with_per_type_validation(case: str) -> None:
    body, valid = SAMPLES[case]
    body = {k: v for k, v in body.items() if v is not None}
    published = not list(Draft202012Validator(load_schema()).iter_errors(body))
    ours = not schema_problems(Spec(str(body.get("Name", "")), body, "x.yaml"))
    assert (published, ours) == (valid, valid)
