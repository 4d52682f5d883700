"""Layers that make the emulator slow or faulty, as a far-away or failing AWS endpoint is."""

from __future__ import annotations

import socket
import time
from typing import NoReturn

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.server import SOCKET_KEY
from reconciler.sandbox.wire import JSON_CONTENT_TYPE, AwsError, AwsRequest, Environ, Reply, error_reply, json_reply
from testing.faults import (
    DelayOutcome,
    DropOutcome,
    ErrorOutcome,
    FaultPlan,
    GarbledOutcome,
    LostReplyOutcome,
    RepeatTokenOutcome,
)


class Latency:
    """Sleep `seconds` before each call is handled."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        if self.seconds > 0:
            time.sleep(self.seconds)
        return inner(request, environ)


class FaultInjection:
    """Play the outcomes of `plan`: an error reply, a dropped connection (before or after the
    request is handled), or a delay before normal handling."""

    def __init__(self) -> None:
        self.plan = FaultPlan()
        self._epoch = 0  # bumped by clear(), so a request delayed across a reset is dropped

    def _resource(self, request: AwsRequest) -> str:
        """The connection a request names, as the ARN IAM would name it in AccessDenied."""
        name = request.body.get("Name") if request.prefix == "AWSEvents" else None
        return f"arn:aws:events:{request.region}:{request.account}:connection/{name}" if isinstance(name, str) else ""

    def clear(self) -> None:
        self.plan.clear()
        self._epoch += 1

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        epoch = self._epoch
        # Faults answer in AWS JSON 1.1; a query-protocol call (STS, prefix "") passes untouched,
        # as an XML service would never send a JSON error.
        json_call = bool(request.action and request.prefix)
        outcome = self.plan.take(request.prefix, request.action, self._resource(request)) if json_call else None
        if isinstance(outcome, ErrorOutcome):
            return error_reply(AwsError(outcome.code, outcome.message, outcome.status))
        if isinstance(outcome, DropOutcome):
            drop_connection(environ)
        if isinstance(outcome, LostReplyOutcome):
            inner(request, environ)
            drop_connection(environ)
        if isinstance(outcome, GarbledOutcome):
            inner(request, environ)
            body = b'{"CreationTime": "garbled"}'
            return Reply(200, body, [("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", str(len(body)))])
        if isinstance(outcome, RepeatTokenOutcome):
            return _repeat_token(request, inner(request, environ))
        if isinstance(outcome, DelayOutcome):
            time.sleep(outcome.seconds)
            if self._epoch != epoch:
                drop_connection(environ)
        return inner(request, environ)


def drop_connection(environ: Environ) -> NoReturn:
    """Close the client's socket without a response.

    The server (reconciler/sandbox/server.py) treats a ConnectionError raised by the
    app as a dropped client and stays quiet, so raising one after shutting the socket
    down ends the request with nothing sent.
    """
    sock = environ.get(SOCKET_KEY)
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("fault injected: connection dropped")


def _repeat_token(request: AwsRequest, reply: Reply) -> Reply:
    """The reply with the request's own NextToken as its next one (faults.RepeatTokenOutcome)."""
    sent = request.body.get("NextToken")
    if not sent or reply.status != 200:
        return reply
    return json_reply({**reply.json(), "NextToken": sent})
