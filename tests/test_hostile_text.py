"""Untrusted text stays text (issue #20): spec file names, descriptions and saved plans
with newlines, escape sequences, bidi controls, backticks and workflow commands, through
the real CLI. Nothing hostile reaches the terminal raw, no line starts with `::` unless
reconcile wrote an annotation, and no fake line can be made to start a line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from support.cli import api_key_spec, run, write
from testing.emulator import TestEmulator

# The reproduced file name: it closes the plan's "(file)", prints a fake "No changes" line,
# a workflow command and an escape sequence that hides what follows.
HOSTILE_FILE = "z.yaml)\n\nNo changes: 0 connection(s) match the specs.\n::notice title=x::pwned\x1b[8m.yaml"
RAW = ("\x1b", "\u202e", "\u2028", "\u2029", "\x85", "\x9b", "\r", "\u2066", "\x7f")


def assert_harmless(text: str, annotations: int = 0) -> None:
    for char in RAW:
        assert char not in text, f"raw {char!r} in output: {text!r}"
    lines = text.splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert len(commands) == annotations, commands
    assert all(line.startswith("::error file=") for line in commands), commands
    assert not [line for line in lines if line.startswith("No changes: 0 connection(s) match")], lines
    assert "##[" not in text


@pytest.fixture
def hostile_specs(aws: TestEmulator, specs: Path, secrets: Any) -> Path:
    secrets.create_secret(Name="prod/stripe", SecretString="sk-value-1")
    description = '"Stripe \\u202eevil\\u202c\\u2028next line"'  # YAML escapes: U+2028 would break the line
    write(specs, HOSTILE_FILE, api_key_spec(name="stripe", description=description))
    write(specs, "tick`s.yaml", api_key_spec(name="ticks"))
    return specs


def test_plan_text_escapes_file_names_and_descriptions(hostile_specs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "plan", "--dir", "connections", "-v")  # -v logs each file loaded
    assert result.code == 2, result.err
    assert_harmless(result.out + result.err)
    assert re.search(
        r"\n\S+ \S+ INFO reconciler.load.specs: loaded connections/z.yaml\)\\x0a\\x0aNo changes: 0 connection\(s\) "
        r"match the specs.\\x0a::notice title=x::pwned\\x1b\[8m.yaml: 1 connection spec\(s\)\n",
        result.err,
    ), result.err
    assert (
        "+ stripe: create  (connections/z.yaml)\\x0a\\x0aNo changes: 0 connection(s) match the specs.\\x0a"
        "::notice title=x::pwned\\x1b[8m.yaml)\n"
    ) in result.out
    assert '    + Description: "Stripe \\u202eevil\\u202c\\u2028next line"\n' in result.out
    assert result.out.splitlines()[-1].startswith("Plan: 2 to create")


def test_plan_markdown_keeps_cells_and_code_spans_whole(
    hostile_specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "plan", "--dir", "connections", "--format", "markdown")
    assert result.code == 2, result.err
    assert_harmless(result.out)
    # A backtick in a file name: a longer fence, so the span ends where reconcile ends it.
    assert "| `ticks` | 🟢 create | 4 | ``connections/tick`s.yaml`` |" in result.out
    row = next(line for line in result.out.splitlines() if line.startswith("| `stripe`"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5, row  # four cells, nothing split off
    assert "`connections/z.yaml)\\x0a\\x0aNo changes: 0 connection(s) match the specs.\\x0a::notice" in row


def test_validate_text_and_github_escape_the_file_name(
    aws: TestEmulator, specs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(specs, HOSTILE_FILE, "Name: bad name\nAuthorizationType: API_KEY\n")
    text = run(capsys, "validate", "--dir", "connections")
    assert text.code == 1
    assert_harmless(text.out + text.err)
    first = text.err_lines[0]
    assert first.startswith("connections/z.yaml)\\x0a\\x0aNo changes: 0 connection(s) match the specs.\\x0a::notice")
    assert "pwned\\x1b[8m.yaml:" in first
    github = run(capsys, "validate", "--dir", "connections", "--format", "github")
    assert github.code == 1
    annotations = [line for line in github.out.splitlines() if line.startswith("::error")]
    assert annotations and len(annotations) == len(github.out.splitlines())
    assert_harmless(github.out, annotations=len(annotations))
    assert_harmless(github.err)
    assert (
        "file=connections/z.yaml)\\x0a\\x0aNo changes%3A 0 connection(s) match the specs.\\x0a%3A%3Anotice"
        in (annotations[0])
    )


def _hostile_plan(path: Path) -> Path:
    """A saved plan someone else wrote: every text field tries something."""
    document = {
        "kind": "reconcile-plan",
        "version": 3,
        "options": {},
        "declared": {"prod\x1b]0;title\x07": ["x"]},
        "places": {"prod\x1b]0;title\x07": {"account": "1\u202e2", "region": "eu\n::notice::r"}},
        "connections": [
            {
                "name": "evil\x1b[2J\u202e`</code></summary>",
                "action": "update",
                "target": "prod\x1b]0;title\x07",
                "file": "a.yaml)\n::warning::fake\r\nNo changes: 0 connection(s) match the specs.",
                "type": "AWS::Events::Connection",
                "notes": ["state reason:\n::error::injected ##[stop-commands]tok \x9b31m</details>"],
                "fields": [
                    {
                        "path": "Description\n::set-output name=x::y",
                        "op": "change",
                        "before": "old\u2028line",
                        "after": "new \u202eevil\u2066\x7f\x85",
                        "secret": False,
                    },
                    {
                        "path": "AuthParameters.X",
                        "op": "change",
                        "before": "m\x1b[8m",
                        "after": "n\n::x",
                        "secret": True,
                    },
                ],
            }
        ],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_show_of_a_hostile_saved_plan(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = _hostile_plan(tmp_path / "plan.json")
    result = run(capsys, "show", str(saved), "--format", fmt)
    assert result.code == 0, result.err
    assert_harmless(result.out + result.err)
    if fmt == "json":
        # Exact JSON: the same values, only written with escapes.
        shown = json.loads(result.out)
        original = json.loads(saved.read_text())["connections"][0]
        assert shown["changes"][0]["name"] == original["name"]
        assert shown["changes"][0]["fields"][0]["after"] == "new \u202eevil\u2066\x7f\x85"
        assert shown["changes"][0]["notes"] == original["notes"]
    if fmt == "text":
        assert result.out.startswith("Target prod\\x1b]0;title\\x07: account 1\\u202e2, region eu\\x0a::notice::r\n")
        assert (
            "~ evil\\x1b[2J\\u202e`</code></summary>: update  (a.yaml)\\x0a::warning::fake\\x0d\\x0aNo changes"
            in result.out
        )
        assert "    ~ AuthParameters.X: n\\x0a::x\n" in result.out
        assert (
            '~ Description\\x0a::set-output name=x::y: "old\\u2028line" → "new \\u202eevil\\u2066\\u007f\\u0085"'
            in (result.out)
        )
    if fmt == "markdown":
        assert "<code>~ evil\\x1b[2J\\u202e`&lt;/code&gt;&lt;/summary&gt;</code>" in result.out
        assert "&lt;/details&gt;" in result.out
