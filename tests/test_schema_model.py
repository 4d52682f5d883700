"""Cross-check schemas/connection.schema.json's Connection definition against botocore's EventBridge model.

The schema hand-copies the model's constraints so that editors and `reconcile validate`
reject what AWS would reject. These tests keep the copy honest when botocore changes.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.loaders import Loader
from jsonschema import Draft202012Validator, ValidationError

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "connection.schema.json"
SECRET_REFERENCE_REF = "#/$defs/SecretReference"

Path_ = tuple[str, ...]
Schema = Mapping[str, Any]
Shapes = Mapping[str, Mapping[str, Any]]

# The only schema properties allowed to differ from the model. A spec holds a
# `{{resolve:secretsmanager:...}}` reference for these, not the value AWS receives; the
# reference contains colons, which the model's pattern forbids, so the schema cannot carry
# the model's constraints. reconcile checks them on the resolved value instead.
SECRET_MEMBERS: frozenset[Path_] = frozenset(
    {
        ("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"),
        ("AuthParameters", "BasicAuthParameters", "Password"),
        ("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret"),
    }
)

# Keys of a spec that are reconcile's, not the model's: `Type` says which kind of document it is,
# `IgnoreChanges` which differences are neither drift nor written.
RECONCILE_MEMBERS: frozenset[Path_] = frozenset({("Type",), ("IgnoreChanges",)})

# Model traits this file knows how to compare; a new one (say, a "min" on a new kind of
# shape) fails loudly instead of being skipped.
KNOWN_MODEL_TRAITS = frozenset(
    {"type", "members", "member", "required", "documentation", "max", "min", "pattern", "enum", "sensitive"}
)
SCHEMA_TYPE_OF_MODEL_TYPE = {
    "structure": "object",
    "list": "array",
    "string": "string",
    "boolean": "boolean",
    "integer": "integer",
}
CONSTRAINT_KEYWORDS = ("minLength", "maxLength", "pattern", "enum", "minItems", "maxItems", "minimum", "maximum")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


@pytest.fixture(scope="module")
def shapes() -> Shapes:
    model: dict[str, Any] = Loader().load_service_model("events", "service-2")
    model_shapes: Shapes = model["shapes"]
    return model_shapes


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema)


def anchored(pattern: str) -> str:
    """The model pattern as a whole-string match: AWS matches whole values, JSON Schema searches."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern
    return f"^(?:{pattern})$"


# ECMAScript regexes in unicode mode (what editors and check-jsonschema apply to a schema's
# patterns) allow an escaped punctuation character only for the syntax characters; `\-` is
# valid inside a class only (ECMA-262, "Patterns": IdentityEscape, ClassEscape).
ECMASCRIPT_SYNTAX = frozenset("^$\\.*+?()[]{}|/")


def ecmascript(pattern: str) -> str:
    """The pattern with every escape ECMAScript's unicode mode rejects written as the plain
    character: outside a class, an escaped punctuation character other than a syntax one is
    that character in Python's re too, so the meaning is the same."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if in_class or escaped.isalnum() or escaped in ECMASCRIPT_SYNTAX:
                out.append(pattern[i : i + 2])
            else:
                out.append(escaped)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def resolve(root: Schema, node: Schema) -> dict[str, Any]:
    """Follow a local `$ref`, keeping sibling keywords (2020-12 applies both)."""
    if "$ref" not in node:
        return dict(node)
    ref = node["$ref"]
    assert ref.startswith("#/"), f"only local references are expected, got {ref}"
    target: Any = root
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    merged = resolve(root, target)
    for key, value in node.items():
        if key == "$ref":
            continue
        # A sibling constraint would be ANDed with the target's; flattening would hide that.
        assert key not in CONSTRAINT_KEYWORDS or key not in merged, f"{ref}: {key} set on both sides"
        merged[key] = value
    return merged


def name(path: Path_) -> str:
    return ".".join(path) or "<document>"


def compare(shapes: Shapes, shape_name: str, root: Schema, node: Schema, path: Path_) -> Iterator[str]:
    """Yield one message per difference between a model shape and the schema node for it."""
    shape = shapes[shape_name]
    unknown = set(shape) - KNOWN_MODEL_TRAITS
    if unknown:
        yield f"{name(path)}: model shape {shape_name} has traits this test does not compare: {sorted(unknown)}"

    if path in SECRET_MEMBERS:
        if node.get("$ref") != SECRET_REFERENCE_REF or node.get("type") != "string":
            yield f"{name(path)}: secret field must be a string with $ref {SECRET_REFERENCE_REF}"
        for keyword in CONSTRAINT_KEYWORDS:
            if keyword in node:
                yield f"{name(path)}: secret field must not carry {keyword}; it applies to the resolved value"
        return

    node = resolve(root, node)
    expected_type = SCHEMA_TYPE_OF_MODEL_TYPE.get(shape["type"])
    if expected_type is None:
        yield f"{name(path)}: model type {shape['type']!r} ({shape_name}) is not handled by this test"
        return
    if node.get("type") != expected_type:
        yield f"{name(path)}: type {node.get('type')!r}, model {shape_name} is {shape['type']}"
        return

    if shape["type"] == "structure":
        yield from compare_structure(shapes, shape_name, root, node, path)
    elif shape["type"] == "list":
        yield from compare_value(node, "minItems", shape.get("min"), path)
        yield from compare_value(node, "maxItems", shape.get("max"), path)
        items = node.get("items")
        if not isinstance(items, Mapping):
            yield f"{name(path)}: list without an items schema"
        else:
            yield from compare(shapes, shape["member"]["shape"], root, items, path + ("[]",))
    elif shape["type"] == "string":
        yield from compare_value(node, "minLength", shape.get("min"), path)
        yield from compare_value(node, "maxLength", shape.get("max"), path)
        pattern = shape.get("pattern")
        yield from compare_value(node, "pattern", None if pattern is None else ecmascript(anchored(pattern)), path)
        yield from compare_value(node, "enum", shape.get("enum"), path)
    elif shape["type"] == "integer":
        yield from compare_value(node, "minimum", shape.get("min"), path)
        yield from compare_value(node, "maximum", shape.get("max"), path)


def compare_structure(shapes: Shapes, shape_name: str, root: Schema, node: Schema, path: Path_) -> Iterator[str]:
    members: Mapping[str, Any] = shapes[shape_name]["members"]
    properties: Mapping[str, Any] = node.get("properties", {})
    if node.get("additionalProperties") is not False:
        yield f"{name(path)}: additionalProperties must be false so unknown keys are errors"
    for invented in sorted(set(properties) - set(members)):
        if path + (invented,) in RECONCILE_MEMBERS:
            continue
        yield f"{name(path + (invented,))}: not a member of model shape {shape_name}"
    missing_required = set(shapes[shape_name].get("required", [])) - set(node.get("required", []))
    if missing_required:
        yield f"{name(path)}: model requires {sorted(missing_required)}, schema does not"
    for member, ref in members.items():
        if member not in properties:
            yield f"{name(path + (member,))}: model member missing from schema"
        else:
            yield from compare(shapes, ref["shape"], root, properties[member], path + (member,))


def compare_value(node: Schema, keyword: str, expected: object, path: Path_) -> Iterator[str]:
    if node.get(keyword) != expected:
        yield f"{name(path)}: {keyword} is {node.get(keyword)!r}, model says {expected!r}"


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_matches_create_connection_model(schema: dict[str, Any], shapes: Shapes) -> None:
    connection = schema["$defs"]["Connection"]
    assert list(compare(shapes, "CreateConnectionRequest", schema, connection, ())) == []


def test_compare_reports_planted_drift(schema: dict[str, Any], shapes: Shapes) -> None:
    # An always-empty comparison would pass too; prove it sees each kind of drift.
    drifted = copy.deepcopy(schema)
    drifted["$defs"]["Connection"]["properties"]["Name"]["maxLength"] = 65
    drifted["$defs"]["Connection"]["properties"]["Region"] = {"type": "string"}
    del drifted["$defs"]["HttpParameters"]["properties"]["HeaderParameters"]["maxItems"]
    del drifted["$defs"]["AuthParameters"]["properties"]["ApiKeyAuthParameters"]["properties"]["ApiKeyValue"]["$ref"]
    assert list(compare(shapes, "CreateConnectionRequest", drifted, drifted["$defs"]["Connection"], ())) == [
        "Region: not a member of model shape CreateConnectionRequest",
        "Name: maxLength is 65, model says 64",
        "AuthParameters.OAuthParameters.OAuthHttpParameters.HeaderParameters: maxItems is None, model says 100",
        (
            "AuthParameters.ApiKeyAuthParameters.ApiKeyValue: "
            "secret field must be a string with $ref #/$defs/SecretReference"
        ),
        "AuthParameters.InvocationHttpParameters.HeaderParameters: maxItems is None, model says 100",
    ]


def test_secret_members_exist_and_are_sensitive_in_model(shapes: Shapes) -> None:
    # Guards the exception list itself: a renamed or moved member must not leave a stale entry.
    for path in sorted(SECRET_MEMBERS):
        shape = shapes["CreateConnectionRequest"]
        for member in path:
            shape = shapes[shape["members"][member]["shape"]]
        assert shape.get("sensitive") is True, name(path)


def test_schema_patterns_compile_with_python_re(schema: dict[str, Any]) -> None:
    def patterns(node: Any) -> Iterator[str]:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    yield value
                else:
                    yield from patterns(value)
        elif isinstance(node, list):
            for item in node:
                yield from patterns(item)

    found = list(patterns(schema))
    assert found
    for pattern in found:
        re.compile(pattern)


def test_ecmascript_rewrites_only_escapes_outside_a_class() -> None:
    assert ecmascript(r"^arn:aws([a-z]|\-)*:x\/[\.\-_a-z]+\d\x26$") == r"^arn:aws([a-z]|-)*:x\/[\.\-_a-z]+\d\x26$"


def parsed(pattern: str) -> str:
    """Python's parse of a pattern, as re.DEBUG prints it (a DEBUG compile is never cached)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        re.compile(pattern, re.DEBUG)
    return out.getvalue()


def test_ecmascript_forms_of_the_model_patterns_mean_the_same(shapes: Shapes) -> None:
    patterns = {shape["pattern"] for shape in shapes.values() if "pattern" in shape}
    rewritten = {p for p in patterns if ecmascript(p) != p}
    assert rewritten  # the ConnectionArn pattern, at least
    assert [p for p in rewritten if parsed(p) != parsed(ecmascript(p))] == []


def update_differences(shapes: Shapes, create: str, update: str, path: Path_) -> Iterator[str]:
    """Where Create and Update shapes share a member, their constraints must agree."""
    c, u = shapes[create], shapes[update]
    for trait in ("type", "min", "max", "pattern", "enum"):
        if c.get(trait) != u.get(trait):
            yield f"{name(path)}: {trait} Create {c.get(trait)!r} != Update {u.get(trait)!r}"
    if c["type"] == "structure" and u["type"] == "structure":
        stricter = set(u.get("required", [])) - set(c.get("required", []))
        if stricter:
            yield f"{name(path)}: Update requires {sorted(stricter)}, Create does not"
        for member, ref in u["members"].items():
            if member not in c["members"]:
                # The schema follows Create, so it could not describe this member at all.
                yield f"{name(path + (member,))}: only in Update"
            else:
                yield from update_differences(shapes, c["members"][member]["shape"], ref["shape"], path + (member,))
    elif c["type"] == "list" and u["type"] == "list":
        yield from update_differences(shapes, c["member"]["shape"], u["member"]["shape"], path + ("[]",))


def test_update_connection_shapes_have_create_constraints(shapes: Shapes) -> None:
    assert list(update_differences(shapes, "CreateConnectionRequest", "UpdateConnectionRequest", ())) == []


# --- sample documents ---------------------------------------------------------------

GOOD_API_KEY = """
Name: orders-api
Description: Orders service, production
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{resolve:secretsmanager:prod/orders-api:SecretString:api_key}}"
  InvocationHttpParameters:
    HeaderParameters:
      - Key: x-tenant-id
        Value: acme
KmsKeyIdentifier: alias/eventbridge-connections
"""

# Split only to keep the source lines short: the YAML text is one string.
GOOD_OAUTH = (
    """
Name: partner.billing_prod
AuthorizationType: OAUTH_CLIENT_CREDENTIALS
AuthParameters:
  OAuthParameters:
    AuthorizationEndpoint: https://auth.example.com/oauth2/token
    HttpMethod: POST
    ClientParameters:
      ClientID: reconcile-prod
      ClientSecret: "{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:"""
    """prod/partner-AbCdEf:SecretString:client_secret::}}"
    OAuthHttpParameters:
      HeaderParameters:
        - Key: x-partner-token
          Value: "{{resolve:secretsmanager:prod/partner:SecretString:token}}"
          IsValueSecret: true
      QueryStringParameters:
        - Key: scope
          Value: billing.read billing.write
      BodyParameters:
        - Key: grant_type
          Value: client_credentials
          IsValueSecret: false
"""
)

GOOD_PRIVATE_BASIC = """
Name: internal-ledger
AuthorizationType: BASIC
AuthParameters:
  BasicAuthParameters:
    Username: eventbridge
    Password: "{{resolve:secretsmanager:prod/ledger:SecretString:password:AWSCURRENT}}"
InvocationConnectivityParameters:
  ResourceParameters:
    ResourceConfigurationArn: arn:aws:vpc-lattice:eu-west-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0
"""


def load(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def errors(validator: Draft202012Validator, document: object) -> list[tuple[str, list[str | int]]]:
    """(keyword, instance path) per error; a false subschema reports keyword "false"."""
    found = [(error_keyword(e), list(e.absolute_path)) for e in validator.iter_errors(document)]
    return sorted(found, key=repr)


def error_keyword(error: ValidationError) -> str:
    return "false" if error.validator is None else str(error.validator)


@pytest.mark.parametrize("text", [GOOD_API_KEY, GOOD_OAUTH, GOOD_PRIVATE_BASIC], ids=["api-key", "oauth", "basic"])
def test_good_documents_validate(validator: Draft202012Validator, text: str) -> None:
    assert errors(validator, load(text)) == []


def test_unknown_key_is_rejected(validator: Draft202012Validator) -> None:
    doc = load(GOOD_API_KEY)
    doc["AuthParameters"]["ApiKeyAuthParameters"]["ApiKeyHeader"] = "x"
    assert errors(validator, doc) == [("additionalProperties", ["AuthParameters", "ApiKeyAuthParameters"])]


def test_bad_enum_is_rejected(validator: Draft202012Validator) -> None:
    doc = load(GOOD_OAUTH)
    doc["AuthParameters"]["OAuthParameters"]["HttpMethod"] = "PATCH"
    assert errors(validator, doc) == [("enum", ["AuthParameters", "OAuthParameters", "HttpMethod"])]


def test_name_with_space_is_rejected(validator: Draft202012Validator) -> None:
    doc = load(GOOD_API_KEY)
    doc["Name"] = "orders api"
    assert errors(validator, doc) == [("pattern", ["Name"])]


def test_literal_secret_is_rejected(validator: Draft202012Validator) -> None:
    doc = load(GOOD_API_KEY)
    doc["AuthParameters"]["ApiKeyAuthParameters"]["ApiKeyValue"] = "sk-live-1234"
    assert errors(validator, doc) == [("pattern", ["AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"])]


def test_parameter_requires_key_and_value(validator: Draft202012Validator) -> None:
    doc = load(GOOD_API_KEY)
    doc["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"] = [{"Key": "x-empty"}]
    assert errors(validator, doc) == [
        ("required", ["AuthParameters", "InvocationHttpParameters", "HeaderParameters", 0])
    ]


def test_at_most_100_headers(validator: Draft202012Validator) -> None:
    doc = load(GOOD_API_KEY)
    headers = [{"Key": f"x-h{i}", "Value": "v"} for i in range(100)]
    doc["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"] = headers
    assert errors(validator, doc) == []

    too_many = copy.deepcopy(doc)
    too_many["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"].append({"Key": "x-h100", "Value": "v"})
    assert errors(validator, too_many) == [
        ("maxItems", ["AuthParameters", "InvocationHttpParameters", "HeaderParameters"])
    ]


def test_auth_block_must_match_authorization_type(validator: Draft202012Validator) -> None:
    doc = load(GOOD_PRIVATE_BASIC)
    doc["AuthorizationType"] = "API_KEY"
    # jsonschema 4.x does not add the property name to the path of an error from a `false`
    # subschema (Validator.descend returns before extending it), so the forbidden block is
    # reported at its parent; the error's instance is the forbidden block's value.
    assert errors(validator, doc) == [
        ("false", ["AuthParameters"]),
        ("required", ["AuthParameters"]),
    ]
    # The validator tells consistency errors from shape errors by this path.
    assert all("allOf" in e.schema_path for e in validator.iter_errors(doc))


def test_shape_errors_are_not_under_all_of(validator: Draft202012Validator) -> None:
    doc = load(GOOD_OAUTH)
    doc["Name"] = "has space"
    doc["AuthParameters"]["OAuthParameters"]["HttpMethod"] = "PATCH"
    assert not any("allOf" in e.schema_path for e in validator.iter_errors(doc))
