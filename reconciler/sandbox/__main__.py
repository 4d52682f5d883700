"""`python -m reconciler.sandbox`: the real plan and apply against a local AWS stand-in.

Starts the emulator on loopback, seeds it from the specs folder with some drift, then
runs `reconcile plan`, `reconcile apply --yes` and `reconcile plan` again. No AWS
account is needed and nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import boto3

from reconciler.cli import main as reconcile
from reconciler.errors import ReconcileError
from reconciler.pipeline import load_valid_specs
from reconciler.sandbox.emulator import Emulator
from reconciler.sandbox.quota import RequestQuota
from reconciler.sandbox.seed import seed
from reconciler.sandbox.writes import WriteCount

SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def _banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 70 - len(text)), flush=True)


def _missing_extra() -> str | None:
    """The module of the [sandbox] extra that cannot be imported, if any: moto's server and
    the web stack under it are optional dependencies, imported only once the emulator starts."""
    try:
        import moto.moto_server.werkzeug_app  # noqa: F401
    except ImportError as exc:
        return exc.name or "moto"
    return None


def _port(text: str) -> int:
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reconciler.sandbox", description=__doc__)
    parser.add_argument("--dir", default="connections", help="specs folder (default: connections)")
    parser.add_argument(
        "--serve", action="store_true", help="seed, print the environment to use, and keep serving until Ctrl-C"
    )
    parser.add_argument("--port", type=_port, default=0, help="port on 127.0.0.1 to serve on (default: any free port)")
    args = parser.parse_args(argv)
    missing = _missing_extra()
    if missing is not None:
        print(
            f"sandbox: {missing} is not installed; the sandbox needs the [sandbox] extra: "
            "pip install 'eventbridge-reconcile[sandbox]'",
            file=sys.stderr,
        )
        return 1
    try:
        specs = load_valid_specs(args.dir)
    except ReconcileError as exc:
        print(f"sandbox: the specs in {args.dir} are not valid:\n{exc}", file=sys.stderr)
        return 1
    writes = WriteCount()
    # EventBridge's request quota too, as AWS enforces it (sandbox/quota.py).
    emulator = Emulator(port=args.port, layers=[writes, RequestQuota()])
    try:
        emulator.start()
    except OSError as exc:  # the port is taken, or not ours to bind
        print(f"sandbox: cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    with emulator:
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(SANDBOX_ENV, AWS_ENDPOINT_URL=emulator.endpoint)
        emulator.set_transition_polls(1)
        events = boto3.session.Session().client("events")
        secrets = boto3.session.Session().client("secretsmanager")
        _banner(f"sandbox: emulator on {emulator.endpoint}, seeded from {args.dir}/ with drift")
        for line in seed(emulator, specs, events, secrets):
            print(f"  - {line}")
        seeded = writes.count
        if args.serve:
            print("\nIn another shell:")
            for key, value in sorted({**SANDBOX_ENV, "AWS_ENDPOINT_URL": emulator.endpoint}.items()):
                print(f"  export {key}={value}")
            print("  reconcile plan\n\nCtrl-C to stop.", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        _banner("reconcile plan")
        first = reconcile(["plan", "--dir", args.dir])
        print(f"(exit code {first}: 2 means changes are pending)")
        _banner("reconcile apply --yes")
        applied = reconcile(["apply", "--dir", args.dir, "--yes", "--wait-timeout", "30"])
        print(f"(exit code {applied}; {writes.count - seeded} write call(s) to AWS)")
        _banner("reconcile plan (again)")
        last = reconcile(["plan", "--dir", args.dir])
        print(f"(exit code {last}: 0 means everything matches the specs)")
        return 0 if first == 2 and applied == 0 and last == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
