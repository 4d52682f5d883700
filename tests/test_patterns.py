"""The linear-time pattern forms accept exactly what the model's patterns accept."""

from __future__ import annotations

import re

import botocore.session
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.patterns import linear, matches

MODEL = botocore.session.get_session().get_service_model("events")
REWRITTEN = sorted(
    {p for n in MODEL.shape_names if (p := MODEL.shape_for(n).metadata.get("pattern")) and linear(p) != p}
)
ALPHABET = [" ", "\t", "a", "Z", ":", "\x00", "\x1f", "\x7f", "\n", "é", "~"]


def test_the_backtracking_patterns_are_the_ones_rewritten() -> None:
    # AuthHeaderParameters(Sensitive) and HeaderValue(Sensitive) share these two texts.
    assert len(REWRITTEN) == 2


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=10))
def test_same_language_as_the_model(value: str) -> None:
    for pattern in REWRITTEN:
        assert (re.fullmatch(pattern, value) is not None) == matches(pattern, value), (pattern, value)


def test_other_patterns_are_untouched() -> None:
    assert linear("^[a-z]+$") == "^[a-z]+$"


def test_long_hostile_value_is_rejected() -> None:
    for pattern in REWRITTEN:
        assert not matches(pattern, "a " * 10_000 + "\x01")
        assert matches(pattern, "\t" + "a " * 10_000 + "b\t")
