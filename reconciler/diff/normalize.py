"""Both sides → one comparable record. Each AWS quirk is its own named step.

The comparable record has the spec's shape, except that parameter lists become
mappings keyed by `Key` and every secret slot holds the `SECRET` placeholder: secret
values are compared elsewhere (diff/secrets.py), in constant time, never here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from reconciler.model import SECRET
from reconciler.secrets.layout import FIXED
from reconciler.secrets.refs import PARAMETER_LISTS

# DescribeConnection fields that describe the connection rather than configure it.
READ_ONLY = (
    "ConnectionArn",
    "ConnectionState",
    "StateReason",
    "CreationTime",
    "LastModifiedTime",
    "LastAuthorizedTime",
    "SecretArn",
    "ResponseMetadata",
    "Name",
)


# Spec keys that are not connection fields, never compared nor sent to AWS: `Type` says what the
# document declares, `IgnoreChanges` which differences are neither drift nor written (diff/ignore.py).
SPEC_ONLY = ("Type", "IgnoreChanges")


def drop_read_only(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in READ_ONLY and k not in SPEC_ONLY}


def mask_fixed_secrets(auth: dict[str, Any]) -> None:
    """DescribeConnection has no member for ApiKeyValue, Password or ClientSecret
    (botocore model `events/2015-10-07`, `Connection*ResponseParameters`), so the live
    side never shows them: both sides carry a placeholder where a value is set."""
    for fixed in FIXED:
        node = auth.get(fixed.block)
        if not isinstance(node, dict):
            continue
        for part in fixed.spec_path[2:-1]:  # between the auth block and the field (OAuth's ClientParameters)
            node = node.setdefault(part, {})
        node[fixed.spec_path[-1]] = SECRET


class Repeat(NamedTuple):
    """The n-th entry (n >= 2) of a parameter list with a Key an earlier entry has. A tuple,
    so it never equals a Key (a string), whatever the Key says; plans print it as text."""

    key: str
    occurrence: int

    def __str__(self) -> str:
        return f"{self.key} (occurrence {self.occurrence})"


def key_parameters(block: Any) -> dict[str, Any]:
    """Parameter lists → mappings by Key: AWS does not promise to keep their order.

    `IsValueSecret` defaults to false (model: optional Boolean). A secret value is
    withheld by DescribeConnection (observed; the Terraform provider copies it from
    state when `Value` is nil) or, by some endpoints, sent: either way it is masked.
    An empty list is the same as no list. A Key seen again keeps its own entry
    (`Repeat`): specs can't repeat a Key (validate refuses it), but the live list can
    (the model has no uniqueness rule), and folding it into one entry would hide it.
    """
    out: dict[str, Any] = {}
    if not isinstance(block, dict):
        return out
    for list_name in PARAMETER_LISTS:
        items = block.get(list_name) or []
        keyed: dict[str | Repeat, Any] = {}
        seen: dict[str, int] = {}
        for item in items:
            secret = bool(item.get("IsValueSecret", False))
            key = str(item.get("Key"))
            seen[key] = seen.get(key, 0) + 1
            slot = key if seen[key] == 1 else Repeat(key, seen[key])
            keyed[slot] = {"Value": SECRET if secret else item.get("Value"), "IsValueSecret": secret}
        if keyed:
            out[list_name] = keyed
    return out


def connectivity(block: Any) -> dict[str, Any] | None:
    """Only the resource configuration ARN is configuration; DescribeConnection adds the
    ResourceAssociationArn that EventBridge created (model `DescribeConnectionResourceParameters`).
    An empty ARN means none (the model allows "", which is how a value is cleared)."""
    if not isinstance(block, dict):
        return None
    arn = (block.get("ResourceParameters") or {}).get("ResourceConfigurationArn")
    return {"ResourceParameters": {"ResourceConfigurationArn": arn}} if arn else None


def empty_is_absent(record: dict[str, Any]) -> dict[str, Any]:
    """An empty Description or KmsKeyIdentifier, or an empty parameter block, is unset."""
    return {k: v for k, v in record.items() if v not in ("", None, {}, [])}


def _copy(value: Any) -> Any:
    """A copy of parsed YAML or JSON (dicts, lists, immutable leaves): deepcopy's memo and
    dispatch cost three times as much, for thousands of records a plan."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A spec body or a DescribeConnection response → the comparable record."""
    record = _copy(drop_read_only(data))
    auth = record.get("AuthParameters")
    if isinstance(auth, dict):
        mask_fixed_secrets(auth)
        for name in ("InvocationHttpParameters",):
            auth[name] = key_parameters(auth.get(name))
        oauth = auth.get("OAuthParameters")
        if isinstance(oauth, dict):
            oauth["OAuthHttpParameters"] = key_parameters(oauth.get("OAuthHttpParameters"))
            record["AuthParameters"]["OAuthParameters"] = empty_is_absent(oauth)
        auth["ConnectivityParameters"] = connectivity(auth.get("ConnectivityParameters"))
        record["AuthParameters"] = empty_is_absent(auth)
    record["InvocationConnectivityParameters"] = connectivity(record.get("InvocationConnectivityParameters"))
    return empty_is_absent(record)
