"""Write retries and settle waits on a fake clock: their backoff and bounds, with no real sleep."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.quota import RetryQuota

from reconciler.apply import retry
from reconciler.apply.wait import MAX_POLL, Unsettled, wait_settled
from support.clock import FakeClock


def _error(code: str, status: int = 400) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "UpdateConnection"
    )


def _failing(times: int, error: ClientError) -> tuple[list[int], Any]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return calls, call


def test_transient_errors_back_off_with_full_jitter_up_to_the_attempt_bound() -> None:
    clock = FakeClock()
    calls, call = _failing(100, _error("ServiceUnavailableException", 503))
    with pytest.raises(ClientError):
        retry.with_retries(call, clock=clock)
    assert len(calls) == retry.MAX_ATTEMPTS
    assert len(clock.pauses) == retry.MAX_ATTEMPTS - 1
    for attempt, pause in enumerate(clock.pauses, start=1):
        assert 0 <= pause <= min(retry.MAX_DELAY, retry.BASE_DELAY * 2 ** (attempt - 1))


def test_a_success_after_retries_returns_and_refunds_the_quota() -> None:
    clock, quota = FakeClock(), RetryQuota(20)
    calls, call = _failing(2, _error("ThrottlingException"))
    assert retry.with_retries(call, clock=clock, quota=quota) == "done"
    assert len(calls) == 3
    assert quota.available_capacity == 20 - 2 * retry.RETRY_COST + retry.RETRY_COST


def test_an_empty_quota_stops_retrying() -> None:
    clock, quota = FakeClock(), RetryQuota(retry.RETRY_COST)
    calls, call = _failing(100, _error("InternalException", 500))
    with pytest.raises(ClientError):
        retry.with_retries(call, clock=clock, quota=quota)
    assert len(calls) == 2  # one retry was paid for, the next one wasn't


@pytest.mark.parametrize("code", ["LimitExceededException", "AccessDeniedException", "ValidationException"])
def test_errors_that_retrying_never_fixes_are_raised_at_once(code: str) -> None:
    clock = FakeClock()
    calls, call = _failing(100, _error(code))
    with pytest.raises(ClientError):
        retry.with_retries(call, clock=clock)
    assert (len(calls), clock.pauses) == (1, [])


def test_concurrent_modification_rereads_before_each_retry() -> None:
    clock, rereads = FakeClock(), []
    calls, call = _failing(2, _error("ConcurrentModificationException"))
    assert retry.with_retries(call, before_retry=lambda: rereads.append(clock.time), clock=clock) == "done"
    assert len(rereads) == 2 == len(clock.pauses)


def test_a_stop_sends_nothing_more() -> None:
    clock, stop = FakeClock(), threading.Event()
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        stop.set()
        raise _error("ThrottlingException")

    with pytest.raises(ClientError):
        retry.with_retries(call, stop=stop, clock=clock)
    assert calls == [1]


def test_a_stuck_connection_times_out_on_the_fake_clock(aws: Any, events: Any) -> None:
    aws.settle_into("crm", "AUTHORIZING")
    auth = {
        "OAuthParameters": {
            "AuthorizationEndpoint": "https://auth.example.com/token",
            "HttpMethod": "POST",
            "ClientParameters": {"ClientID": "id", "ClientSecret": "sentinel-client-secret"},
        }
    }
    events.create_connection(Name="crm", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=auth)
    clock = FakeClock()
    with pytest.raises(Unsettled) as caught:
        wait_settled(events, "crm", 600.0, clock=clock)
    assert (caught.value.state, caught.value.timed_out) == ("AUTHORIZING", True)
    assert sum(clock.pauses) == pytest.approx(600.0)
    assert max(clock.pauses) == MAX_POLL  # the poll interval grows, then holds at its cap
