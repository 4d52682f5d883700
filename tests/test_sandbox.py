"""The Quick start's first command: the sandbox runs plan, apply and plan against the emulator."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
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


# Makes `import moto` fail in the child as it does without the [sandbox] extra: a finder ahead
# of the others that refuses moto (the real interpreter and import system, nothing of ours mocked).
WITHOUT_MOTO = """
import sys
class NoMoto:
    def find_spec(self, name, path=None, target=None):
        if name == "moto" or name.startswith("moto."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoMoto())
from reconciler.sandbox.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def _sandbox_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def test_without_the_sandbox_extra_one_line_names_it() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_MOTO, "--dir", "connections"],
        cwd=REPO,
        env=_sandbox_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (
        "sandbox: moto is not installed; the sandbox needs the [sandbox] extra: "
        "pip install 'eventbridge-reconcile[sandbox]'\n"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_on_a_given_port() -> None:
    port = _free_port()
    argv = [sys.executable, "-m", "reconciler.sandbox", "--serve", "--port", str(port)]
    child = subprocess.Popen(
        argv, cwd=REPO, env=_sandbox_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        lines = []
        for line in child.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C to stop."):
                break
        assert f"  export AWS_ENDPOINT_URL=http://127.0.0.1:{port}\n" in lines, "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as reply:  # it answers there
            assert reply.status < 500
    finally:
        child.send_signal(signal.SIGINT)
        code = child.wait(timeout=60)
    assert code == 0


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler.sandbox", "--serve", "--port", str(port)],
            cwd=REPO,
            env=_sandbox_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"sandbox: cannot serve on 127.0.0.1:{port}: Address already in use\n"
