"""Shared fixtures: one emulator per session, a clean AWS world per test."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from testing.emulator import TestEmulator
from testing.environment import AWS_ENV_TO_CLEAR

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient


@pytest.fixture(scope="session")
def emulator() -> Iterator[TestEmulator]:
    with TestEmulator() as running:
        yield running


@pytest.fixture
def aws(emulator: TestEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TestEmulator]:
    """The emulator, reset, with the environment pointing every boto3 client at it."""
    emulator.reset()
    for name in AWS_ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # Files that do not exist: no profile or credentials of the developer's leak in.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    yield emulator


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository as the working directory; specs go in its connections/ folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path / "connections"


@pytest.fixture
def events(aws: TestEmulator) -> EventBridgeClient:
    # A fresh session reads the environment set by `aws`; the default session may have cached another.
    return boto3.session.Session().client("events")


@pytest.fixture
def secrets(aws: TestEmulator) -> SecretsManagerClient:
    return boto3.session.Session().client("secretsmanager")


# --- Fault tally (issue #7): how many injected faults the suite met, and survived -------

_fault_tally = {"injected": 0, "survived": 0}
FAULTS = "faults_injected"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # Read the count after the test body and before the next test's `aws` resets it. It travels
    # on the report, so with pytest-xdist the workers' counts reach the controller's summary.
    funcargs = getattr(item, "funcargs", {})
    emulator = funcargs.get("aws") or funcargs.get("emulator")
    if call.when == "call" and isinstance(emulator, TestEmulator):
        report.user_properties.append((FAULTS, emulator.faults_injected()))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == FAULTS and isinstance(value, int):
            _fault_tally["injected"] += value
            if report.passed:
                _fault_tally["survived"] += value


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"faults injected: {_fault_tally['injected']}, survived: {_fault_tally['survived']}")
