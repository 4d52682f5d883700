"""botocore's DEBUG log (-vvv), kept useful and made to hold nothing secret by construction.

Redaction can only mask values reconcile knows, in the forms it thinks of. So the records
that carry request or response bodies, body digests, signatures or credentials are
rewritten (or dropped) by filters on the loggers that create them, before any handler
formats them: ours, a user's, a test's, or `logging.lastResort`. A logger's filters see
only its own records (not its children's, logging docs "Filter objects"), hence one
filter on each logger by name. What stays: the operation, method and URL of each request,
its harmless headers, the response status, retries, timings (each line's timestamp).

What botocore 1.3x logs, and why each is handled (botocore/endpoint.py, auth.py, parsers.py,
awsrequest.py; urllib3/connectionpool.py):
- `Making request for OP with params: {...}`: the request body (secret values, as a bytes
  repr; CreateSecret's SecretString JSON-escaped twice). Rewritten without it.
- `Sending http request: <AWSPreparedRequest ... headers={...}>`: `Authorization` (the
  signature and access key id) and `X-Amz-Security-Token`. Only allowed headers are shown.
- botocore.auth's `CanonicalRequest`, `StringToSign`, `Signature`: the body's SHA-256
  (enough to test guesses at a weak secret offline) and the session token. Dropped, all of it.
- `Response body: ...` (GetSecretValue returns secret values) and `Response headers`
  (lengths and checksums of those bodies). Body withheld, headers allow-listed.
- `Rewinding stream: BODY`. Rewritten without it.
- urllib3's request line ends with the response length (a secret's length): dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reconciler.secrets.redact import REDACTOR

WITHHELD = "(withheld by reconcile)"
BODY_WITHHELD = "not logged by reconcile: it may hold secret values"
# Headers whose values are shown; every other header is named with its value withheld
# (Authorization, X-Amz-Security-Token, X-Amz-Content-SHA256, checksums, Content-Length...).
SHOWN_HEADERS = frozenset(
    {
        "content-type",
        "x-amz-target",
        "x-amz-date",
        "user-agent",
        "host",
        "accept-encoding",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "x-amzn-requestid",
        "x-amz-request-id",
        "x-amzn-errortype",
        "date",
        "server",
        "connection",
        "retry-after",
        "status",
    }
)
# Header names that mark a mapping as headers worth filtering, wherever it is logged.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "x-amz-security-token", "x-amz-content-sha256", "x-aws-ec2-metadata-token"}
)
SIGNING_LOGGERS = ("botocore.auth",)
# Every logger of these libraries present when logging is set up gets the rewriting filter;
# these are named too, so they have it even if their module is imported later.
WIRE_LOGGERS = (
    "botocore",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.awsrequest",
    "botocore.httpsession",
    "botocore.hooks",
    "botocore.retryhandler",
    "botocore.credentials",
    "urllib3",
    "urllib3.connectionpool",
)
LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer", "reconciler")


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def headers(values: Any) -> dict[str, str]:
    """Header names, with values only for the harmless ones."""
    items = values.items() if hasattr(values, "items") else []
    return {_text(k): (_text(v) if _text(k).lower() in SHOWN_HEADERS else WITHHELD) for k, v in items}


def url(value: Any) -> str:
    """A URL without its query string and fragment (presigned URLs carry credentials there)."""
    parts = urlsplit(str(value))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _operation(value: Any) -> str:
    return str(getattr(value, "name", value))


def _rewrite(record: logging.LogRecord) -> None:
    msg = str(record.msg)
    # logging unpacks a lone mapping argument into record.args itself (LogRecord.__init__).
    args = record.args if isinstance(record.args, tuple) else (record.args,) if record.args else ()
    if msg.startswith("Making request for") and len(args) == 2 and isinstance(args[1], Mapping):
        request = args[1]
        record.msg = "Making request for %s: %s %s (request body %s)"
        record.args = (_operation(args[0]), request.get("method"), url(request.get("url", "")), BODY_WITHHELD)
    elif msg.startswith("Sending http request") and len(args) == 1:
        prepared = args[0]
        record.msg = "Sending http request: %s %s, headers %s (body %s)"
        record.args = (
            getattr(prepared, "method", "?"),
            url(getattr(prepared, "url", "")),
            headers(getattr(prepared, "headers", {})),
            BODY_WITHHELD,
        )
    elif msg.startswith("Response headers") and len(args) == 1:
        record.args = (headers(args[0]),)
    elif msg.startswith("Response body"):
        record.msg, record.args = "Response body: (%s)", (BODY_WITHHELD,)
    elif msg.startswith("Rewinding stream"):
        record.msg, record.args = "Rewinding the request body stream", ()
    elif record.name == "urllib3.connectionpool" and msg.startswith('%s://%s:%s "%s %s %s" %s') and len(args) == 8:
        record.msg = '%s://%s:%s "%s %s %s" %s'
        record.args = (*args[:4], url(args[4]), *args[5:7])
    elif args:
        # Any other line: no body, request or header mapping is printed as it is.
        record.args = tuple(_safe(arg) for arg in args)


def _safe(arg: Any) -> Any:
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return "(bytes not logged by reconcile)"
    if hasattr(arg, "headers") and hasattr(arg, "url"):  # an AWSRequest, AWSPreparedRequest, AWSResponse
        return f"<{type(arg).__name__} {getattr(arg, 'method', '')} {url(arg.url)}, headers {headers(arg.headers)}>"
    if isinstance(arg, Mapping) and any(_text(key).lower() in CREDENTIAL_HEADERS for key in arg):
        return headers(arg)
    return arg


class WireLogFilter(logging.Filter):
    """Rewrites the records that would carry bodies, digests or credentials (above), then
    masks every secret value reconcile knows in what is left, so the record no handler
    sees holds one: the message is formatted here, once, and its arguments dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SIGNING_LOGGERS):
            return False
        try:
            _rewrite(record)
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record we can't render must not be shown raw
            message = f"(a {record.name} log message reconcile could not render safely)"
        record.msg, record.args = REDACTOR.redact(message), ()
        return True


class Silence(logging.Filter):
    """botocore.auth logs the canonical request (with the body's SHA-256 and the session
    token), the string to sign and the signature: nothing in it is worth its risk."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


WIRE_FILTER = WireLogFilter()
SILENCE = Silence()


def guard_loggers() -> None:
    """Attach the filters to the loggers themselves (idempotent: one instance each)."""
    manager = logging.Logger.manager
    names = {
        name
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LIBRARIES
    }
    for name in names | set(WIRE_LOGGERS) | set(SIGNING_LOGGERS):
        logger = logging.getLogger(name)
        logger.addFilter(SILENCE if name.startswith(SIGNING_LOGGERS) else WIRE_FILTER)
