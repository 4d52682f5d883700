"""Linear-time equivalents of botocore model patterns that backtrack exponentially.

The model's "words separated by blanks" patterns, e.g. AuthHeaderParameters
`^[ \\t]*[^\\x00-\\x1F:\\x7F]+([ \\t]+[^\\x00-\\x1F:\\x7F]+)*[ \\t]*$`, use a word class that
includes the space, so Python's backtracking engine tries exponentially many splits of a
long value that fails at its end: 40 words take hours. The language is simply "characters
of the class or tabs, at least one of the class" (the space is in the class, the tab is
not), which `^(?=\\t*X)(?:X|\\t)+$` matches in linear time. tests/test_patterns.py checks
the two agree. AWS applies patterns to the whole value (Java `matches()`), so callers use
`fullmatch`.
"""

from __future__ import annotations

import functools
import re

_BLANK_SEPARATED_WORDS = re.compile(r"^\^\[ \\t\]\*(?P<word>\[[^\]]+\])\+\(\[ \\t\]\+(?P=word)\+\)\*\[ \\t\]\*\$$")


def linear(pattern: str) -> str:
    """The pattern itself, or its linear-time equivalent when it is a blank-separated-words one."""
    match = _BLANK_SEPARATED_WORDS.match(pattern)
    if match is None:
        return pattern
    word = match.group("word")
    return rf"^(?=\t*{word})(?:{word}|\t)+$"


@functools.lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(linear(pattern))


def matches(pattern: str, value: str) -> bool:
    """Whole-value match, as AWS applies model patterns."""
    return compiled(pattern).fullmatch(value) is not None
