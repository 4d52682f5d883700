"""The sandbox's emulator plus what tests and the benchmark steer and observe.

`TestEmulator` is reconciler.sandbox's Emulator (moto behind the AWS corrections)
with layers in front: the control routes (control.py), a call log (calls.py),
latency and faults (layers.py, faults.py) and a guard on managed-secret reads
(secret_reads.py); and connections whose next settle a test can choose
(connections.py).

moto keeps its state in process-wide globals, so every emulator in one process
shares it: reset() wipes moto for all of them.
"""

from __future__ import annotations

from reconciler.sandbox.corrections import SecretLayout
from reconciler.sandbox.emulator import Emulator
from reconciler.sandbox.middleware import Layer
from reconciler.sandbox.quota import RequestQuota
from testing.calls import CallLog
from testing.connections import SteeredConnectionService
from testing.control import ControlRoutes
from testing.layers import FaultInjection, Latency
from testing.secret_reads import ManagedSecretGuard


class TestEmulator(Emulator):
    """The emulator with counters, faults and controls, also reachable over HTTP (control.py)."""

    __test__ = False  # a helper, not a pytest test class

    def __init__(
        self, *, region: str = "us-east-1", account_id: str = "123456789012", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._calls = CallLog()
        self._latency = Latency()
        self._faults = FaultInjection()
        self._secret_guard = ManagedSecretGuard()
        self._quota = RequestQuota()
        self._quota.enabled = False  # off unless a test or the benchmark asks (set_request_quota)
        self._steered = SteeredConnectionService()
        # Outermost first: control calls are no AWS calls; every AWS call is counted, faulted or not.
        layers: list[Layer] = [
            ControlRoutes(self),
            self._calls,
            self._latency,
            self._faults,
            self._quota,
            self._secret_guard,
        ]
        super().__init__(
            region=region, account_id=account_id, host=host, port=port, layers=layers, connections=self._steered
        )

    def reset(self) -> None:
        """Wipe moto's state (every service) and every control and counter of this emulator."""
        with self.lock:
            _reset_moto()
            self._steered.clear()
            self.destinations.clear()
            self._calls.clear()
            self._latency.seconds = 0.0
            self._faults.clear()
            self._secret_guard.deny = False
            self._quota.enabled = False
            self._quota.clear()

    # --- observation --------------------------------------------------------------------

    def calls(self, action: str | None = None) -> int:
        """Requests received for `action` (e.g. "DescribeConnection"), or all of them."""
        return self._calls.calls(action)

    def calls_by_action(self) -> dict[str, int]:
        """Requests received so far, by action."""
        return self._calls.by_action()

    def repeated_calls(self) -> int:
        """Requests identical (action and body) to an earlier one since the counters were reset."""
        return self._calls.repeats()

    def user_agents(self) -> dict[str, int]:
        """Requests received so far, by User-Agent header."""
        return self._calls.user_agents()

    def write_calls(self) -> int:
        """Requests received for mutating actions (reconciler.sandbox.writes.is_write), in any service."""
        return self._calls.writes()

    def write_order(self) -> list[tuple[str, str]]:
        """(action, Name) of every write request since the counters were reset, in arrival order:
        a write that waited for another arrives after that one's reply."""
        return self._calls.write_order()

    def call_spans(self) -> dict[str, float]:
        """By action: seconds from its first to its last arrival since the counters were reset."""
        return self._calls.spans()

    def reset_counters(self) -> None:
        self._calls.clear()
        self._quota.throttled = 0

    # --- behaviour controls ---------------------------------------------------------------

    def settle_into(self, name: str, state: str, reason: str = "") -> None:
        """The next settle of connection `name` ends in `state` with StateReason `reason`.

        "AUTHORIZING" leaves it authorizing for good (for timeout tests).
        """
        with self.lock:
            self._steered.settle_into(name, state, reason)

    def deny_managed_secret_reads(self, deny: bool = True) -> None:
        self._secret_guard.deny = deny

    def set_managed_secret_layout(self, layout: str) -> None:
        """How managed secrets written from now on spell their HTTP parameter lists.

        "snake" (moto's, the default), "pascal" (as the request spelled them, as LocalStack
        writes them) or "pascal-no-oauth-http" (LocalStack as it is: OAuth HTTP parameters
        not kept). No AWS recording shows which AWS does (shared AWS-NOTES.md, "The managed
        secret" and "LocalStack"); see reconciler.sandbox.corrections.SecretLayout.
        """
        chosen = SecretLayout.named(layout)
        with self.lock:
            self._steered.managed_secret_layout = chosen

    def set_request_quota(self, rate: float | None) -> None:
        """EventBridge's request quota per account and region (reconciler.sandbox.quota): `rate`
        requests per second with one second of burst, ThrottlingException beyond; None: off."""
        with self.lock:
            self._quota.clear()
            self._quota.enabled = rate is not None
            if rate is not None:
                self._quota.rate = rate

    def quota_throttled(self) -> int:
        """Requests the request quota answered ThrottlingException since the counters were reset."""
        return self._quota.throttled

    def set_latency(self, seconds: float) -> None:
        self._latency.seconds = max(0.0, seconds)

    def set_connection_quota(self, n: int) -> None:
        with self.lock:
            self._steered.quota = n

    def set_api_destination_quota(self, n: int) -> None:
        """API destinations per region before CreateApiDestination answers LimitExceededException (AWS: 3,000)."""
        with self.lock:
            self.destinations.quota = n

    def ignore_list_name_prefix(self, ignore: bool = True) -> None:
        """ListConnections answers every connection, whatever its NamePrefix, as moto does."""
        with self.lock:
            self._steered.ignore_name_prefix = ignore

    # --- faults ---------------------------------------------------------------------------

    def inject(self, action: str, fault: str, times: int = 1, *, seconds: float = 2.0) -> None:
        """Make the next `times` calls of `action` ("*" for any) fail with `fault`.

        Faults: throttle, 500, 503, reset, lost_reply (handles the request, then drops the
        connection), timeout (sleeps `seconds`, then handles the request), concurrent,
        access_denied, limit, repeat_token (a listing answers the NextToken it was sent), not_found (a
        read right after a create), garbled (handles the request, then answers 200 with a timestamp
        botocore can't parse). See faults.FAULTS.
        """
        self._faults.plan.inject(action, fault, times, seconds=seconds)

    def set_throttle_rate(self, rate: float, actions: set[str] | None = None, seed: int | None = None) -> None:
        """Answer ThrottlingException to a fraction `rate` of the calls of `actions` (None: every action).

        Armed faults (inject) fire first; 0 turns the rate off. Throttled calls count
        in calls(), faults_injected() and throttled(). `seed` fixes the draws.
        """
        self._faults.plan.set_throttle_rate(rate, actions, seed)

    def faults_injected(self) -> int:
        return self._faults.plan.injected()

    def throttled(self) -> int:
        """ThrottlingException replies sent, by inject("...", "throttle") or by the throttle rate."""
        return self._faults.plan.throttled()


def _reset_moto() -> None:
    # What moto's own /moto-api/reset does (moto.moto_api._internal.models.MotoAPIBackend.reset).
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    BackendDict.reset()
    reset_model_data()
