"""Build CreateConnection / UpdateConnection requests from a spec and its resolved secrets.

Whether AWS merges a partial update is not documented, and the Terraform provider
leaves removed invocation parameters in place forever (hashicorp/terraform-provider-aws#37814).
So an update sends the complete desired block, with empty lists to clear parameters
and empty strings to clear Description, KmsKeyIdentifier and the connectivity ARN
(the model allows "" for each: ConnectionDescription, KmsKeyIdentifier, ResourceConfigurationArn).

A field under IgnoreChanges (diff/ignore.py) is sent as it is live instead, so the complete
block still goes out and the field stays. Where live has none it is left out (AWS keeps what
is there, which is nothing). A parameter that is secret on either side is the exception: its
live value is never returned, so it is sent as the spec says, and the plan said so.
"""

from __future__ import annotations

import copy
from typing import Any

from reconciler.diff.ignore import LIST_PATHS, parameter_of
from reconciler.diff.normalize import SPEC_ONLY, connectivity
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


def _merged(wanted: list[dict[str, Any]], live: list[dict[str, Any]], key: str | None) -> list[dict[str, Any]]:
    """A parameter list with the ignored parameters (every one, or the one `key`) as live has
    them; a parameter secret on either side stays as the spec says (its live value is withheld)."""
    secret = {p.get("Key") for p in wanted + live if p.get("IsValueSecret") is True}

    def ignored(item: dict[str, Any]) -> bool:
        return (key is None or item.get("Key") == key) and item.get("Key") not in secret

    kept = [item for item in wanted if not ignored(item)]
    return kept + [
        {"Key": item.get("Key"), "Value": item.get("Value"), "IsValueSecret": False} for item in live if ignored(item)
    ]


def _parts(path: str) -> list[str]:
    return path.split(".")


def _keep_live(request: dict[str, Any], live: dict[str, Any], path: str) -> None:
    """Set one ignored path of an update request to its live value, or leave it out."""
    parameter = parameter_of(path)
    lists = [p for p in LIST_PATHS if p == path or p.startswith(path + ".")]
    if parameter is not None or lists:
        for list_path in [parameter[0]] if parameter is not None else lists:
            block = dig(request, tuple(_parts(list_path)[:-1]))
            if isinstance(block, dict):  # absent: the spec's auth type has no such block
                name = _parts(list_path)[-1]
                have = dig(live, tuple(_parts(list_path))) or []
                block[name] = _merged(block.get(name) or [], have, parameter[1] if parameter else None)
        return
    *parents, name = _parts(path)
    node = dig(request, tuple(parents)) if parents else request
    if not isinstance(node, dict):
        return
    value = dig(live, tuple(_parts(path)))
    if name.endswith("ConnectivityParameters"):
        value = connectivity(value)  # only the resource configuration ARN is sent back
    if value in (None, ""):
        node.pop(name, None)
    else:
        node[name] = copy.deepcopy(value)


def update_request(spec: Spec, desired: DesiredSecrets, live: Live, ignore: list[str] | None = None) -> dict[str, Any]:
    """`ignore`: the plan's IgnoreChanges paths in force (ResourcePlan.ignore), sent as they are live."""
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
    for path in ignore or []:
        _keep_live(request, live.data, path)
    return request


def destination_request(
    spec: Spec,
    connection_arn: str,
    update: bool,
    ignore: list[str] | None = None,
    live: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """CreateApiDestination / UpdateApiDestination: every field the spec sets, with the rate's
    default sent when the spec leaves it out (so a live 20 goes back to 300) and, on update,
    "" to clear a Description the spec no longer has (the model allows it: no minimum).
    An update sends the fields in `ignore` (ResourcePlan.ignore) as `live` has them."""
    request = {k: v for k, v in spec.body.items() if k not in SPEC_ONLY and k != "Connection"}
    request["ConnectionArn"] = connection_arn
    request.setdefault("InvocationRateLimitPerSecond", DEFAULT_RATE)
    if update:
        request.setdefault("Description", "")
        for path in ignore or []:
            _keep_live(request, live or {}, path)
    return request
