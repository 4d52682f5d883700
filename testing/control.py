"""The emulator's controls over HTTP, for an emulator running in another process.

The benchmark measures reconcile's own CPU, so moto (which burns plenty) runs in a
process of its own (`python -m testing.serve`); this channel lets the driver steer
it. Routes take and return JSON, live under `/_emulator/` where no AWS call goes,
and are never counted, delayed or faulted (`ControlRoutes` is the outermost layer):

    GET  /_emulator/calls             → {"by_action": {...}, "total": n, "writes": n, "repeats": n,
                                         "faults_injected": n, "throttled": n}
    POST /_emulator/latency           {"seconds": 0.05}
    POST /_emulator/throttle          {"rate": 0.35, "actions": ["DescribeConnection"] | null, "seed": 1 | null}
    POST /_emulator/inject            {"action": "CreateConnection", "fault": "limit", "times": 1, "seconds": 2.0}
    POST /_emulator/transition-polls  {"n": 0}
    POST /_emulator/managed-secret-layout  {"layout": "snake" | "pascal" | "pascal-no-oauth-http"}
    POST /_emulator/request-quota     {"rate": 50 | null}
    POST /_emulator/reset-counters    {}
    POST /_emulator/reset             {}

A bad request answers 400 with {"error": "..."}. `RemoteEmulator` is the client: the
same methods as `TestEmulator`'s controls, so code can drive either.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.wire import AwsRequest, Environ, Reply, json_reply

PREFIX = "/_emulator/"


class Controls(Protocol):
    """What both `TestEmulator` and `RemoteEmulator` offer."""

    def calls(self, action: str | None = None) -> int: ...
    def calls_by_action(self) -> dict[str, int]: ...
    def write_calls(self) -> int: ...
    def repeated_calls(self) -> int: ...
    def faults_injected(self) -> int: ...
    def throttled(self) -> int: ...
    def quota_throttled(self) -> int: ...
    def call_spans(self) -> dict[str, float]: ...
    def set_request_quota(self, rate: float | None) -> None: ...
    def reset_counters(self) -> None: ...
    def reset(self) -> None: ...
    def set_latency(self, seconds: float) -> None: ...
    def set_throttle_rate(self, rate: float, actions: set[str] | None = None, seed: int | None = None) -> None: ...
    def set_transition_polls(self, n: int) -> None: ...
    def set_managed_secret_layout(self, layout: str) -> None: ...
    def inject(self, action: str, fault: str, times: int = 1, *, seconds: float = 2.0) -> None: ...


def _snapshot(target: Controls) -> dict[str, Any]:
    return {
        "by_action": target.calls_by_action(),
        "total": target.calls(),
        "writes": target.write_calls(),
        "repeats": target.repeated_calls(),
        "faults_injected": target.faults_injected(),
        "throttled": target.throttled(),
        "quota_throttled": target.quota_throttled(),
        "spans": target.call_spans(),
    }


def _routes(target: Controls) -> dict[tuple[str, str], Callable[[dict[str, Any]], object]]:
    def throttle(body: dict[str, Any]) -> None:
        actions = body.get("actions")
        target.set_throttle_rate(float(body["rate"]), set(actions) if actions is not None else None, body.get("seed"))

    return {
        ("GET", "calls"): lambda _body: _snapshot(target),
        ("POST", "latency"): lambda body: target.set_latency(float(body["seconds"])),
        ("POST", "throttle"): throttle,
        ("POST", "inject"): lambda body: target.inject(
            str(body["action"]), str(body["fault"]), int(body.get("times", 1)), seconds=float(body.get("seconds", 2.0))
        ),
        ("POST", "transition-polls"): lambda body: target.set_transition_polls(int(body["n"])),
        ("POST", "managed-secret-layout"): lambda body: target.set_managed_secret_layout(str(body["layout"])),
        ("POST", "request-quota"): lambda body: target.set_request_quota(
            None if body.get("rate") is None else float(body["rate"])
        ),
        ("POST", "reset-counters"): lambda _body: target.reset_counters(),
        ("POST", "reset"): lambda _body: target.reset(),
    }


def handle(target: Controls, method: str, path: str, raw: bytes) -> Reply:
    """Answer one control request (path starts with PREFIX)."""
    route = _routes(target).get((method, path[len(PREFIX) :].strip("/")))
    if route is None:
        return json_reply({"error": f"no control route {method} {path}"}, 404)
    try:
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        result = route(body)
    except (ValueError, KeyError, TypeError) as exc:
        return json_reply({"error": f"{type(exc).__name__}: {exc}"}, 400)
    return json_reply(result if isinstance(result, dict) else {})


class ControlRoutes:
    """A layer answering the control routes itself; every other request passes on."""

    def __init__(self, target: Controls) -> None:
        self._target = target

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(PREFIX):
            return inner(request, environ)
        return handle(self._target, str(environ.get("REQUEST_METHOD", "GET")), path, request.raw)


class RemoteEmulator:
    """The controls of an emulator served at `endpoint` (see testing.serve)."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.endpoint + PREFIX + route, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise ValueError(f"emulator control {route}: {detail}") from None
        return answer if isinstance(answer, dict) else {}

    def snapshot(self) -> dict[str, Any]:
        """Every counter at once (one request)."""
        return self._call("GET", "calls")

    def calls(self, action: str | None = None) -> int:
        snap = self.snapshot()
        return int(snap["total"] if action is None else snap["by_action"].get(action, 0))

    def calls_by_action(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.snapshot()["by_action"].items()}

    def write_calls(self) -> int:
        return int(self.snapshot()["writes"])

    def repeated_calls(self) -> int:
        return int(self.snapshot()["repeats"])

    def faults_injected(self) -> int:
        return int(self.snapshot()["faults_injected"])

    def throttled(self) -> int:
        return int(self.snapshot()["throttled"])

    def quota_throttled(self) -> int:
        return int(self.snapshot()["quota_throttled"])

    def call_spans(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.snapshot()["spans"].items()}

    def set_request_quota(self, rate: float | None) -> None:
        self._call("POST", "request-quota", {"rate": rate})

    def reset_counters(self) -> None:
        self._call("POST", "reset-counters")

    def reset(self) -> None:
        self._call("POST", "reset")

    def set_latency(self, seconds: float) -> None:
        self._call("POST", "latency", {"seconds": seconds})

    def set_throttle_rate(self, rate: float, actions: set[str] | None = None, seed: int | None = None) -> None:
        chosen = sorted(actions) if actions is not None else None
        self._call("POST", "throttle", {"rate": rate, "actions": chosen, "seed": seed})

    def set_transition_polls(self, n: int) -> None:
        self._call("POST", "transition-polls", {"n": n})

    def set_managed_secret_layout(self, layout: str) -> None:
        self._call("POST", "managed-secret-layout", {"layout": layout})

    def inject(self, action: str, fault: str, times: int = 1, *, seconds: float = 2.0) -> None:
        self._call("POST", "inject", {"action": action, "fault": fault, "times": times, "seconds": seconds})
