"""--copy-secret-values: each connection's managed secret values → the source secret its new
spec references. Values go from one AWS call to the next, never to disk or output."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws.errors import error_code
from reconciler.aws.live import read_managed_secrets
from reconciler.errors import ReconcileError
from reconciler.importing.specs import Imported
from reconciler.model import ReadFailure
from reconciler.secrets.managed import SlotId
from reconciler.secrets.redact import Secret

Values = dict[str, dict[SlotId, Secret]]  # connection name → its managed secret's values


def read_values(imported: list[Imported], clients: Any, arns: dict[str, str], pool: ThreadPoolExecutor) -> Values:
    """Every managed secret the imported connections need, read before anything is written."""
    managed = read_managed_secrets(clients.secrets, arns, pool)
    failures = [f"{name}: {got.code}" for name, got in managed.items() if isinstance(got, ReadFailure)]
    if failures:
        raise ReconcileError(
            "cannot read the managed secret of: "
            + ", ".join(failures)
            + "; nothing was written (see iam/import-policy.json)"
        )
    values: Values = {}
    for item in imported:
        slots = managed[item.name]
        assert not isinstance(slots, ReadFailure)
        missing = [key for key, slot in item.keys.items() if slot not in slots]
        if missing:
            raise ReconcileError(
                f"{item.name}: its managed secret has no value for {', '.join(missing)}; nothing was written"
            )
        values[item.name] = slots
    return values


def store_values(imported: list[Imported], values: Values, clients: Any) -> list[str]:
    """The values read → the source secrets the new specs reference; a line for each."""
    lines = []
    for item in imported:
        slots = values[item.name]
        text = json.dumps({key: slots[slot].reveal() for key, slot in item.keys.items()})
        try:
            clients.secrets.create_secret(
                Name=item.secret_name,
                SecretString=text,
                Description=f"Secret values of EventBridge connection {item.name} (reconcile import)",
            )
            lines.append(f"created secret {item.secret_name}")
        except ClientError as exc:
            if error_code(exc) != "ResourceExistsException":
                raise
            clients.secrets.put_secret_value(SecretId=item.secret_name, SecretString=text)
            lines.append(f"updated secret {item.secret_name} (new version)")
        del text
    return lines
