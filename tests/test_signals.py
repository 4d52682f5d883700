"""SIGINT/SIGTERM during apply, against a real `reconcile` process (issue #7).

No new write starts after the signal, writes in flight finish and are reported,
the rest are listed as not started; the exit code says so, and a re-run converges.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest

from support.cli import HEADER, api_key_spec, apply, oauth_spec, plan, write
from testing.emulator import TestEmulator

CONNECTIONS = 12  # more than apply's 8 writers, so some are still waiting when the signal comes
WRITE_SECONDS = 2.0


def _reader(stream: IO[str], lines: list[str], seen_plan: threading.Event) -> None:
    for line in stream:
        lines.append(line)
        if line.startswith("Plan: "):
            seen_plan.set()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_apply_stops_new_writes_and_a_rerun_converges(
    signum: signal.Signals,
    aws: TestEmulator,
    specs: Path,
    secrets: Any,
    events: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    for i in range(CONNECTIONS):
        write(specs, f"c{i:02}.yaml", api_key_spec(name=f"c{i:02}", secret="prod/shared", description="New"))
        auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "value-shared"}}
        events.create_connection(Name=f"c{i:02}", Description="Old", AuthorizationType="API_KEY", AuthParameters=auth)
        events.describe_connection(Name=f"c{i:02}")
    # Every write is held WRITE_SECONDS by the emulator (well under the client's read timeout), then done.
    aws.inject("UpdateConnection", "timeout", times=CONNECTIONS, seconds=WRITE_SECONDS)
    aws.reset_counters()

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--dir", "connections", "--wait-timeout", "30"],
        cwd=specs.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None and process.stderr is not None
    lines: list[str] = []
    seen_plan = threading.Event()
    reader = threading.Thread(target=_reader, args=(process.stdout, lines, seen_plan), daemon=True)
    reader.start()
    try:
        assert seen_plan.wait(30), "apply never printed its plan"
        deadline = time.monotonic() + 10
        while aws.calls("UpdateConnection") < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the first 8 writes are now in flight, held by the emulator
        process.send_signal(signum)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)
    stdout, stderr = "".join(lines), process.stderr.read()

    assert code == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert f"reconcile: {signum.name} received: finishing writes in flight, starting no new ones" in stderr
    done = [line for line in stdout.splitlines() if line.startswith("✓ ")]
    skipped = [
        line for line in stdout.splitlines() if line.startswith("- ") and line.endswith("not started (interrupted)")
    ]
    # Writes in flight finished and were reported; none started after the signal.
    assert len(done) == aws.calls("UpdateConnection") == 8, stdout
    assert len(skipped) == CONNECTIONS - 8, stdout
    assert f"Apply complete: 0 created, 8 updated, 0 deleted, 0 failed, {CONNECTIONS - 8} not started." in stdout

    rerun = apply(capsys)
    assert rerun.code == 0, rerun.out + rerun.err
    assert f"Apply complete: 0 created, {CONNECTIONS - 8} updated, 0 deleted, 0 failed." in rerun.out
    final = plan(capsys)
    assert (final.code, final.out) == (0, HEADER + f"No changes: {CONNECTIONS} connection(s) match the specs.\n")


def test_signal_while_waiting_for_a_stuck_connection_ends_in_bounded_time(
    aws: TestEmulator, specs: Path, secrets: Any
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    write(specs, "crm.yaml", oauth_spec(client_secret="prod/shared", tenant_header=False))
    aws.settle_into("crm", "AUTHORIZING")  # would outlast the 300 s wait
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--dir", "connections", "--wait-timeout", "300"],
        cwd=specs.parent,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 30
        while aws.calls("CreateConnection") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # now polling DescribeConnection
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # The write was sent; the wait in flight got a short grace, not the remaining 300 s.
    assert time.monotonic() - started < 10
    assert process.returncode == 1, stdout + stderr
    assert (
        "! crm: create interrupted: sent, but still AUTHORIZING when interrupted; rerun plan to see how it settled"
        in stdout
    )
    assert "reconcile: crm: create failed [Interrupted]: " in stderr


def test_a_second_interrupt_exits_at_once_naming_the_writes_in_flight(
    aws: TestEmulator, specs: Path, secrets: Any, events: Any
) -> None:
    secrets.create_secret(Name="prod/shared", SecretString="value-shared")
    for i in range(3):
        write(specs, f"c{i:02}.yaml", api_key_spec(name=f"c{i:02}", secret="prod/shared", description="New"))
        auth = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "value-shared"}}
        events.create_connection(Name=f"c{i:02}", Description="Old", AuthorizationType="API_KEY", AuthParameters=auth)
    aws.inject("UpdateConnection", "timeout", times=3, seconds=20.0)  # held far longer than the test waits
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler", "apply", "--yes", "--dir", "connections", "--wait-timeout", "30"],
        cwd=specs.parent,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "RECONCILE_READ_TIMEOUT": "60"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        deadline = time.monotonic() + 30
        while aws.calls("UpdateConnection") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert time.monotonic() - started < 5  # not the 20 s the writes in flight are held
    assert process.returncode == 130, stdout + stderr
    assert "reconcile: second SIGINT: exiting now. Writes in flight, outcome unknown: " in stderr
    named = stderr.split("outcome unknown: ", 1)[1].split(". Run", 1)[0]
    assert sorted(named.split(", ")) == ["default/c00", "default/c01", "default/c02"]
    assert "Traceback" not in stderr
