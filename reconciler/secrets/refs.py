"""CloudFormation-style dynamic references to Secrets Manager, and where secrets sit in a spec.

Syntax (CloudFormation "Using dynamic references"):
`{{resolve:secretsmanager:secret-id:SecretString:json-key:version-stage:version-id}}`,
every part after secret-id optional; secret-id may be a full ARN, which holds colons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.secrets import layout

_REF = re.compile(r"^\{\{resolve:secretsmanager:(?P<body>[^{}]*)\}\}$")
_ARN_PARTS = 7  # arn:partition:secretsmanager:region:account:secret:name-suffix

# Derived from the one table of where secrets sit (layout.py).
FIXED_SECRET_FIELDS: tuple[tuple[str, ...], ...] = tuple(f.spec_path for f in layout.FIXED)
PARAMETER_BLOCKS: tuple[tuple[str, ...], ...] = tuple(b.spec_path for b in layout.PARAMETER_BLOCKS)
PARAMETER_LISTS = layout.PARAMETER_LISTS


# What one Secrets Manager read is keyed by: secret id, version stage, version id.
FetchKey = tuple[str, "str | None", "str | None"]


def is_current(key: FetchKey) -> bool:
    """An AWSCURRENT read, named or implied: the only kind BatchGetSecretValue does."""
    return key[1] in (None, "AWSCURRENT") and key[2] is None


class RefError(ValueError):
    pass


@dataclass(frozen=True)
class SecretRef:
    secret_id: str
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None

    @property
    def fetch_key(self) -> FetchKey:
        """What one Secrets Manager read is keyed by: the same secret version is read once."""
        return (self.secret_id, self.version_stage, self.version_id)

    @property
    def batchable(self) -> bool:
        return is_current(self.fetch_key)

    def __str__(self) -> str:
        shown = self.secret_id
        if self.json_key:
            shown += f" key {self.json_key}"
        if self.version_stage:
            shown += f" stage {self.version_stage}"
        if self.version_id:
            shown += f" version {self.version_id}"
        return shown


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{{resolve:")


def parse_reference(text: str) -> SecretRef:
    match = _REF.match(text)
    if not match:
        raise RefError(
            "not a Secrets Manager reference of the form "
            "{{resolve:secretsmanager:SECRET_ID[:SecretString[:JSON_KEY[:VERSION_STAGE[:VERSION_ID]]]]}}"
        )
    parts = match.group("body").split(":")
    if parts[0] == "arn":
        if len(parts) < _ARN_PARTS or parts[2] != "secretsmanager" or parts[5] != "secret":
            raise RefError("secret ARN must look like arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME")
        secret_id, rest = ":".join(parts[:_ARN_PARTS]), parts[_ARN_PARTS:]
    else:
        secret_id, rest = parts[0], parts[1:]
    if not secret_id:
        raise RefError("reference has no secret id")
    if len(rest) > 4:
        raise RefError("reference has too many parts after the secret id")
    rest += [""] * (4 - len(rest))
    kind, key, stage, version = rest
    if kind not in ("", "SecretString"):
        raise RefError(f"only SecretString references are supported, not {kind!r}")
    if stage and version:
        raise RefError("give a version stage or a version id, not both")
    return SecretRef(secret_id, key or None, stage or None, version or None)


def secret_fields(body: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every place in a spec (or a request) that holds a secret value, with what it holds."""
    for path in FIXED_SECRET_FIELDS:
        value = dig(body, path)
        if value is not None:
            yield path, value
    for block_path in PARAMETER_BLOCKS:
        for list_name in PARAMETER_LISTS:
            items = dig(body, block_path + (list_name,))
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict) and item.get("IsValueSecret") is True:
                    yield block_path + (list_name, index, "Value"), item.get("Value")


def dig(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[part] if isinstance(part, int) else data.get(part)
    return data
