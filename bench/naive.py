"""The baseline: what a hand-written boto3 script would do, one call after another.

For each spec: DescribeConnection, GetSecretValue for each secret it references,
GetSecretValue of the connection's managed secret, then compare. Plain clients,
botocore's default retries, no batching, no threads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

_REF = re.compile(r"^\{\{resolve:secretsmanager:([^:}]+)(?::SecretString:([^:}]*))?\}\}$")
# Where each auth type keeps its secret in the managed secret's snake_case JSON (AWS-NOTES).
_MANAGED_KEY = {"API_KEY": "api_key_value", "OAUTH_CLIENT_CREDENTIALS": "client_secret", "BASIC": "password"}


def _resolve(secrets: Any, text: str) -> str:
    match = _REF.match(text)
    if not match:
        return text
    value = str(secrets.get_secret_value(SecretId=match.group(1))["SecretString"])
    return str(json.loads(value)[match.group(2)]) if match.group(2) else value


def _secret_of(auth: dict[str, Any]) -> str | None:
    for block, key in (("ApiKeyAuthParameters", "ApiKeyValue"), ("BasicAuthParameters", "Password")):
        if block in auth:
            return str(auth[block][key])
    oauth = auth.get("OAuthParameters")
    return str(oauth["ClientParameters"]["ClientSecret"]) if oauth else None


def _headers(auth: dict[str, Any]) -> list[dict[str, Any]]:
    return list(auth.get("InvocationHttpParameters", {}).get("HeaderParameters", []))


def differs(spec: dict[str, Any], events: Any, secrets: Any) -> bool:
    """One connection, compared the way a script would: its fields, then its secrets."""
    live = events.describe_connection(Name=spec["Name"])
    auth = spec["AuthParameters"]
    want_secret = _resolve(secrets, _secret_of(auth) or "")
    want_headers = {
        h["Key"]: (_resolve(secrets, h["Value"]) if h.get("IsValueSecret") else h["Value"]) for h in _headers(auth)
    }
    managed = json.loads(secrets.get_secret_value(SecretId=live["SecretArn"])["SecretString"])
    if (
        live.get("Description", "") != spec.get("Description", "")
        or live["AuthorizationType"] != spec["AuthorizationType"]
    ):
        return True
    if managed.get(_MANAGED_KEY[spec["AuthorizationType"]]) != want_secret:
        return True
    have_headers = {
        h["key"]: h["value"] for h in managed.get("invocation_http_parameters", {}).get("header_parameters", [])
    }
    return have_headers != want_headers


def naive_plan(folder: Path, events: Any, secrets: Any) -> list[str]:
    """Names of the connections that differ from their specs, checked one at a time."""
    drifted = []
    for path in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        if differs(spec, events, secrets):
            drifted.append(spec["Name"])
    return drifted
