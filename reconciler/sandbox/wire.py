"""HTTP plumbing for the emulator: AWS JSON-protocol requests and replies over WSGI."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

# WSGI types kept loose: the stdlib and werkzeug disagree on the exact aliases.
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# EventBridge and Secrets Manager both speak awsJson1_1: the action rides in
# X-Amz-Target as "<prefix>.<Action>" and the body is a JSON object.
# https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
_TARGET = re.compile(r"^(?P<prefix>[A-Za-z0-9_]+)\.(?P<action>[A-Za-z0-9]+)$")
# The SigV4 credential scope names the region: Credential=AKID/20240101/us-east-1/events/aws4_request
_SCOPE_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/")

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


class AwsError(Exception):
    """An error reply in AWS's JSON shape; raised by handlers, rendered at one boundary."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Where:
    """The account and region a request acts in: the emulator keeps every resource per both, as AWS does."""

    account: str
    region: str


@dataclass(frozen=True)
class AwsRequest:
    """One request as the emulator sees it, body already read."""

    prefix: str  # "AWSEvents", "secretsmanager", or "" when not a JSON-protocol call
    action: str  # "CreateConnection", ...; "" when unknown
    region: str
    raw: bytes
    body: dict[str, Any] = field(default_factory=dict)
    account: str = "123456789012"  # accounts.request_account: the signing key's account

    @property
    def where(self) -> Where:
        return Where(self.account, self.region)


@dataclass
class Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.body or b"{}")
        return loaded if isinstance(loaded, dict) else {}


def read_request(environ: Environ, default_region: str, account: str = "123456789012") -> AwsRequest:
    """Read the body once and put it back, so moto can read it again if we forward.

    `account` is the one the request acts in (accounts.request_account)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        raw = environ["wsgi.input"].read(length)
    else:  # a chunked body is read to its end too, so a kept-alive connection stays in step
        raw = environ["wsgi.input"].read() if environ.get("wsgi.input_terminated") else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    target = _TARGET.match(environ.get("HTTP_X_AMZ_TARGET", ""))
    scope = _SCOPE_REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
    body: dict[str, Any] = {}
    if target and raw:
        try:
            loaded = json.loads(raw)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            body = loaded
    return AwsRequest(
        prefix=target.group("prefix") if target else "",
        action=target.group("action") if target else _query_action(raw),
        region=scope.group("region") if scope else default_region,
        raw=raw,
        body=body,
        account=account,
    )


def _query_action(raw: bytes) -> str:
    """The Action of a query-protocol request (STS: a form body, `Action=AssumeRole&...`)."""
    try:
        values = parse_qs(raw.decode("ascii")).get("Action") or [""]
    except UnicodeDecodeError:
        return ""
    return values[0]


def json_reply(payload: dict[str, Any], status: int = 200) -> Reply:
    body = json.dumps(payload).encode()
    return Reply(
        status,
        body,
        [
            ("Content-Type", JSON_CONTENT_TYPE),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )


def error_reply(error: AwsError) -> Reply:
    # botocore reads the code from "__type" and the text from "message".
    reply = json_reply({"__type": error.code, "message": error.message}, error.status)
    reply.headers.append(("x-amzn-ErrorType", error.code))
    return reply


def call_app(app: WsgiApp, environ: Environ, body: bytes) -> Reply:
    """Run a WSGI app (moto) on a copy of the request with `body`, capturing its reply."""
    inner = dict(environ)
    inner["wsgi.input"] = io.BytesIO(body)
    inner["CONTENT_LENGTH"] = str(len(body))
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = list(headers)
        return lambda _chunk: None

    chunks = app(inner, start_response)
    try:
        data = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Reply(captured.get("status", 500), data, captured.get("headers", []))


def with_json_body(reply: Reply, payload: dict[str, Any]) -> Reply:
    """Same status and headers, new JSON body (Content-Length fixed up)."""
    body = json.dumps(payload).encode()
    headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    return Reply(reply.status, body, headers)


def send(reply: Reply, start_response: StartResponse) -> list[bytes]:
    reason = _REASONS.get(reply.status, "Status")
    start_response(f"{reply.status} {reason}", reply.headers)
    return [reply.body]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
