"""The Quick start's first command: the sandbox runs plan, apply and plan against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_sandbox_plans_applies_and_converges() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler.sandbox"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "(exit code 2: 2 means changes are pending)" in out
    assert "(secret changed: sandbox/partners/acme key password version " in out
    assert "(live value differs from sandbox/partners/globex version " in out
    assert '~ ConnectionState: "DEAUTHORIZED" → "AUTHORIZED"' in out
    assert "+ API destination stripe-webhooks: create  (connections/stripe.yaml)" in out
    assert "    + ConnectionArn: (ARN of connection stripe-payments, known after it is created)" in out
    assert "    ~ InvocationRateLimitPerSecond: 1 → 300" in out
    assert "Apply complete: 2 created, 4 updated, 0 deleted, 0 failed." in out
    # The destination is written after the connection it uses.
    assert out.index("✓ stripe-payments: created") < out.index("✓ API destination stripe-webhooks: created")
    assert "(exit code 0; 6 write call(s) to AWS)" in out  # counted by the sandbox's own layer (writes.py)
    assert out.rstrip().endswith(
        "No changes: 4 connection(s) and 2 API destination(s) match the specs.\n"
        "(exit code 0: 0 means everything matches the specs)"
    )
    assert "Traceback" not in proc.stderr
