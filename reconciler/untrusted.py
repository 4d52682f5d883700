"""Untrusted text (names, paths, descriptions, AWS messages, saved plans) made safe to show.

`visible()` is the one function that renders such text for a terminal: every character a
terminal or a log reader would act on, rather than show, is written as a visible escape.
`for_stream()` is the backstop on everything reconcile prints (output.py), for text that
reached it unescaped.

Why each character: ESC and the other C0/C1 controls drive terminals (colours, cursor
moves, hidden text with `ESC[8m`; a bare CR rewrites the line); the bidi controls reorder
what is shown (the "Trojan Source" attack, CVE-2021-42574); U+2028/U+2029/U+0085 break
lines in editors and some viewers. GitHub's runner reads a line that starts with `::`
(after leading whitespace) as a workflow command, and `##[` *anywhere* in a line as a
legacy one (actions/runner, src/Runner.Common/ActionCommand.cs `TryParseV2`/`TryParse`,
tried in turn by ActionCommandManager.TryProcessCommand).
"""

from __future__ import annotations

import re

# U+061C arabic letter mark, U+200E/F LRM/RLM, U+202A-E embeddings and overrides,
# U+2066-9 isolates: the bidi controls of Unicode TR #9.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SEPARATORS = "\u2028\u2029"  # U+0085 (NEL) is a C1 control, below
_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}{_SEPARATORS}]")
_CONTROLS_AND_BACKSLASH = re.compile(f"[\\\\\\x00-\\x1f\\x7f-\\x9f{_BIDI}{_SEPARATORS}]")
# The same less newline and tab: what whole outputs (which have lines) may not hold raw.
_STREAM_CONTROLS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}{_SEPARATORS}]")
# The runner trims leading whitespace (.NET String.TrimStart: every Unicode space, U+3000
# too) before it looks for `::`; so does this, short of the newline.
_COMMAND_START = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, backslash: bool = True) -> str:
    """Untrusted text as it may be shown on one line: controls, bidi controls and line
    separators as `\\x1b`, `\\u202e`, `\\x0a` escapes, and backslash itself doubled, so every
    escape reads one way. `backslash=False` only for reconcile's own sentences (an error
    message quoting a schema pattern), where doubled backslashes would misquote it."""
    return (_CONTROLS_AND_BACKSLASH if backslash else _CONTROLS).sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_visible(dumped: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with the same characters as
    `\\uXXXX` escapes: still the same JSON value, never raw on a terminal. JSON escapes C0
    controls itself; DEL, C1, bidi controls and U+2028/9 it leaves raw. Outside strings
    JSON holds only ASCII punctuation and whitespace, so every match is inside a string."""
    return _STREAM_CONTROLS.sub(_json_escape, dumped)


def for_stream(text: str, workflow_commands: bool = False) -> str:
    """The last step before stdout or stderr. Control characters other than newline and tab
    become `\\uXXXX` (valid inside JSON strings, where alone they can occur in JSON output);
    `##[` never appears; no line starts with `::` unless the caller writes workflow
    commands on purpose (`validate --format github`)."""
    text = _STREAM_CONTROLS.sub(_json_escape, text)
    if "##[" in text:
        text = text.replace("##[", "#\\u0023[")
    if not workflow_commands and "::" in text:
        text = _COMMAND_START.sub(lambda m: f"{m.group(1)}\\u003a", text)
    return text
