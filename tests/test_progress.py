"""Progress of the read step on stderr (issue #21): a plain line every few seconds off a
terminal, a live line erased when done on one, never on stdout, silenced by --quiet."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from reconciler import progress
from reconciler.progress import Progress
from support.cli import api_key_spec, plan, write
from testing.emulator import TestEmulator

LINE = re.compile(r"^read [\d,]+/300 connections \([\d,]+/s(, ~[\d,]+ s left)?\)$")


@pytest.fixture
def three_hundred(aws: TestEmulator, specs: Path, secrets: Any) -> None:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    for i in range(300):
        write(specs, f"c{i:03}.yaml", api_key_spec(name=f"c{i:03}"))
    aws.set_request_quota(50)  # 300 describes at 45/s: about 7 s, past the first progress line


def test_a_long_plan_reports_progress_on_stderr_off_a_terminal(
    three_hundred: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "INTERVAL", 2.0)
    planned = plan(capsys)
    assert planned.code == 2, planned.err
    lines = [line for line in planned.err.splitlines() if line.startswith("read ")]
    assert lines and all(LINE.match(line) for line in lines), planned.err
    assert "read " not in planned.out and "\r" not in planned.err


def test_quiet_silences_progress(
    three_hundred: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "INTERVAL", 2.0)
    planned = plan(capsys, "--quiet")
    assert planned.code == 2, planned.err
    assert planned.err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_line_is_redrawn_in_place_and_erased() -> None:
    shown = _Terminal()
    counter = Progress()
    counter.start(10, stream=shown)
    for _ in range(4):
        counter.advance()
    time.sleep(3 * progress.REDRAW)
    counter.finish()
    text = shown.getvalue()
    assert "\rread 4/10 connections (" in text and "s left)\x1b[K" in text
    assert "\n" not in text
    assert text.endswith("\r\x1b[K")  # erased: what follows starts on a clean line
