"""-vvv never logs a request body, a signing line, a credential or a secret in any encoding
(issue #20): plan, apply, a saved plan and import --copy-secret-values, with values chosen
to defeat escaping (a quote, a double quote, a backslash, a tab, non-ASCII, 3 characters)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from botocore.awsrequest import AWSRequest

from support.cli import api_key_spec, run, write
from testing.emulator import TestEmulator

VALUES = {
    "quote": "SENTINEL-it's-q1",
    "dquote": 'SENTINEL-say-"hi"-d2',
    "backslash": "SENTINEL-back\\slash-b3",
    "tab": "SENTINEL-tab\there-t4",
    "unicode": "SENTINEL-ünïcødé-€-n5",
    "short": "Zq9",
}
TOKEN = "TOKENMARKER-7c41e2d9"
SIGNING = ("CanonicalRequest", "StringToSign", "Signature:", "AWS4-HMAC-SHA256")


def _escaped(text: str) -> set[str]:
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}


def encodings(value: str) -> set[str]:
    """How a value may be printed: raw, JSON-escaped once and twice, a str or bytes repr of
    any of those (with either quote), URL-encoded, base64, its SHA-256."""
    once = _escaped(value)
    texts = {value} | once | {e for o in once for e in _escaped(o)}
    found = set(texts)
    for text in texts:
        for shown in (repr(text)[1:-1], repr(text.encode())[2:-1]):
            found |= {shown, shown.replace("'", "\\'")}
    raw = value.encode()
    found |= {quote(value, safe=""), quote_plus(value), base64.b64encode(raw).decode(), hashlib.sha256(raw).hexdigest()}
    return found


def scan(text: str, where: str, logs: bool = True) -> None:
    for name, value in VALUES.items():
        for form in encodings(value):
            if len(form) < 4:
                # A 3-character secret is masked where it stands as a whole token: look for that.
                hit = re.search(rf"(?<![\w]){re.escape(form)}(?![\w])", text)
            else:
                hit = re.search(re.escape(form), text)
            assert hit is None, (
                f"secret {name} leaked into {where} as {form!r}: {text[max(0, hit.start() - 80) : hit.end() + 80]!r}"
            )
    assert "SENTINEL" not in text, f"a secret leaked into {where}"
    for form in (TOKEN, quote(TOKEN), base64.b64encode(TOKEN.encode()).decode()):
        assert form not in text, f"the session token leaked into {where}"
    for line in text.splitlines():
        assert not any(word in line for word in SIGNING), f"a signing line reached {where}: {line[:200]!r}"
        # No log line holds a SHA-256 at all (a saved plan's spec_digest is a digest of the spec).
        assert not (logs and re.search(r"\b[0-9a-f]{64}\b", line)), f"a SHA-256 reached {where}: {line[:200]!r}"


class Collect(logging.Handler):
    """A user's handler on the root logger, with a plain formatter: it sees what reconcile's filters leave."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def user_handler() -> Iterator[Collect]:
    handler = Collect()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_vvv_holds_no_body_signature_token_or_secret(
    aws: TestEmulator,
    specs: Path,
    tmp_path: Path,
    secrets: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    user_handler: Collect,
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    secrets.create_secret(Name="prod/hostile", SecretString=json.dumps(VALUES))
    for key in VALUES:
        write(specs, f"{key}.yaml", api_key_spec(name=f"h-{key}", secret=f"prod/hostile:SecretString:{key}"))
    outputs: list[tuple[str, str]] = []

    def go(*argv: str) -> int:
        result = run(capsys, *argv, "-vvv")
        outputs.append((" ".join(argv), result.out + result.err))
        return result.code

    summary = tmp_path / "summary.md"
    assert go("plan", "--dir", "connections", "--summary", str(summary)) == 2
    assert go("apply", "--dir", "connections", "--yes", "--wait-timeout", "10") == 0
    assert go("plan", "--dir", "connections", "--force-secrets", "--out", str(tmp_path / "saved.json")) == 2
    assert go("apply", str(tmp_path / "saved.json"), "--yes", "--wait-timeout", "10") == 0
    # Import copies each connection's values into a new secret: JSON inside a JSON request body.
    assert go("import", "--dir", "imported", "--copy-secret-values") == 0
    copied = json.loads(secrets.get_secret_value(SecretId="eventbridge/h-quote")["SecretString"])
    assert VALUES["quote"] in copied.values(), "import did not copy the value (the JSON-in-JSON case was not exercised)"

    for command, text in outputs:
        scan(text, f"the output of `reconcile {command} -vvv`")
    scan("\n".join(user_handler.lines), "a handler of the user's on the root logger")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"saved.json", "summary.md", "h-quote.yaml"} <= {p.name for p in written}
    for path in written:
        scan(path.read_text(encoding="utf-8"), str(path), logs=False)
    # Still useful: each request's operation, the status of each response.
    logs = "\n".join(text for _, text in outputs)
    for operation in (
        "DescribeConnection",
        "BatchGetSecretValue",
        "CreateConnection",
        "UpdateConnection",
        "CreateSecret",
    ):
        assert f"botocore.endpoint: Making request for {operation}: POST http://" in logs
    assert re.search(r'urllib3.connectionpool: http://127\.0\.0\.1:\d+ "POST / HTTP/1\.1" 200\n', logs)
    assert "'X-Amz-Security-Token': '(withheld by reconcile)'" in logs
    # Every logger of botocore and urllib3 that exists after the runs (lazily imported
    # modules included) has a filter of its own: a record of a logger without one would reach
    # a user's handler as botocore wrote it.
    unguarded = [
        name
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
        and name.split(".")[0] in ("botocore", "boto3", "urllib3")
        and not logger.filters
    ]
    assert unguarded == []


def test_signing_and_body_records_are_stopped_at_their_loggers(
    aws: TestEmulator, capsys: pytest.CaptureFixture[str], user_handler: Collect
) -> None:
    """Filters sit on botocore's loggers, not on reconcile's handler: a record logged there
    after a run reaches no handler at all (signing) or reaches it rewritten (a body)."""
    run(capsys, "validate", "--dir", "nowhere", "-vvv")  # sets logging up, at -vvv
    logging.getLogger("botocore.auth").debug("CanonicalRequest:\n%s", f"x-amz-security-token:{TOKEN}")
    logging.getLogger("botocore.endpoint").debug(
        "Making request for %s with params: %s", "OperationModel(name=CreateSecret)", {"body": b'{"s": "it\\\'s"}'}
    )
    logging.getLogger("botocore.parsers").debug("Response body:\n%r", b'{"SecretString": "SENTINEL-x"}')
    # Any other botocore line: a request object, raw bytes or a header mapping never shows as it is.
    imds = AWSRequest(method="PUT", url="http://169.254.169.254/token?X-Amz-Security-Token=" + TOKEN)
    imds.headers["x-aws-ec2-metadata-token"] = TOKEN
    logging.getLogger("botocore.utils").debug("Bad IMDS request: %s", imds)
    logging.getLogger("botocore.utils").debug("%s %s", b"SENTINEL-bytes", {"Authorization": TOKEN, "Host": "h"})
    text = "\n".join(user_handler.lines)
    assert TOKEN not in text and "CanonicalRequest" not in text
    assert "it\\'s" not in text and "SENTINEL" not in text
    assert "Making request for OperationModel(name=CreateSecret)" in text
    assert "botocore.utils: Bad IMDS request: <AWSRequest PUT http://169.254.169.254/token, headers {" in text


def test_last_resort_sees_only_rewritten_records(
    aws: TestEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no handler on the way up (here: propagation cut), logging hands a record to
    `logging.lastResort`; the filters on botocore's loggers have acted by then."""
    run(capsys, "validate", "--dir", "nowhere", "-vvv")
    last = Collect()
    monkeypatch.setattr(logging, "lastResort", last)
    for name in ("botocore.auth", "botocore.endpoint"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", False)
    logging.getLogger("botocore.auth").warning("StringToSign:\n%s", TOKEN)
    logging.getLogger("botocore.endpoint").warning(
        "Making request for %s with params: %s", "CreateSecret", {"method": "POST", "body": b'{"s": "SENTINEL"}'}
    )
    assert last.lines == [
        "botocore.endpoint: Making request for CreateSecret: POST  (request body not logged by reconcile: "
        "it may hold secret values)"
    ]
