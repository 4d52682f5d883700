"""Secret values in memory: an opaque wrapper, and a redactor for every text we emit.

Values are wrapped as soon as they are read so that `repr()`, f-strings, logging and
tracebacks show a mask. As a second line, every resolved value is registered with the
redactor, which scrubs all output (our own and botocore's DEBUG request bodies).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading

from ahocorasick_rs import AhoCorasick, MatchKind

MASK = "***"
# Shorter values would garble ordinary words in the output; the schema-level rule
# that secrets come from Secrets Manager is the protection that covers them.
MIN_REDACT_LENGTH = 4


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._matcher: AhoCorasick | None = None
        self._dirty = False

    def add(self, value: str) -> None:
        if len(value) < MIN_REDACT_LENGTH:
            return
        # Request bodies carry the JSON-escaped form (botocore escapes non-ASCII), and
        # botocore's DEBUG log prints bodies as bytes reprs, which double backslashes.
        escaped = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
        forms = {value} | escaped | {e.replace("\\", "\\\\") for e in escaped}
        with self._lock:
            if not forms <= self._values:
                self._values |= forms
                self._dirty = True  # the matcher is rebuilt once, at the next redact(): adds come in thousands

    def redact(self, text: str) -> str:
        """Every character that is part of any registered value (overlaps included) becomes part of a mask.

        One Aho-Corasick pass over the text, whatever the number of values: a plan of
        3,000 connections registers about 13,000 forms, and searching the output for
        each in turn took longer than the rest of the plan's rendering.
        """
        with self._lock:
            if self._dirty:
                self._matcher = AhoCorasick(list(self._values), matchkind=MatchKind.Standard) if self._values else None
                self._dirty = False
            matcher = self._matcher
        if matcher is None:
            return text
        spans: list[list[int]] = []
        for _index, start, end in sorted(matcher.find_matches_as_indexes(text, overlapping=True), key=lambda m: m[1]):
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
    def format(self, record: logging.LogRecord) -> str:
        return REDACTOR.redact(super().format(record))


class WithholdResponseBodies(logging.Filter):
    """botocore's DEBUG log prints every response body: GetSecretValue and
    BatchGetSecretValue bodies hold secret values (and JSON keys a spec never names),
    logged before reconcile sees them, so redaction can't know them yet. Drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "botocore.parsers" and str(record.msg).startswith("Response body"):
            record.msg, record.args = "Response body: (not logged by reconcile: it may hold secret values)", ()
        return True
