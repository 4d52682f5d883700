"""The redactor (secrets/redact.py): every registered value, in every form it is printed in, is masked."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from reconciler.secrets.redact import MASK, MIN_REDACT_LENGTH, Redactor
from reconciler.untrusted import visible


def test_masks_the_value_and_its_escaped_forms() -> None:
    redactor = Redactor()
    value = 'pä"ss\\word'
    redactor.add(value)
    escaped = json.dumps(value)[1:-1]
    bytes_repr = escaped.replace("\\", "\\\\")
    text = f"plain {value} json {escaped} ascii {json.dumps(value, ensure_ascii=False)[1:-1]} log {bytes_repr} end"
    assert redactor.redact(text) == f"plain {MASK} json {MASK} ascii {MASK} log {MASK} end"


def test_overlapping_values_are_masked_whole() -> None:
    redactor = Redactor()
    redactor.add("secret-alpha")
    redactor.add("alpha-beta")
    assert redactor.redact("x secret-alpha-beta y") == f"x {MASK} y"
    assert redactor.redact("a secret-alpha b alpha-beta c") == f"a {MASK} b {MASK} c"


def test_short_values_are_masked_as_whole_tokens_and_cleared_values_left_alone() -> None:
    redactor = Redactor()
    redactor.add("x" * (MIN_REDACT_LENGTH - 1))
    # Inside a longer word it is not that value; standing alone, quoted or escaped, it is.
    assert redactor.redact("xxx xxxx 'xxx' \"xxx\" =xxx& axxx") == f"{MASK} xxxx '{MASK}' \"{MASK}\" ={MASK}& axxx"
    redactor.add("long-value")
    assert redactor.redact("long-value") == MASK
    redactor.clear()
    assert redactor.redact("long-value") == "long-value"


def test_values_added_after_a_redact_are_masked_too() -> None:
    redactor = Redactor()
    redactor.add("first-value")
    assert redactor.redact("first-value second-value") == f"{MASK} second-value"
    redactor.add("second-value")
    assert redactor.redact("first-value second-value") == f"{MASK} {MASK}"


def test_thousands_of_values() -> None:
    redactor = Redactor()
    values = [f"value-bench/conn-{i}" for i in range(5000)]
    for value in values:
        redactor.add(value)
    text = " | ".join(f"name-{i} {values[i]}" for i in range(0, 5000, 7))
    out = redactor.redact(text)
    assert not [v for v in values if v in out]
    assert out.count(MASK) == len(range(0, 5000, 7))


def _reference(values: list[str], text: str) -> str:
    """The same masking, by brute force: mark every character of every occurrence, collapse each run."""
    covered = [False] * len(text)
    for value in values:
        for start in range(len(text) - len(value) + 1):
            if text.startswith(value, start):
                covered[start : start + len(value)] = [True] * len(value)
    out, i = "", 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out += MASK
        else:
            out += text[i]
            i += 1
    return out


# Letters that JSON and bytes reprs print as they are, so each value has one form.
_PLAIN = st.text(alphabet="ab-_01", min_size=MIN_REDACT_LENGTH, max_size=8)


@given(st.lists(_PLAIN, min_size=1, max_size=5), st.lists(st.text(alphabet="ab-_01 xyz", max_size=8), max_size=6))
def test_masks_exactly_what_brute_force_masks(values: list[str], filler: list[str]) -> None:
    redactor = Redactor()
    for value in values:
        redactor.add(value)
    text = "".join(f"{f}{v}" for f, v in zip(filler + [""] * len(values), values)) + "".join(filler)
    assert redactor.redact(text) == _reference(values, text)


def test_masks_every_form_of_hostile_values() -> None:
    """The backstop behind wire_log.py: a quote in a bytes repr (`it\\'s`), JSON inside JSON
    (import's CreateSecret body), a tab, non-ASCII, and the visible() form are all masked."""
    redactor = Redactor()
    values = ["it's-a-secret", 'say "hi" \\ now', "tab\there", "ünï€"]
    for value in values:
        redactor.add(value)
    for value in values:
        twice = json.dumps(json.dumps({"k": value}))
        body = repr(json.dumps({"SecretString": json.dumps({"k": value})}).encode())
        for text in (value, twice, body, repr(value), visible(value)):
            assert MASK in redactor.redact(text), text
            assert value not in redactor.redact(text)
    assert redactor.redact('b\'{"ApiKeyValue":"it\\\'s-a-secret"}\'') == 'b\'{"ApiKeyValue":"***"}\''
