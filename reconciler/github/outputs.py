"""Step outputs through $GITHUB_OUTPUT, the file Actions reads after each step."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping


def set_outputs(values: Mapping[str, str], env: Mapping[str, str] | None = None) -> None:
    """Append `name=value` lines; outside Actions (no GITHUB_OUTPUT) there is nowhere to write."""
    env = os.environ if env is None else env
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            # Multi-line values use a heredoc whose delimiter cannot occur in the value.
            delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("".join(lines))
