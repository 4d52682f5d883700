"""The WSGI layer in front of moto: count, delay, inject faults, correct, or forward."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import NoReturn

from reconciler.sandbox.connections import ConnectionService
from reconciler.sandbox.control import PREFIX as CONTROL_PREFIX
from reconciler.sandbox.server import SOCKET_KEY
from reconciler.sandbox.faults import DelayOutcome, DropOutcome, ErrorOutcome, FaultPlan
from reconciler.sandbox.secret_reads import GUARDED_ACTIONS, guarded_read
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

# (method, path, body) → reply for the control routes (control.py); the emulator sets it.
ControlHandler = Callable[[str, str, bytes], Reply]

# Actions that change state, whatever the service: what write_calls() adds up.
MUTATING_PREFIXES = (
    "Create", "Update", "Delete", "Put", "Deauthorize", "Tag", "Untag", "Rotate", "Restore",
    "Cancel", "Remove", "Replicate", "Start", "Stop", "Activate", "Deactivate", "Enable", "Disable",
)  # fmt: skip


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_action: Counter[str] = Counter()
        self._seen: set[tuple[str, bytes]] = set()
        self._repeats = 0
        self._user_agents: Counter[str] = Counter()

    def add(self, action: str, body: bytes = b"", user_agent: str = "") -> None:
        with self._lock:
            self._by_action[action] += 1
            self._user_agents[user_agent] += 1
            if (action, body) in self._seen:
                self._repeats += 1
            else:
                self._seen.add((action, body))

    def repeats(self) -> int:
        """Requests identical (action and body) to an earlier one: retries, or reads made twice."""
        with self._lock:
            return self._repeats

    def calls(self, action: str | None = None) -> int:
        with self._lock:
            return sum(self._by_action.values()) if action is None else self._by_action[action]

    def by_action(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_action)

    def user_agents(self) -> dict[str, int]:
        with self._lock:
            return dict(self._user_agents)

    def writes(self) -> int:
        with self._lock:
            return sum(n for action, n in self._by_action.items() if action.startswith(MUTATING_PREFIXES))

    def clear(self) -> None:
        with self._lock:
            self._by_action.clear()
            self._seen.clear()
            self._repeats = 0
            self._user_agents.clear()


class EmulatorApp:
    """WSGI app: our corrections in front of moto's DomainDispatcherApplication."""

    def __init__(self, *, account_id: str, default_region: str, connections: ConnectionService) -> None:
        self.account_id = account_id
        self.default_region = default_region
        self.connections = connections
        self.moto_app: WsgiApp | None = None  # set when the server starts, so importing us stays cheap
        self.faults = FaultPlan()
        self.counters = Counters()
        # moto's backends are not built for concurrent mutation; one request at a time past this point.
        self.lock = threading.RLock()
        self.latency = 0.0
        self.deny_managed_secret_reads = False
        self.epoch = 0  # bumped by reset(), so a request delayed across a reset is dropped
        self.control: ControlHandler | None = None

    def reset(self) -> None:
        self.faults.clear()
        self.counters.clear()
        self.latency = 0.0
        self.deny_managed_secret_reads = False
        self.epoch += 1

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if self.control is not None and path.startswith(CONTROL_PREFIX):
            # Control calls steer the emulator; they are not AWS calls, so not counted, delayed or faulted.
            raw = read_request(environ, self.default_region).raw
            return send(self.control(str(environ.get("REQUEST_METHOD", "GET")), path, raw), start_response)
        request = read_request(environ, self.default_region)
        self.counters.add(request.action or "unknown", request.raw, str(environ.get("HTTP_USER_AGENT", "")))
        epoch = self.epoch
        if self.latency > 0:
            time.sleep(self.latency)
        outcome = self.faults.take(request.prefix, request.action) if request.action else None
        if isinstance(outcome, ErrorOutcome):
            return send(error_reply(AwsError(outcome.code, outcome.message, outcome.status)), start_response)
        if isinstance(outcome, DropOutcome):
            drop_connection(environ)
        if isinstance(outcome, DelayOutcome):
            time.sleep(outcome.seconds)
            if self.epoch != epoch:
                drop_connection(environ)
        # moto reads the account from this header (moto.core.responses.get_current_account).
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account_id
        with self.lock:
            reply = self._dispatch(request, environ)
        return send(reply, start_response)

    def _dispatch(self, request: AwsRequest, environ: Environ) -> Reply:
        def forward(body: bytes) -> Reply:
            if self.moto_app is None:
                raise AwsError("InternalException", "The emulator is not started.", 500)
            return call_app(self.moto_app, environ, body)

        try:
            if request.prefix == "AWSEvents" and request.action in self.connections.handlers:
                return json_reply(self.connections.handle(request.action, request.region, request.body))
            if (
                request.prefix == "secretsmanager"
                and request.action in GUARDED_ACTIONS
                and self.deny_managed_secret_reads
            ):
                return guarded_read(request, forward, self.account_id)
            return forward(request.raw)
        except AwsError as error:
            return error_reply(error)
        except Exception as error:  # noqa: BLE001 - the one boundary where anything becomes a reply
            return error_reply(_from_moto(error))


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


def drop_connection(environ: Environ) -> NoReturn:
    """Close the client's socket without a response.

    The server (server.py) treats a ConnectionError raised by the app as a dropped
    client and stays quiet, so raising one after shutting the socket down ends the
    request with nothing sent.
    """
    sock = environ.get(SOCKET_KEY)
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("fault injected: connection dropped")
