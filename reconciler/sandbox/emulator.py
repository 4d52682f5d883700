"""A real HTTP endpoint on loopback serving moto, corrected where moto differs from EventBridge.

Tests and the sandbox point real boto3 clients at `Emulator.endpoint`. The
corrections live in corrections.py (pure), connections.py (the connection
actions), lifecycle.py (states), validation.py (model constraints),
secret_reads.py and faults.py; this module only runs the server and exposes
the controls (also over HTTP under /_emulator/, see control.py, for an
emulator in another process: serve.py).

moto keeps its state in process-wide globals, so every Emulator in one process
shares it: reset() wipes moto for all of them.
"""

from __future__ import annotations

import threading
from types import TracebackType

from reconciler.sandbox import control
from reconciler.sandbox.connections import ConnectionService
from reconciler.sandbox.corrections import SecretLayout
from reconciler.sandbox.middleware import EmulatorApp
from reconciler.sandbox.server import WSGIServer, make_server
from reconciler.sandbox.wire import WsgiApp


class Emulator:
    """moto behind our corrections, served on loopback; `region` is used when a request names none."""

    def __init__(
        self, *, region: str = "us-east-1", account_id: str = "123456789012", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.host = host
        self._requested_port = port
        self._connections = ConnectionService(account_id)
        self._app = EmulatorApp(account_id=account_id, default_region=region, connections=self._connections)
        self._app.control = lambda method, path, raw: control.handle(self, method, path, raw)
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- server -------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> Emulator:
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

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Wipe moto's state (every service) and every control and counter of this emulator."""
        with self._app.lock:
            _reset_moto()
            self._connections.clear()
            self._app.reset()

    # --- observation --------------------------------------------------------------------

    def calls(self, action: str | None = None) -> int:
        """Requests received for `action` (e.g. "DescribeConnection"), or all of them."""
        return self._app.counters.calls(action)

    def calls_by_action(self) -> dict[str, int]:
        """Requests received so far, by action."""
        return self._app.counters.by_action()

    def repeated_calls(self) -> int:
        """Requests identical (action and body) to an earlier one since the counters were reset."""
        return self._app.counters.repeats()

    def user_agents(self) -> dict[str, int]:
        """Requests received so far, by User-Agent header."""
        return self._app.counters.user_agents()

    def write_calls(self) -> int:
        """Requests received for mutating actions (Create*/Update*/Delete*/Put*/... in any service)."""
        return self._app.counters.writes()

    def reset_counters(self) -> None:
        self._app.counters.clear()

    # --- behaviour controls ---------------------------------------------------------------

    def settle_into(self, name: str, state: str, reason: str = "") -> None:
        """The next settle of connection `name` ends in `state` with StateReason `reason`.

        "AUTHORIZING" leaves it authorizing for good (for timeout tests).
        """
        with self._app.lock:
            self._connections.settle_into(name, state, reason)

    def force_state(self, name: str, state: str, reason: str = "") -> None:
        """Put an existing, settled connection in `state` now, as AWS does when it deauthorizes one."""
        with self._app.lock:
            self._connections.force_state(self.region, name, state, reason)

    def set_transition_polls(self, n: int) -> None:
        """How many DescribeConnection calls see each transitional state (0 = settle at once)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._app.lock:
            self._connections.transition_polls = n

    def deny_managed_secret_reads(self, deny: bool = True) -> None:
        self._app.deny_managed_secret_reads = deny

    def set_managed_secret_layout(self, layout: str) -> None:
        """How managed secrets written from now on spell their HTTP parameter lists.

        "snake" (moto's, the default), "pascal" (as the request spelled them, as LocalStack
        writes them) or "pascal-no-oauth-http" (LocalStack as it is: OAuth HTTP parameters
        not kept). No AWS recording shows which AWS does (shared AWS-NOTES.md, "The managed
        secret" and "LocalStack"); see corrections.SecretLayout.
        """
        chosen = SecretLayout.named(layout)
        with self._app.lock:
            self._connections.managed_secret_layout = chosen

    def set_latency(self, seconds: float) -> None:
        self._app.latency = max(0.0, seconds)

    def set_connection_quota(self, n: int) -> None:
        with self._app.lock:
            self._connections.quota = n

    def ignore_list_name_prefix(self, ignore: bool = True) -> None:
        """ListConnections answers every connection, whatever its NamePrefix, as moto does."""
        with self._app.lock:
            self._connections.ignore_name_prefix = ignore

    # --- faults ---------------------------------------------------------------------------

    def inject(self, action: str, fault: str, times: int = 1, *, seconds: float = 2.0) -> None:
        """Make the next `times` calls of `action` ("*" for any) fail with `fault`.

        Faults: throttle, 500, 503, reset, timeout (sleeps `seconds`, then handles
        the request), concurrent, access_denied, limit. See faults.FAULTS.
        """
        self._app.faults.inject(action, fault, times, seconds=seconds)

    def set_throttle_rate(self, rate: float, actions: set[str] | None = None, seed: int | None = None) -> None:
        """Answer ThrottlingException to a fraction `rate` of the calls of `actions` (None: every action).

        Armed faults (inject) fire first; 0 turns the rate off. Throttled calls count
        in calls(), faults_injected() and throttled(). `seed` fixes the draws.
        """
        self._app.faults.set_throttle_rate(rate, actions, seed)

    def faults_injected(self) -> int:
        return self._app.faults.injected()

    def throttled(self) -> int:
        """ThrottlingException replies sent, by inject("...", "throttle") or by the throttle rate."""
        return self._app.faults.throttled()


def _moto_app() -> WsgiApp:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def _reset_moto() -> None:
    # What moto's own /moto-api/reset does (moto.moto_api._internal.models.MotoAPIBackend.reset).
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()
