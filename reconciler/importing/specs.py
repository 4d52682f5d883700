"""A live connection → a spec, with secrets as Secrets Manager references; a live API
destination → a spec naming its connection.

Pure: DescribeConnection and DescribeApiDestination data in, spec dicts (and the secret slots
a connection needs) out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.importing.naming import visible
from reconciler.model import API_DESTINATION
from reconciler.secrets.layout import FIXED, PARAMETER_BLOCKS, PARAMETER_LIST_LAYOUT
from reconciler.secrets.managed import SlotId
from reconciler.secrets.refs import dig

DEFAULT_SECRET_NAME = "eventbridge/{name}"


@dataclass
class Imported:
    name: str
    spec: dict[str, Any]
    secret_name: str
    # JSON key in the new secret → the slot in the managed secret its value comes from.
    keys: dict[str, SlotId] = field(default_factory=dict)


def _reference(secret_name: str, key: str) -> str:
    return f"{{{{resolve:secretsmanager:{secret_name}:SecretString:{key}}}}}"


def _json_key(text: str) -> str:
    # A colon would end the JSON key inside a dynamic reference.
    return text.replace(":", "_")


def _parameters(block: Any, slot: SlotId, prefix: str, imported: Imported) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for layout in PARAMETER_LIST_LAYOUT:
        list_name = layout.name
        items = []
        for item in (block or {}).get(list_name) or []:
            entry: dict[str, Any] = {"Key": item["Key"]}
            if item.get("IsValueSecret"):
                key = _json_key(f"{prefix}{layout.import_prefix}/{item['Key']}")
                imported.keys[key] = slot + (list_name, item["Key"], "Value")
                entry["Value"] = _reference(imported.secret_name, key)
                entry["IsValueSecret"] = True
            else:
                entry["Value"] = item.get("Value", "")
            items.append(entry)
        if items:
            out[list_name] = items
    return out


_PARAMETER_BLOCK_NAMES = {b.spec_path[-1] for b in PARAMETER_BLOCKS}


def _described(block: dict[str, Any]) -> dict[str, Any]:
    """An auth block as DescribeConnection showed it, without its parameter blocks (imported on their own)."""
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in block.items() if k not in _PARAMETER_BLOCK_NAMES}


def _connectivity(block: Any) -> dict[str, Any] | None:
    arn = ((block or {}).get("ResourceParameters") or {}).get("ResourceConfigurationArn")
    return {"ResourceParameters": {"ResourceConfigurationArn": arn}} if arn else None


def import_connection(live: dict[str, Any], secret_pattern: str = DEFAULT_SECRET_NAME) -> Imported:
    name = live["Name"]
    imported = Imported(name, {}, secret_pattern.format(name=visible(name)))
    spec: dict[str, Any] = {"Name": name}
    if live.get("Description"):
        spec["Description"] = live["Description"]
    spec["AuthorizationType"] = live["AuthorizationType"]
    source = live.get("AuthParameters") or {}
    auth: dict[str, Any] = {}
    for fixed in FIXED:
        if fixed.block not in source:
            continue
        # The auth block as described (no secret value), with the secret as a reference.
        block = _described(source[fixed.block])
        node = block
        for part in fixed.spec_path[2:-1]:
            node = node.setdefault(part, {})
        node[fixed.spec_path[-1]] = _reference(imported.secret_name, fixed.import_key)
        imported.keys[fixed.import_key] = fixed.spec_path
        auth[fixed.block] = block
    for params in PARAMETER_BLOCKS:
        container = auth if len(params.spec_path) == 2 else auth.get(params.spec_path[1])
        live_block = dig({"AuthParameters": source}, params.spec_path)
        found = _parameters(live_block, params.spec_path, params.import_prefix, imported)
        if found and isinstance(container, dict):
            container[params.spec_path[-1]] = found
    connectivity = _connectivity(source.get("ConnectivityParameters"))
    if connectivity:
        auth["ConnectivityParameters"] = connectivity
    spec["AuthParameters"] = auth
    invocation_connectivity = _connectivity(live.get("InvocationConnectivityParameters"))
    if invocation_connectivity:
        spec["InvocationConnectivityParameters"] = invocation_connectivity
    if live.get("KmsKeyIdentifier"):
        spec["KmsKeyIdentifier"] = live["KmsKeyIdentifier"]
    imported.spec = spec
    return imported


def import_destination(live: dict[str, Any], connection: str | None) -> dict[str, Any]:
    """A live API destination → its spec: `Connection: NAME` when its connection is declared in
    the same folder (`connection`), else the live ConnectionArn."""
    spec: dict[str, Any] = {"Type": API_DESTINATION, "Name": live["Name"]}
    if live.get("Description"):
        spec["Description"] = live["Description"]
    if connection is None:
        spec["ConnectionArn"] = live["ConnectionArn"]
    else:
        spec["Connection"] = connection
    spec["InvocationEndpoint"] = live["InvocationEndpoint"]
    spec["HttpMethod"] = live["HttpMethod"]
    # Written as live, AWS's default (300) too, so the spec says what runs. AWS always returns
    # it (recorded: test_api_destinations); a reply without it would mean the default, as absent does.
    if live.get("InvocationRateLimitPerSecond") is not None:
        spec["InvocationRateLimitPerSecond"] = live["InvocationRateLimitPerSecond"]
    return spec


def connection_name(connection_arn: str, region: str, account: str) -> str | None:
    """The name in a connection ARN of this region and account (`account` "" when not known):
    arn:PARTITION:events:REGION:ACCOUNT:connection/NAME/ID (botocore's ConnectionArn pattern)."""
    parts = connection_arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "events" or parts[3] != region:
        return None
    if account and parts[4] != account:
        return None
    resource = parts[5].split("/")
    if len(resource) != 3 or resource[0] != "connection" or not resource[1]:
        return None
    return resource[1]
