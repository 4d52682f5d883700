"""Planning is a pure function of specs and snapshot: these tests build snapshots by hand and
need no emulator (the read step that fills snapshots is tested through the CLI elsewhere)."""

from __future__ import annotations

from pathlib import Path

from reconciler.config import Target
from reconciler.model import Action, Live, Masked, ResourcePlan, Spec
from reconciler.pipeline import load_valid_specs
from reconciler.plan.destination import unconverged
from reconciler.plan.target import plan_target
from reconciler.secrets.desired import DesiredSecrets, ResolvedValue
from reconciler.secrets.managed import SlotId
from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import parse_reference
from reconciler.snapshot import Snapshot

KEY_SLOT: SlotId = ("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue")
TOKEN_SLOT: SlotId = ("AuthParameters", "InvocationHttpParameters", "HeaderParameters", "X-Token", "Value")
SPEC = """\
Name: stripe
AuthorizationType: API_KEY
AuthParameters:
  ApiKeyAuthParameters:
    ApiKeyName: x-api-key
    ApiKeyValue: "{{resolve:secretsmanager:prod/stripe}}"
  InvocationHttpParameters:
    HeaderParameters:
      - Key: X-Token
        Value: "{{resolve:secretsmanager:prod/token}}"
        IsValueSecret: true
"""


def _spec(tmp_path: Path) -> Spec:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "stripe.yaml").write_text(SPEC)
    return load_valid_specs(str(tmp_path / "c"))[0]


def _resolved(secret_id: str, version: str, value: str) -> ResolvedValue:
    return ResolvedValue(
        parse_reference(f"{{{{resolve:secretsmanager:{secret_id}}}}}"), version, f"arn:{secret_id}", Secret(value)
    )


def _live(headers: list[dict[str, object]]) -> Live:
    return Live(
        {
            "Name": "stripe",
            "AuthorizationType": "API_KEY",
            "ConnectionState": "AUTHORIZED",
            "SecretArn": "arn:managed",
            "AuthParameters": {
                "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"},
                "InvocationHttpParameters": {"HeaderParameters": headers},
            },
        }
    )


TOKEN_HEADER = [{"Key": "X-Token", "IsValueSecret": True}]


def _snapshot(
    live: Live | None,
    managed: dict[SlotId, Secret],
    previous: dict[tuple[str, str | None], tuple[str, Secret] | None],
    listing: list[dict[str, object]] | None = None,
    destinations: list[dict[str, object]] | None = None,
) -> Snapshot:
    desired = DesiredSecrets(
        {},
        {
            KEY_SLOT: _resolved("prod/stripe", "v2-version-id", "sentinel-key-2"),
            TOKEN_SLOT: _resolved("prod/token", "t1-version-id", "sentinel-token-1"),
        },
    )
    return Snapshot(
        {"stripe": live}, {"stripe": desired}, {"stripe": managed} if live else {}, previous, listing, destinations
    )


def _plan(tmp_path: Path, snapshot: Snapshot, target: Target | None = None) -> list[ResourcePlan]:
    return plan_target(
        target or Target("default"), [_spec(tmp_path)], snapshot, force_secrets=False, verify_secrets=True
    )


def test_a_rotated_source_secret_names_both_versions(tmp_path: Path) -> None:
    managed = {KEY_SLOT: Secret("sentinel-key-1"), TOKEN_SLOT: Secret("sentinel-token-1")}
    previous = {("prod/stripe", None): ("v1-version-id", Secret("sentinel-key-1"))}
    [plan] = _plan(tmp_path, _snapshot(_live(TOKEN_HEADER), managed, previous))
    assert plan.action is Action.UPDATE
    [change] = plan.changes
    assert change.after == Masked(
        "(secret changed: prod/stripe version v1-versi… → v2-versi…)", "prod/stripe", "v2-version-id", "v1-version-id"
    )


def test_a_value_that_is_neither_version_says_only_what_was_seen(tmp_path: Path) -> None:
    managed = {KEY_SLOT: Secret("sentinel-key-set-elsewhere"), TOKEN_SLOT: Secret("sentinel-token-1")}
    previous = {("prod/stripe", None): ("v1-version-id", Secret("sentinel-key-1"))}
    [plan] = _plan(tmp_path, _snapshot(_live(TOKEN_HEADER), managed, previous))
    [change] = plan.changes
    assert isinstance(change.after, Masked)
    assert change.after.text == "(live value differs from prod/stripe version v2-versi…)"
    assert "outside git" not in change.after.text


def test_a_secret_parameter_added_by_an_update_is_listed_once_with_its_source(tmp_path: Path) -> None:
    managed = {KEY_SLOT: Secret("sentinel-key-2")}
    [plan] = _plan(tmp_path, _snapshot(_live([]), managed, {}))
    assert [(c.path, c.op.value, c.after) for c in plan.changes] == [
        (
            "AuthParameters.InvocationHttpParameters.HeaderParameters[X-Token]",
            "add",
            Masked("(secret: prod/token version t1-versi…)", "prod/token", "t1-version-id"),
        ),
    ]


def test_pruning_stays_inside_its_prefix_and_names_users(tmp_path: Path) -> None:
    managed = {KEY_SLOT: Secret("sentinel-key-2"), TOKEN_SLOT: Secret("sentinel-token-1")}
    listing: list[dict[str, object]] = [
        {"Name": "stripe", "ConnectionArn": "arn:stripe"},
        {"Name": "app-old", "ConnectionArn": "arn:app-old"},
        {"Name": "apple", "ConnectionArn": "arn:apple"},
        {"Name": "other", "ConnectionArn": "arn:other"},
    ]
    target = Target("default", prune=True, prune_prefixes=("app-",))
    plans = _plan(
        tmp_path,
        _snapshot(_live(TOKEN_HEADER), managed, {}, listing, [{"Name": "orders", "ConnectionArn": "arn:app-old"}]),
        target,
    )
    assert [(p.name, p.action, p.used_by) for p in plans] == [
        ("app-old", Action.DELETE, ["orders"]),
        ("stripe", Action.NOOP, []),
    ]


def test_a_create_names_the_connection_it_may_rename(tmp_path: Path) -> None:
    listing: list[dict[str, object]] = [{"Name": "stripe-old", "AuthorizationType": "API_KEY"}]
    [plan] = _plan(tmp_path, _snapshot(None, {}, {}, listing))
    assert plan.action is Action.CREATE
    assert plan.notes == [
        "if this renames stripe-old: Name is the identity, so it is created anew and the old one stays "
        "(use --prune to delete it)"
    ]


def test_a_destination_write_that_did_not_take_is_named_by_field() -> None:
    request = {
        "Name": "hook",
        "Description": "",
        "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/stripe/1",
        "InvocationEndpoint": "https://api.example.com/hook",
        "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 300,
    }
    took = dict(request, Description=None, ApiDestinationState="ACTIVE")
    assert unconverged(request, took) == []
    # AWS kept the old description and rate: those would be planned again.
    kept = dict(request, Description="old words", InvocationRateLimitPerSecond=20)
    assert unconverged(request, kept) == ["Description", "InvocationRateLimitPerSecond"]
    assert unconverged(request, None) == ["(the destination is not there)"]
