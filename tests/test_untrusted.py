"""reconciler/untrusted.py: what a terminal or a GitHub runner would act on is never shown raw."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from reconciler.untrusted import for_stream, json_visible, visible

ACTED_ON = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Text made mostly of what matters here, so every case meets some of it.
HOSTILE = st.text(
    alphabet=st.sampled_from(["\\", "\n", "\r", "\t", "\x1b", "\x85", "\x9b", "\x7f", "\u202e", "\u2066", "\u200f"])
    | st.sampled_from(["\u061c", "\u2028", "\u2029", "\u3000", "\xa0", " ", ":", "#", "[", "a", "é", "`", "|"]),
    max_size=30,
)


def test_visible_escapes_each_kind() -> None:
    assert visible("a\x1b[8mb") == "a\\x1b[8mb"
    assert visible("x\u202ey\u2066\u200e\u061c") == "x\\u202ey\\u2066\\u200e\\u061c"
    assert visible("1\n2\r\t\x85\u2028\u2029\x7f") == "1\\x0a2\\x0d\\x09\\x85\\u2028\\u2029\\x7f"
    assert visible("back\\slash \\x1b") == "back\\\\slash \\\\x1b"  # a real escape can't be faked
    assert visible("plain é ünï ✓ `|`") == "plain é ünï ✓ `|`"
    assert visible("pattern [\\.]\x1b", backslash=False) == "pattern [\\.]\\x1b"


@given(HOSTILE)
def test_visible_is_one_line_of_inert_text_and_reversible(text: str) -> None:
    shown = visible(text)
    assert not ACTED_ON.search(shown)
    # Unambiguous: the escapes read back to exactly the text.
    assert (
        re.sub(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})", lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), shown)
        == text
    )


@given(st.lists(HOSTILE, max_size=4))
def test_for_stream_leaves_no_command_and_no_control(parts: list[str]) -> None:
    text = "\n".join(parts)
    shown = for_stream(text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]", shown)
    assert "##[" not in shown
    # The runner trims every leading Unicode space (.NET TrimStart), then looks for `::`.
    assert not [line for line in shown.split("\n") if line.lstrip().startswith("::")]


def test_for_stream_keeps_json_exact() -> None:
    value = {"name": "a\u202eb##[x]\x85\u2028", "n": ["::c"]}
    dumped = json.dumps(value, indent=2, ensure_ascii=False)
    assert json.loads(for_stream(dumped)) == value
    assert json.loads(json_visible(dumped)) == value
    assert "\u202e" not in for_stream(dumped)


def test_for_stream_lets_reconciles_own_annotations_through() -> None:
    assert for_stream("::error file=a.yaml::bad\n", workflow_commands=True) == "::error file=a.yaml::bad\n"
    assert for_stream("::error file=a.yaml::bad\n") == "\\u003a:error file=a.yaml::bad\n"
    assert for_stream(" \u3000::notice::x") == " \u3000\\u003a:notice::x"
