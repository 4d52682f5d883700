"""The connection's managed secret, read as slot → value.

EventBridge keeps a connection's auth parameters in a Secrets Manager secret
`events!connection/<name>/<uuid>` (AWS recording, LocalStack snapshot tests, Dec 2024).
It is the only place the live secret values can be seen, so it is how rotated or
tampered secrets are detected. Values are wrapped at once.
"""

from __future__ import annotations

from typing import Any

from reconciler.model import ReadFailure
from reconciler.secrets.layout import FIXED, SNAKE_CASE
from reconciler.secrets.redact import Secret
from reconciler.secrets.refs import PARAMETER_BLOCKS, PARAMETER_LISTS

# A secret's place in a spec, with parameter list positions replaced by the parameter
# Key, so that order does not matter: ("AuthParameters", ..., "HeaderParameters", "X-Token", "Value").
SlotId = tuple[str, ...]
# What reading a connection's managed secret gave: its values, why it failed, or None when it
# was not read (--no-verify-secrets, --force-secrets, or no SecretArn).
ManagedRead = dict[SlotId, Secret] | ReadFailure | None

# Recorded from AWS: these sit at the top level, in snake_case (AWS-NOTES, "Recorded AWS responses").
_RECORDED: dict[str, SlotId] = {f.managed_key: f.spec_path for f in FIXED}


def _get(node: Any, name: str) -> Any:
    """Member `name` (spelled as in a spec) of `node` in either spelling, snake_case first.

    No recording shows how the HTTP parameter blocks, their lists and items are spelled: moto
    writes snake_case, LocalStack the request's own spelling (AWS-NOTES, "The managed secret"),
    so both are read (layout.SNAKE_CASE gives the snake_case form)."""
    if not isinstance(node, dict):
        return None
    value = node.get(SNAKE_CASE[name])
    return node.get(name) if value is None else value


def managed_slots(document: Any) -> dict[SlotId, Secret]:
    slots: dict[SlotId, Secret] = {}
    if not isinstance(document, dict):
        return slots
    for field, slot in _RECORDED.items():
        value = document.get(field)
        if isinstance(value, str):
            slots[slot] = Secret(value)
    for block_slot in PARAMETER_BLOCKS:
        block = _get(document, block_slot[-1])
        # Some recordings nest OAuth parameters under "oauth"; accept both places.
        if block is None:
            block = _get(document.get("oauth"), block_slot[-1])
        for list_name in PARAMETER_LISTS:
            items = _get(block, list_name)
            for item in items if isinstance(items, list) else []:
                value = _get(item, "Value")
                if _get(item, "IsValueSecret") is True and isinstance(value, str):
                    slots[block_slot + (list_name, str(_get(item, "Key")), "Value")] = Secret(value)
    return slots


def recorded(slot: SlotId) -> bool:
    """Whether AWS recordings show where this slot's value sits in the managed secret.

    Only such a value can be missing for sure; a parameter value may sit in a layout
    no recording shows, so not finding it proves nothing.
    """
    return slot in _RECORDED.values()


def slot_of(path: tuple[Any, ...], body: dict[str, Any]) -> SlotId:
    """A spec path to its slot: list indexes become the parameter's Key."""
    out: list[str] = []
    node: Any = body
    for part in path:
        node = node[part] if isinstance(part, int) else node.get(part)
        out.append(str(node.get("Key")) if isinstance(part, int) else part)
    return tuple(out)
