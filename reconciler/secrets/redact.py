"""Secret values in memory: an opaque wrapper, and a redactor for every text we emit.

Values are wrapped as soon as they are read so that `repr()`, f-strings, logging and
tracebacks show a mask. As a second line, every resolved value is registered with the
redactor, which scrubs all output, in every form a value is likely to be printed in. The
first line for botocore's DEBUG log is that it never logs bodies, digests or credentials
(secrets/wire_log.py); the redactor is the backstop behind it.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading

from ahocorasick_rs import AhoCorasick, MatchKind

from reconciler.untrusted import for_stream, visible

MASK = "***"
# Forms shorter than this are masked only where they stand as a whole token (see
# Redactor.redact): masked anywhere, a 1-3 character secret would garble every word of
# the output that contains those letters.
MIN_REDACT_LENGTH = 4


# Printable ASCII but the quotes and the backslash: no JSON, repr or visible() escape applies.
_PLAIN = re.compile(r"[\x20-\x21\x23-\x26\x28-\x5b\x5d-\x7e]*")


def _reprs(text: str) -> set[str]:
    """Python's str and bytes reprs of text, without their quotes, with either delimiter: a
    repr escapes its own quote character (`it\\'s` in a bytes repr of a JSON body)."""
    found = set()
    for shown in (repr(text)[1:-1], repr(text.encode("utf-8"))[2:-1]):
        found |= {shown, shown.replace("'", "\\'"), shown.replace("\\'", "'")}
    return found


def forms(value: str) -> set[str]:
    """Every form a value is likely to be printed in: itself; JSON-escaped, once (a request
    body) and twice (a JSON secret inside a request body: CreateSecret's SecretString);
    each of those as a Python str or bytes repr (botocore's DEBUG lines); as visible()
    shows it. Not URL-encoded, base64 or a digest of the value alone: nothing reconcile or
    botocore prints holds one now that bodies are never logged, and those forms made the
    matcher 4 to 9 times as slow to build (13,000 values: 1.3-2.8 s instead of 0.3 s)."""
    if _PLAIN.fullmatch(value):
        return {value}  # every escaping leaves it as it is (most values: measured 3 times as fast)
    once = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    twice = {json.dumps(e, ensure_ascii=a)[1:-1] for e in once for a in (True, False)}
    texts = {value} | once | twice
    found = set(texts)
    for text in texts:
        found |= _reprs(text)
    found.add(visible(value))
    return {f for f in found if f}


def _token(form: str) -> str:
    """A short form as a regular expression that matches it only as a whole token: no letter,
    digit or underscore may touch it on either side, whatever its own first and last
    characters are (a secret `(` is masked in `"("` and `= ( `, not in `connection(s)`)."""
    return rf"(?<!\w){re.escape(form)}(?!\w)"


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._matcher: AhoCorasick | None = None
        self._short: re.Pattern[str] | None = None
        self._dirty = False

    def add(self, value: str) -> None:
        if not value:
            return
        found = forms(value)
        with self._lock:
            if not found <= self._values:
                self._values |= found
                self._dirty = True  # the matcher is rebuilt once, at the next redact(): adds come in thousands

    def _rebuild(self) -> None:
        long = [v for v in self._values if len(v) >= MIN_REDACT_LENGTH]
        # Whitespace alone is no secret EventBridge accepts (its pattern wants a visible character).
        short = sorted((v for v in self._values if len(v) < MIN_REDACT_LENGTH and v.strip()), key=len, reverse=True)
        self._matcher = AhoCorasick(long, matchkind=MatchKind.Standard) if long else None
        # A lookahead finds a match at every position, overlapping ones included; longest first.
        self._short = re.compile("(?=(" + "|".join(_token(v) for v in short) + "))") if short else None
        self._dirty = False

    def redact(self, text: str) -> str:
        """Every character that is part of any registered value (overlaps included) becomes part of a mask.

        One Aho-Corasick pass over the text, whatever the number of values: a plan of
        3,000 connections registers about 13,000 forms, and searching the output for
        each in turn took longer than the rest of the plan's rendering.
        """
        with self._lock:
            if self._dirty:
                self._rebuild()
            matcher, short = self._matcher, self._short
        if matcher is None and short is None:
            return text
        found = (
            [(start, end) for _, start, end in matcher.find_matches_as_indexes(text, overlapping=True)]
            if matcher
            else []
        )
        if short is not None:
            found += [(m.start(1), m.end(1)) for m in short.finditer(text)]
        spans: list[list[int]] = []
        for start, end in sorted(found):
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        if not spans:
            return text
        out, at = [], 0
        for start, end in spans:
            out += [text[at:start], MASK]
            at = end
        out.append(text[at:])
        return "".join(out)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._matcher = None
            self._short = None
            self._dirty = False


REDACTOR = Redactor()


class Secret:
    """A secret string that never shows itself by accident."""

    __slots__ = ("_value",)

    def __init__(self, value: str, redact: bool = True) -> None:
        self._value = value
        if redact:
            REDACTOR.add(value)

    def reveal(self) -> str:
        return self._value

    def same_as(self, other: Secret) -> bool:
        """Constant-time comparison, so timing says nothing about the value."""
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("secret values cannot be pickled or saved")


class RedactingFormatter(logging.Formatter):
    """The last step of every log line reconcile writes: the message on one line, untrusted
    text visible (a spec's path, an AWS message), every known secret masked."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = visible(REDACTOR.redact(record.message))
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return for_stream(REDACTOR.redact(super().format(record)))
