"""Build CreateConnection / UpdateConnection requests from a spec and its resolved secrets.

Whether AWS merges a partial update is not documented, and the Terraform provider
leaves removed invocation parameters in place forever (hashicorp/terraform-provider-aws#37814).
So an update sends the complete desired block, with empty lists to clear parameters
and empty strings to clear Description, KmsKeyIdentifier and the connectivity ARN
(the model allows "" for each: ConnectionDescription, KmsKeyIdentifier, ResourceConfigurationArn).
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.diff.normalize import SPEC_ONLY
from reconciler.model import Live, Spec
from reconciler.plan.destination import DEFAULT_RATE
from reconciler.secrets.desired import DesiredSecrets
from reconciler.secrets.refs import PARAMETER_BLOCKS, PARAMETER_LISTS, dig

CLEARED_CONNECTIVITY = {"ResourceParameters": {"ResourceConfigurationArn": ""}}


def _with_secrets(body: dict[str, Any], desired: DesiredSecrets) -> dict[str, Any]:
    request = copy.deepcopy({k: v for k, v in body.items() if k not in SPEC_ONLY})
    for path, resolved in desired.by_path.items():
        node: Any = request
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = resolved.value.reveal()
    return request


def _explicit_secret_flags(request: dict[str, Any]) -> dict[str, Any]:
    """Send IsValueSecret on every parameter rather than rely on AWS's default."""
    for block in (dig(request, path) for path in PARAMETER_BLOCKS):
        for name in PARAMETER_LISTS:
            for item in (block or {}).get(name) or []:
                item.setdefault("IsValueSecret", False)
    return request


def _full_lists(block: dict[str, Any] | None) -> dict[str, Any]:
    block = dict(block or {})
    for name in PARAMETER_LISTS:
        block.setdefault(name, [])
    return block


def create_request(spec: Spec, desired: DesiredSecrets) -> dict[str, Any]:
    return _explicit_secret_flags(_with_secrets(spec.body, desired))


def update_request(spec: Spec, desired: DesiredSecrets, live: Live) -> dict[str, Any]:
    request = _explicit_secret_flags(_with_secrets(spec.body, desired))
    request.setdefault("Description", "")
    auth = request["AuthParameters"]
    auth["InvocationHttpParameters"] = _full_lists(auth.get("InvocationHttpParameters"))
    oauth = auth.get("OAuthParameters")
    if isinstance(oauth, dict):
        oauth["OAuthHttpParameters"] = _full_lists(oauth.get("OAuthHttpParameters"))
    if "KmsKeyIdentifier" not in request and live.data.get("KmsKeyIdentifier"):
        request["KmsKeyIdentifier"] = ""
    if "InvocationConnectivityParameters" not in request and live.data.get("InvocationConnectivityParameters"):
        request["InvocationConnectivityParameters"] = copy.deepcopy(CLEARED_CONNECTIVITY)
    live_auth = live.data.get("AuthParameters") or {}
    if "ConnectivityParameters" not in auth and live_auth.get("ConnectivityParameters"):
        auth["ConnectivityParameters"] = copy.deepcopy(CLEARED_CONNECTIVITY)
    return request


def destination_request(spec: Spec, connection_arn: str, update: bool) -> dict[str, Any]:
    """CreateApiDestination / UpdateApiDestination: every field the spec sets, with the rate's
    default sent when the spec leaves it out (so a live 20 goes back to 300) and, on update,
    "" to clear a Description the spec no longer has (the model allows it: no minimum)."""
    request = {k: v for k, v in spec.body.items() if k not in SPEC_ONLY and k != "Connection"}
    request["ConnectionArn"] = connection_arn
    request.setdefault("InvocationRateLimitPerSecond", DEFAULT_RATE)
    if update:
        request.setdefault("Description", "")
    return request
