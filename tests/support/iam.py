"""What the least-privilege policies in iam/ grant, and what a run against the emulator called."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session

from testing.emulator import TestEmulator

IAM = Path(__file__).resolve().parents[2] / "iam"


def policy_actions(name: str) -> set[str]:
    """Every action a policy file allows, on any resource."""
    document = json.loads((IAM / name).read_text())
    granted: set[str] = set()
    for statement in document["Statement"]:
        actions = statement["Action"]
        granted.update(actions if isinstance(actions, list) else [actions])
    return granted


def called_actions(aws: TestEmulator) -> set[str]:
    """The IAM actions of the requests the emulator received since its counters were reset.
    GetCallerIdentity needs no permission (STS API reference), so it is left out."""
    secrets = set(botocore.session.get_session().get_service_model("secretsmanager").operation_names)
    return {
        ("secretsmanager:" if action in secrets else "events:") + action
        for action in aws.calls_by_action()
        if action != "GetCallerIdentity"
    }
