"""The connection's managed secret, read as slot → value.

EventBridge keeps a connection's auth parameters in a Secrets Manager secret
`events!connection/<name>/<uuid>` in snake_case JSON (AWS recording, LocalStack
snapshot tests, Dec 2024). It is the only place the live secret values can be seen,
so it is how rotated or tampered secrets are detected. Values are wrapped at once.
"""

from __future__ import annotations

from typing import Any

from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import PARAMETER_LISTS

# A secret's place in a spec, with parameter list positions replaced by the parameter
# Key, so that order does not matter: ("AuthParameters", ..., "HeaderParameters", "X-Token", "Value").
SlotId = tuple[str, ...]

_FIXED: dict[str, SlotId] = {
    "api_key_value": ("AuthParameters", "ApiKeyAuthParameters", "ApiKeyValue"),
    "password": ("AuthParameters", "BasicAuthParameters", "Password"),
    "client_secret": ("AuthParameters", "OAuthParameters", "ClientParameters", "ClientSecret"),
}
_BLOCKS: dict[str, SlotId] = {
    "invocation_http_parameters": ("AuthParameters", "InvocationHttpParameters"),
    "oauth_http_parameters": ("AuthParameters", "OAuthParameters", "OAuthHttpParameters"),
}
_LISTS = {"header_parameters": "HeaderParameters", "query_string_parameters": "QueryStringParameters", "body_parameters": "BodyParameters"}
assert set(_LISTS.values()) == set(PARAMETER_LISTS)


def managed_slots(document: Any) -> dict[SlotId, Secret]:
    slots: dict[SlotId, Secret] = {}
    if not isinstance(document, dict):
        return slots
    for field, slot in _FIXED.items():
        value = document.get(field)
        if isinstance(value, str):
            slots[slot] = Secret(value)
    for block_name, block_slot in _BLOCKS.items():
        block = document.get(block_name)
        # Some recordings nest OAuth parameters under "oauth"; accept both places.
        if block is None and isinstance(document.get("oauth"), dict):
            block = document["oauth"].get(block_name)
        if not isinstance(block, dict):
            continue
        for list_name, spec_list in _LISTS.items():
            for item in block.get(list_name) or []:
                if isinstance(item, dict) and item.get("is_value_secret") and isinstance(item.get("value"), str):
                    slots[block_slot + (spec_list, str(item.get("key")), "Value")] = Secret(item["value"])
    return slots


def slot_of(path: tuple[Any, ...], body: dict[str, Any]) -> SlotId:
    """A spec path to its slot: list indexes become the parameter's Key."""
    out: list[str] = []
    node: Any = body
    for part in path:
        node = node[part] if isinstance(part, int) else node.get(part)
        out.append(str(node.get("Key")) if isinstance(part, int) else part)
    return tuple(out)
