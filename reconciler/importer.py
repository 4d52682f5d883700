"""`reconcile import`: a live connection → a spec, with secrets as Secrets Manager references.

Pure: DescribeConnection data in, spec dict and the secret slots it needs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler.secrets.managed import SlotId
from reconciler.secrets.refs import PARAMETER_LISTS

DEFAULT_SECRET_NAME = "eventbridge/{name}"
_FIXED_KEYS = {"ApiKeyAuthParameters": ("ApiKeyValue", "api_key_value"), "BasicAuthParameters": ("Password", "password")}
_LIST_PREFIX = {"HeaderParameters": "header", "QueryStringParameters": "query", "BodyParameters": "body"}


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
    for list_name in PARAMETER_LISTS:
        items = []
        for item in (block or {}).get(list_name) or []:
            entry: dict[str, Any] = {"Key": item["Key"]}
            if item.get("IsValueSecret"):
                key = _json_key(f"{prefix}{_LIST_PREFIX[list_name]}/{item['Key']}")
                imported.keys[key] = slot + (list_name, item["Key"], "Value")
                entry["Value"] = _reference(imported.secret_name, key)
                entry["IsValueSecret"] = True
            else:
                entry["Value"] = item.get("Value", "")
            items.append(entry)
        if items:
            out[list_name] = items
    return out


def _connectivity(block: Any) -> dict[str, Any] | None:
    arn = ((block or {}).get("ResourceParameters") or {}).get("ResourceConfigurationArn")
    return {"ResourceParameters": {"ResourceConfigurationArn": arn}} if arn else None


def import_connection(live: dict[str, Any], secret_pattern: str = DEFAULT_SECRET_NAME) -> Imported:
    name = live["Name"]
    imported = Imported(name, {}, secret_pattern.format(name=name))
    spec: dict[str, Any] = {"Name": name}
    if live.get("Description"):
        spec["Description"] = live["Description"]
    spec["AuthorizationType"] = live["AuthorizationType"]
    source = live.get("AuthParameters") or {}
    auth: dict[str, Any] = {}
    for block_name, (field_name, key) in _FIXED_KEYS.items():
        if block_name in source:
            auth[block_name] = {k: v for k, v in source[block_name].items() if k != field_name}
            auth[block_name][field_name] = _reference(imported.secret_name, key)
            imported.keys[key] = ("AuthParameters", block_name, field_name)
    if "OAuthParameters" in source:
        oauth = source["OAuthParameters"]
        imported.keys["client_secret"] = ("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret")
        block: dict[str, Any] = {
            "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint"),
            "HttpMethod": oauth.get("HttpMethod"),
            "ClientParameters": {
                "ClientID": (oauth.get("ClientParameters") or {}).get("ClientID"),
                "ClientSecret": _reference(imported.secret_name, "client_secret"),
            },
        }
        params = _parameters(oauth.get("OAuthHttpParameters"), ("AuthParameters", "OAuthParameters", "OAuthHttpParameters"), "oauth_", imported)
        if params:
            block["OAuthHttpParameters"] = params
        auth["OAuthParameters"] = block
    invocation = _parameters(source.get("InvocationHttpParameters"), ("AuthParameters", "InvocationHttpParameters"), "", imported)
    if invocation:
        auth["InvocationHttpParameters"] = invocation
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


class _Dumper(yaml.SafeDumper):
    """Block style, keys in API order; a subclass so no global representer changes."""


def to_yaml(imported: Imported, origin: str) -> str:
    header = (
        f"# Imported by `reconcile import` from {origin}. Secret values live in Secrets Manager\n"
        f"# secret {imported.secret_name} (JSON keys: {', '.join(sorted(imported.keys))}).\n"
    )
    body = yaml.dump(imported.spec, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)
    return header + body
