"""The hot reads without botocore's per-call machinery: thousands of calls a run.

A plan makes one DescribeConnection per connection and a BatchGetSecretValue per 20
secrets. Through a botocore client each call costs about 0.85 ms of CPU here (event
hooks, endpoint rules, user agent, request and retry handlers), more than the rest of
a plan's work per connection together. This client sends the same calls for a
fraction of that: the body is the parameters as JSON (AWS JSON 1.1 protocol), signed
by sigv4.py, sent on a kept-alive http.client connection of the calling thread, and
decoded as botocore decodes it (timestamps and blobs found from the service model;
errors by botocore's own parser), so callers get exactly what the botocore client
returns, and errors as its ClientError. (urllib3 and botocore's parser cost about as
much again as all of that: 0.40 ms a call against 0.22.)

Nothing is guessed about where to send: until the botocore client has made one call
of its own, calls go through it, and a hook reads the URL and the signing scope it
used (which endpoint rules, FIPS, dual-stack and AWS_ENDPOINT_URL decide). Where a
proxy applies, everything stays on botocore.

Retries follow the AWS SDKs' standard mode (throttling, 5xx, resets and timeouts;
exponential backoff with full jitter, at most 20 s), with limiter.py slowing the
rate when AWS throttles. Response bodies are never logged: they hold secret values.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import socket
import ssl
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, cast
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.httpsession import get_cert_path
from botocore.parsers import create_parser
from botocore.utils import get_environ_proxies, parse_timestamp

from reconciler.aws.errors import THROTTLING, is_transient
from reconciler.aws.limiter import AdaptiveLimiter
from reconciler.aws.sigv4 import Credentials, Signer

MAX_BACKOFF = 20.0  # seconds (AWS SDKs and Tools Reference Guide, "Retry behavior", standard mode)
_SNAKE = {"DescribeConnection": "describe_connection", "BatchGetSecretValue": "batch_get_secret_value",
          "GetSecretValue": "get_secret_value"}
Decode = Callable[[Any], Any]


class _Route:
    """Where botocore sent its call, and how it signed it."""

    def __init__(self, url: str, authorization: str) -> None:
        parts = urlsplit(url)
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        _key, _day, region, service = scope[:4]
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.tls else 80)
        self.path = parts.path or "/"
        self.signer = Signer(parts.netloc, service, region)


def _timestamp(value: Any) -> datetime:
    """botocore's parse_timestamp, without the dateutil tzlocal() it builds per value: for the
    epoch seconds of the JSON protocol, the same instant in the same local offset."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, timezone.utc).astimezone()
        except (OSError, OverflowError, ValueError):
            pass
    parsed: datetime = parse_timestamp(value)
    return parsed


def _decoder(shape: Any) -> Decode | None:
    """A function turning the JSON of `shape` into what botocore's parser returns for it, or None
    where the JSON already is that. Like botocore, structures keep only their members, and
    drop those that are null; timestamps become datetimes, blobs bytes."""
    kind = shape.type_name
    if kind == "timestamp":
        return _timestamp
    if kind == "blob":
        return base64.b64decode
    if kind == "structure":
        members = {m.serialization.get("name", name): (name, _decoder(m)) for name, m in shape.members.items()}

        def structure(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for key, item in value.items():
                if item is not None and key in members:
                    name, decode = members[key]
                    out[name] = decode(item) if decode is not None else item
            return out

        return structure
    if kind == "list":
        item = _decoder(shape.member)
        return None if item is None else (lambda value: [item(v) for v in value])
    if kind == "map":
        inner = _decoder(shape.value)
        return None if inner is None else (lambda value: {k: inner(v) for k, v in value.items()})
    return None


class JsonReads:
    """describe_connection, batch_get_secret_value and get_secret_value, as on a botocore client."""

    def __init__(self, client: Any, credentials: Any, *, attempts: int, verify: str | bool,
                 connect_timeout: float, read_timeout: float) -> None:
        self._client = client
        self._credentials = credentials
        self._attempts = attempts
        self._model = client.meta.service_model
        self._prefix = self._model.metadata["targetPrefix"]
        self._content_type = f"application/x-amz-json-{self._model.metadata['jsonVersion']}"
        self._error_parser = create_parser(self._model.metadata["protocol"])
        self._decoders = {op: _decoder(self._model.operation_model(op).output_shape)
                          for op in _SNAKE if op in self._model.operation_names}
        self._verify = verify
        self._timeouts = (connect_timeout, read_timeout)
        self.limiter = AdaptiveLimiter()
        self._local = threading.local()  # each thread's kept-alive connection
        self._route: _Route | None = None
        self._tls: ssl.SSLContext | None = None
        self._hold: threading.Lock | None = None  # held by the call that learns the route
        if not get_environ_proxies(client.meta.endpoint_url):  # through a proxy, every call stays on botocore
            self._hold = threading.Lock()
            client.meta.events.register_first(f"before-send.{self._model.service_id.hyphenize()}", self._learn,
                                              unique_id=f"reconcile-learn-{id(self)}")

    @property
    def uses_fast_path(self) -> bool:
        return self._route is not None

    # The names and keyword arguments of the botocore client's methods, so callers take either.
    def describe_connection(self, *, Name: str) -> dict[str, Any]:
        return self._call("DescribeConnection", {"Name": Name})

    def batch_get_secret_value(self, *, SecretIdList: list[str]) -> dict[str, Any]:
        return self._call("BatchGetSecretValue", {"SecretIdList": SecretIdList})

    def get_secret_value(self, **params: str) -> dict[str, Any]:
        return self._call("GetSecretValue", params)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if self._route is None:
            hold = self._hold
            if hold is None:
                return self._through_botocore(operation, params)
            with hold:  # one call goes through botocore and shows the route; the rest wait for it
                if self._route is None:
                    try:
                        return self._through_botocore(operation, params)
                    finally:
                        if self._route is None:
                            self._hold = None  # nothing was sent (no credentials, say): stop holding the rest back
        body = json.dumps(params).encode()
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            try:
                parsed = self._send(operation, body)
            except (ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as exc:
                if not is_transient(exc) or attempt >= self._attempts:
                    raise
                if isinstance(exc, ClientError) and exc.response["Error"]["Code"] in THROTTLING:
                    self.limiter.throttled()
                time.sleep(random.uniform(0, min(MAX_BACKOFF, 2.0 ** (attempt - 1))))
                continue
            self.limiter.succeeded()
            return parsed

    def _connection(self, route: _Route) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            connect, _read = self._timeouts
            if route.tls:
                conn = http.client.HTTPSConnection(route.host, route.port, timeout=connect, context=self._tls)
            else:
                conn = http.client.HTTPConnection(route.host, route.port, timeout=connect)
            self._local.conn = conn
        if conn.sock is None:
            conn.connect()
            cast(socket.socket, conn.sock).settimeout(self._timeouts[1])
        return conn

    def _send(self, operation: str, body: bytes) -> dict[str, Any]:
        route = self._route
        assert route is not None
        frozen = self._credentials.get_frozen_credentials()
        headers = route.signer.headers(Credentials(frozen.access_key, frozen.secret_key, frozen.token),
                                       f"{self._prefix}.{operation}", self._content_type, body)
        try:
            conn = self._connection(route)
        except OSError as exc:
            self._local.conn = None
            raise EndpointConnectionError(endpoint_url=route.url, error=exc) from None
        try:
            conn.request("POST", route.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (socket.timeout, TimeoutError) as exc:
            conn.close()
            raise ReadTimeoutError(endpoint_url=route.url, error=exc) from None
        except (http.client.HTTPException, OSError) as exc:
            conn.close()
            raise ConnectionClosedError(endpoint_url=route.url, error=exc) from None
        if response.status >= 300:
            shape = self._model.operation_model(operation).output_shape
            error = self._error_parser.parse({"status_code": response.status, "headers": _Headers(response), "body": data}, shape)
            raise ClientError(error, operation)
        decode = self._decoders[operation]
        try:
            parsed: dict[str, Any] = json.loads(data) if data else {}
            return decode(parsed) if decode is not None else parsed
        except (ValueError, AttributeError, TypeError) as exc:
            # Never the body in the message: it may hold secret values.
            raise UnreadableResponse(operation=operation, error=type(exc).__name__) from None

    # --- learning the route from botocore ------------------------------------------------

    def _through_botocore(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = getattr(self._client, _SNAKE[operation])(**params)
        response.pop("ResponseMetadata", None)
        return response

    def _learn(self, request: Any, **_: Any) -> None:
        authorization = request.headers.get("Authorization", b"")
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        if "Credential=" not in authorization or self._route is not None:
            return
        route = _Route(request.url, authorization)
        if route.tls:
            # A CA bundle setting is used as it is; otherwise botocore's default (certifi's, or its own).
            cafile = self._verify if isinstance(self._verify, str) else get_cert_path(True)
            self._tls = ssl.create_default_context(cafile=cafile)
        self._route = route


class UnreadableResponse(BotoCoreError):
    fmt = "the {operation} response is not the JSON AWS sends ({error})"


class _Headers(dict[str, str]):
    """Response headers with lower-case names, as botocore's parsers look them up."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        super().__init__((k.lower(), v) for k, v in response.getheaders())


def verify_setting(ca_bundle: str | None) -> str | bool:
    """What botocore verifies TLS against: the ca_bundle setting, else REQUESTS_CA_BUNDLE, else its default."""
    return ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE") or True
