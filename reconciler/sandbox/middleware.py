"""The WSGI app in front of moto: layers, then the corrections, then moto.

A layer sees each request before the corrections do and may answer it, change it or
pass it on. It is the emulator's one extension point: the sandbox counts its write
calls with one (writes.py), and the test emulator (testing/, not shipped) adds its
counters, faults and control routes the same way. The corrections are no layer:
they are what the emulator is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from reconciler.sandbox.accounts import HEADER, request_account
from reconciler.sandbox.connections import ConnectionService
from reconciler.sandbox.destinations import DestinationService
from reconciler.sandbox.wire import (
    AwsError,
    AwsRequest,
    Environ,
    Reply,
    StartResponse,
    WsgiApp,
    call_app,
    error_reply,
    json_reply,
    read_request,
    send,
)

log = logging.getLogger(__name__)

# What a layer hands a request on to: the layers after it, then the corrections and moto.
Handler = Callable[[AwsRequest, Environ], Reply]


class Layer(Protocol):
    """Answer `request`, or pass it (changed or not) to `inner`. An AwsError raised becomes the reply."""

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply: ...


class EmulatorApp:
    """WSGI app: the layers, outermost first, then our corrections in front of moto's DomainDispatcherApplication.

    `account_id` is the account of requests signed with keys no account issued (accounts.py).
    """

    def __init__(
        self,
        *,
        account_id: str,
        default_region: str,
        connections: ConnectionService,
        destinations: DestinationService | None = None,
        layers: Sequence[Layer] = (),
    ) -> None:
        self.account_id = account_id
        self.default_region = default_region
        self.connections = connections
        self.destinations = destinations if destinations is not None else DestinationService(connections)
        self.moto_app: WsgiApp | None = None  # set when the server starts, so importing us stays cheap
        # moto's backends are not built for concurrent mutation; one request at a time past the layers.
        self.lock = threading.RLock()
        handler: Handler = self._correct_or_forward
        for layer in reversed(layers):
            handler = _wrap(layer, handler)
        self._handle = handler

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = read_request(environ, self.default_region, request_account(environ, self.account_id))
        try:
            reply = self._handle(request, environ)
        except AwsError as error:
            reply = error_reply(error)
        return send(reply, start_response)

    def _correct_or_forward(self, request: AwsRequest, environ: Environ) -> Reply:
        # moto reads the account from this header (moto.core.responses.get_current_account): the one
        # the corrections act in too (accounts.py), so moto's own answers (STS, Secrets Manager) agree.
        environ[HEADER] = request.account
        with self.lock:
            try:
                if request.prefix == "AWSEvents" and request.action in self.connections.handlers:
                    return json_reply(self.connections.handle(request.action, request.where, request.body))
                if request.prefix == "AWSEvents" and request.action in self.destinations.handlers:
                    return json_reply(self.destinations.handle(request.action, request.where, request.body))
                if self.moto_app is None:
                    raise AwsError("InternalException", "The emulator is not started.", 500)
                return call_app(self.moto_app, environ, request.raw)
            except AwsError as error:
                return error_reply(error)
            except Exception as error:  # noqa: BLE001 - the one boundary where anything becomes a reply
                return error_reply(_from_moto(error))


def _wrap(layer: Layer, inner: Handler) -> Handler:
    return lambda request, environ: layer(request, environ, inner)


def _from_moto(error: Exception) -> AwsError:
    # moto's service errors carry the AWS code (JsonRESTError: error_type and an int status in `code`;
    # the newer ServiceException: the code itself in `code`). Anything else is our bug, shown as a 500.
    error_type, message, code = (getattr(error, name, None) for name in ("error_type", "message", "code"))
    if isinstance(message, str) and isinstance(error_type, str) and isinstance(code, int):
        return AwsError(error_type, message, code)
    if isinstance(message, str) and isinstance(code, str):
        return AwsError(code, message, 400)
    log.exception("emulator failed on a request")
    return AwsError("InternalException", f"emulator error: {type(error).__name__}", 500)
