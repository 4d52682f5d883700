"""Every rule the emulator enforces on a write, by name, so tests can walk them.

Two kinds: the model's constraints (`validation.model_rules`, read from botocore's model as
`validate_input` checks them) and the few AWS adds beyond the model (`BEYOND_MODEL`, each with
its source and the function that enforces it). A rule is `offline` when the request alone
decides it; `reconcile validate` must refuse a spec that breaks an offline rule, so that a spec
that validates never fails at apply for it (tests/test_offline_rules.py). The others depend on
what the account holds (names taken, quotas, a connection that exists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.sandbox import corrections, destination_corrections
from reconciler.sandbox.validation import ModelRule, model_rules

# The operations that write what a spec declares.
WRITES = ("CreateConnection", "UpdateConnection", "CreateApiDestination", "UpdateApiDestination")


@dataclass(frozen=True)
class NamedRule:
    name: str
    operations: tuple[str, ...]
    offline: bool
    source: str
    enforced_by: Callable[..., None] | None = None  # where the emulator enforces it, when a function does


BEYOND_MODEL = (
    NamedRule(
        "auth-block-for-type",
        ("CreateConnection", "UpdateConnection"),
        True,
        "API reference, CreateConnection (the block for AuthorizationType is required)",
        corrections.require_auth_block,
    ),
    NamedRule(
        "https-endpoint",
        ("CreateApiDestination", "UpdateApiDestination"),
        True,
        'EventBridge user guide, "Create an API destination" ("The URL must use HTTPS")',
        destination_corrections.require_https,
    ),
    NamedRule("connection-name-free", ("CreateConnection",), False, "botocore model (ResourceAlreadyExistsException)"),
    NamedRule("connection-quota", ("CreateConnection",), False, "EventBridge quotas page (3,000 connections)"),
    NamedRule(
        "destination-name-free", ("CreateApiDestination",), False, "botocore model (ResourceAlreadyExistsException)"
    ),
    NamedRule("destination-quota", ("CreateApiDestination",), False, "EventBridge quotas page (3,000 destinations)"),
    NamedRule(
        "destination-connection-exists",
        ("CreateApiDestination", "UpdateApiDestination"),
        False,
        "botocore model (ResourceNotFoundException)",
    ),
)


def all_model_rules() -> list[ModelRule]:
    return [rule for operation in WRITES for rule in model_rules(operation)]
