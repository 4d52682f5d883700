"""Seed the emulator from a specs folder, then drift it the ways production drifts.

The sandbox shows a newcomer what reconcile sees: a changed description, an extra
parameter, a rotated source secret, a secret changed inside the connection, a
DEAUTHORIZED connection and a connection that does not exist yet; an API destination
whose rate limit was changed, and one that waits for its connection to be created.
"""

from __future__ import annotations

import json
import secrets as random_tokens
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.apply.requests import create_request, destination_request
from reconciler.model import API_DESTINATION, CONNECTION, Spec
from reconciler.read.desired import resolve_secrets
from reconciler.sandbox.emulator import Emulator
from reconciler.secrets.refs import parse_reference, secret_fields


def create_source_secrets(specs: list[Spec], client: Any) -> None:
    """One Secrets Manager secret per referenced id, JSON when references name keys."""
    wanted: dict[str, set[str]] = {}
    for spec in specs:
        for _, value in secret_fields(spec.body):
            ref = parse_reference(value)
            keys = wanted.setdefault(ref.secret_id, set())
            if ref.json_key:
                keys.add(ref.json_key)
    for secret_id, keys in sorted(wanted.items()):
        token = random_tokens.token_urlsafe(18)
        text = json.dumps({k: f"{k}-{token}" for k in sorted(keys)}) if keys else f"value-{token}"
        client.create_secret(Name=secret_id, SecretString=text)


def rotate(client: Any, secret_id: str) -> None:
    current = client.get_secret_value(SecretId=secret_id)["SecretString"]
    token = random_tokens.token_urlsafe(18)
    try:
        document = json.loads(current)
        text = json.dumps({k: f"{k}-{token}" for k in document}) if isinstance(document, dict) else f"value-{token}"
    except ValueError:
        text = f"value-{token}"
    client.put_secret_value(SecretId=secret_id, SecretString=text)


def seed(emulator: Emulator, specs: list[Spec], events: Any, secrets: Any) -> list[str]:
    """Create everything, then drift it. Returns one line per drift introduced."""
    connections = [s for s in specs if s.type == CONNECTION]
    story = _seed_connections(emulator, connections, events, secrets)
    return story + _seed_destinations([s for s in specs if s.type == API_DESTINATION], events)


def _seed_destinations(specs: list[Spec], events: Any) -> list[str]:
    """Each destination whose connection exists, its rate limit changed outside git."""
    story = []
    for spec in sorted(specs, key=lambda s: s.name):
        connection = spec.body.get("Connection")
        try:
            arn = events.describe_connection(Name=connection)["ConnectionArn"] if connection else None
        except events.exceptions.ResourceNotFoundException:
            arn = None
        if connection and arn is None:
            story.append(f"API destination {spec.name}: not created, so the plan creates it after {connection}")
            continue
        request = destination_request(spec, arn or str(spec.body["ConnectionArn"]), update=False)
        request["InvocationRateLimitPerSecond"] = 1 if request["InvocationRateLimitPerSecond"] != 1 else 2
        events.create_api_destination(**request)
        story.append(f"API destination {spec.name}: rate limit changed in the console")
    return story


def _seed_connections(emulator: Emulator, specs: list[Spec], events: Any, secrets: Any) -> list[str]:
    create_source_secrets(specs, secrets)
    ordered = sorted(specs, key=lambda s: s.name)
    with ThreadPoolExecutor(4) as pool:
        desired, problems = resolve_secrets(ordered, secrets, pool)
    assert not problems, problems
    missing = ordered[-1] if len(ordered) > 1 else None
    emulator.set_transition_polls(0)  # seeded connections start settled
    for spec in ordered:
        if spec is not missing:
            events.create_connection(**create_request(spec, desired[spec.name]))
    story: list[str] = []
    steps = [s for s in ordered if s is not missing]
    if missing is not None:
        story.append(f"{missing.name}: not created, so the plan creates it")
    if steps:
        spec = steps[0]
        extra = {"QueryStringParameters": [{"Key": "debug", "Value": "true", "IsValueSecret": False}]}
        events.update_connection(
            Name=spec.name, Description="edited in the console", AuthParameters={"InvocationHttpParameters": extra}
        )
        emulator.force_state(spec.name, "DEAUTHORIZED", "Authorization failed: 401 from the authorization endpoint")
        story.append(
            f"{spec.name}: description edited and a query parameter added outside git; EventBridge deauthorized it"
        )
    if len(steps) > 1:
        spec = steps[1]
        ref = parse_reference(next(v for _, v in secret_fields(spec.body)))
        rotate(secrets, ref.secret_id)
        story.append(f"{spec.name}: source secret {ref.secret_id} rotated in Secrets Manager")
    if len(steps) > 2:
        spec = steps[2]
        path, _ = next(secret_fields(spec.body))
        block = path[1]
        tampered = _tampered_block(spec.body, path)
        events.update_connection(
            Name=spec.name, AuthorizationType=spec.body["AuthorizationType"], AuthParameters={block: tampered}
        )
        story.append(f"{spec.name}: a secret changed inside the connection (console), not in Secrets Manager")
    return story


def _tampered_block(body: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """The auth block of `path` with its secret replaced by a value no source secret has."""
    block = json.loads(json.dumps(body["AuthParameters"][path[1]]))
    node: Any = block
    for part in path[2:-1]:
        node = node[part]
    node[path[-1]] = "changed-in-console-" + random_tokens.token_urlsafe(8)
    return block
