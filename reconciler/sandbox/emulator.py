"""A real HTTP endpoint on loopback serving moto, corrected where moto differs from EventBridge.

The sandbox points real boto3 clients at `Emulator.endpoint`. The corrections live in
corrections.py (pure), connections.py (the connection actions), lifecycle.py
(states), destination_corrections.py and destinations.py (API destinations) and
validation.py (model constraints), each citing its AWS source; this
module only runs the server. `layers` (middleware.Layer) see every request first:
the extension point for the test emulator (testing/emulator.py, not shipped), which
adds counters, faults and control routes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from reconciler.sandbox.connections import ConnectionService
from reconciler.sandbox.destinations import DestinationService
from reconciler.sandbox.middleware import EmulatorApp, Layer
from reconciler.sandbox.server import WSGIServer, make_server
from reconciler.sandbox.wire import Where, WsgiApp


class Emulator:
    """moto behind our corrections, served on loopback; `region` is used when a request names none.

    Each request acts in the account of its credentials (accounts.py): an assumed role's keys in
    the role's account, other keys in `account_id`. Every resource is kept per account and region.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        host: str = "127.0.0.1",
        port: int = 0,
        layers: Sequence[Layer] = (),
        connections: ConnectionService | None = None,
        destinations: DestinationService | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.host = host
        self._requested_port = port
        self.connections = connections if connections is not None else ConnectionService()
        self.destinations = destinations if destinations is not None else DestinationService(self.connections)
        self._app = EmulatorApp(
            account_id=account_id,
            default_region=region,
            connections=self.connections,
            destinations=self.destinations,
            layers=layers,
        )
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def lock(self) -> threading.RLock:
        """Held while a request is corrected or forwarded to moto: hold it to change `connections` or `destinations`."""
        return self._app.lock

    # --- server -------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._app.moto_app = _moto_app()
        server = make_server(self.host, self._requested_port, self._app)
        self._thread = threading.Thread(target=server.serve_forever, name="reconcile-emulator", daemon=True)
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- what the sandbox steers ------------------------------------------------------------

    def set_transition_polls(self, n: int) -> None:
        """How many DescribeConnection calls see each transitional state (0 = settle at once)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self.lock:
            self.connections.transition_polls = n

    def force_state(self, name: str, state: str, reason: str = "", *, account: str | None = None) -> None:
        """Put an existing, settled connection in `state` now, as AWS does when it deauthorizes one.

        In the default region, and `account` (default: the emulator's)."""
        with self.lock:
            self.connections.force_state(Where(account or self.account_id, self.region), name, state, reason)


def _moto_app() -> WsgiApp:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)
