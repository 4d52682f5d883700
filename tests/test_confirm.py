"""apply on a terminal shows the plan and asks; only 'yes' applies (a real pty, a real process)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.cli import api_key_spec, write
from testing.emulator import TestEmulator


def _apply_on_terminal(answer: str, cwd: Path) -> tuple[int, str]:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--dir", "connections", "--wait-timeout", "10"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=os.environ.copy(),
    )
    os.close(terminal)
    try:
        # The terminal holds the answer until reconcile reads it, after the plan and the question.
        os.write(controller, (answer + "\n").encode())
        out, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
    return process.returncode, out.decode() + err.decode()


@pytest.mark.parametrize(
    "answer, code, expected",
    [
        ("yes", 0, "✓ stripe: created (AUTHORIZED)"),
        ("no", 1, "reconcile: error: apply cancelled; nothing was written"),
    ],
)
def test_terminal_confirmation(
    answer: str, code: int, expected: str, aws: TestEmulator, specs: Path, secrets: Any
) -> None:
    write(specs, "stripe.yaml", api_key_spec())
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    aws.reset_counters()
    returncode, output = _apply_on_terminal(answer, specs.parent)
    assert returncode == code, output
    assert "+ stripe: create" in output
    assert "Apply these changes? Only 'yes' is accepted:" in output
    assert expected in output
    assert aws.write_calls() == (1 if answer == "yes" else 0)
