"""The fast read path (aws/jsonreads.py) answers exactly as botocore does, signs as botocore
does, and retries, limits and fails the same way, against the emulator on loopback."""

from __future__ import annotations

import http.client
import logging
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from reconciler.aws.clients import READ_ATTEMPTS, AwsOptions, Clients, make_clients
from reconciler.aws.jsonreads import JsonReads, UnreadableResponse
from reconciler.aws.sigv4 import Credentials, Signer
from reconciler.sandbox.emulator import Emulator

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sentinel-key-value"}}


def _world(aws: Emulator, events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    aws.set_transition_polls(0)  # connections settle at once, so two reads of one agree
    for i in range(3):
        events.create_connection(Name=f"conn-{i}", AuthorizationType="API_KEY", AuthParameters=API_KEY, Description=f"d{i}")
    secrets.create_secret(Name="text", SecretString="sentinel-text-value")
    secrets.create_secret(Name="binary", SecretBinary=b"\x00\x01sentinel")
    secrets.put_secret_value(SecretId="text", SecretString="sentinel-text-value-2")


def _fast(clients: Clients, name: str) -> JsonReads:
    reads = getattr(clients, name)
    assert isinstance(reads, JsonReads)
    return reads


def _strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_answers_equal_botocore(aws: Emulator, events: EventBridgeClient, secrets: SecretsManagerClient) -> None:
    _world(aws, events, secrets)
    clients = make_clients(AwsOptions())
    fast_events, fast_secrets = _fast(clients, "events_reads"), _fast(clients, "secrets_reads")
    fast_events.describe_connection(Name="conn-0")  # the first call goes through botocore and shows the route
    fast_secrets.get_secret_value(SecretId="text")
    assert fast_events.uses_fast_path and fast_secrets.uses_fast_path
    for i in range(3):
        fast, slow = fast_events.describe_connection(Name=f"conn-{i}"), _strip(events.describe_connection(Name=f"conn-{i}"))
        assert fast == slow
        # Equal datetimes can differ in their offset; the plan prints them, so the text must agree too.
        assert {k: v.isoformat() for k, v in fast.items() if isinstance(v, datetime)} == {
            k: v.isoformat() for k, v in slow.items() if isinstance(v, datetime)}
    ids = ["text", "binary", "missing"]
    assert fast_secrets.batch_get_secret_value(SecretIdList=ids) == _strip(secrets.batch_get_secret_value(SecretIdList=ids))
    for args in ({"SecretId": "binary"}, {"SecretId": "text", "VersionStage": "AWSPREVIOUS"}):
        assert fast_secrets.get_secret_value(**args) == _strip(secrets.get_secret_value(**args))
    binary = fast_secrets.get_secret_value(SecretId="binary")
    assert binary["SecretBinary"] == b"\x00\x01sentinel" and isinstance(binary["CreatedDate"], datetime)


def test_errors_equal_botocore(aws: Emulator, events: EventBridgeClient) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "events_reads")
    reads.describe_connection(Name="conn-0")
    with pytest.raises(ClientError) as fast:
        reads.describe_connection(Name="absent")
    with pytest.raises(ClientError) as slow:
        events.describe_connection(Name="absent")
    assert fast.value.response["Error"] == slow.value.response["Error"]
    assert fast.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert fast.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_only_the_first_call_goes_through_botocore(aws: Emulator, events: EventBridgeClient) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    clients = make_clients(AwsOptions())
    sent_by_botocore: list[str] = []
    clients.events.meta.events.register("before-send.events", lambda request, **_: sent_by_botocore.append(request.url))
    reads = _fast(clients, "events_reads")
    assert not reads.uses_fast_path
    aws.reset_counters()
    for i in range(3):
        reads.describe_connection(Name=f"conn-{i}")
    assert len(sent_by_botocore) == 1 and reads.uses_fast_path
    assert aws.calls_by_action()["DescribeConnection"] == 3


class _Proxy(BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy that counts what passes through it."""

    seen: list[str] = []

    def do_POST(self) -> None:
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=10)
        upstream.request("POST", target.path or "/", body=body, headers={k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"})
        reply = upstream.getresponse()
        data = reply.read()
        self.seen.append(self.headers["X-Amz-Target"])
        self.send_response(reply.status)
        for key, value in reply.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_proxy_keeps_every_call_on_botocore(aws: Emulator, events: EventBridgeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
        monkeypatch.setenv("NO_PROXY", "")
        reads = _fast(make_clients(AwsOptions(max_workers=2)), "events_reads")
        _Proxy.seen = []
        for i in range(3):
            assert reads.describe_connection(Name=f"conn-{i}")["Name"] == f"conn-{i}"
    finally:
        proxy.shutdown()
    assert not reads.uses_fast_path
    assert _Proxy.seen == ["AWSEvents.DescribeConnection"] * 3


@pytest.mark.parametrize("fault", ["throttle", "500", "reset"])
def test_transient_faults_are_retried(aws: Emulator, events: EventBridgeClient, fault: str) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "events_reads")
    expected = reads.describe_connection(Name="conn-0")
    aws.reset_counters()
    aws.inject("DescribeConnection", fault, times=2)
    assert reads.describe_connection(Name="conn-0") == expected
    assert aws.calls_by_action()["DescribeConnection"] == 3
    assert (reads.limiter.rate is not None) == (fault == "throttle")  # only throttling slows the client down


def test_a_permanent_error_is_not_retried(aws: Emulator, events: EventBridgeClient) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "events_reads")
    reads.describe_connection(Name="conn-0")
    aws.reset_counters()
    aws.inject("DescribeConnection", "access_denied", times=1)
    with pytest.raises(ClientError) as caught:
        reads.describe_connection(Name="conn-0")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert aws.calls_by_action()["DescribeConnection"] == 1


def test_gives_up_after_the_read_attempts(aws: Emulator, events: EventBridgeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "events_reads")
    reads.describe_connection(Name="conn-0")
    monkeypatch.setattr("reconciler.aws.jsonreads.MAX_BACKOFF", 0.01)  # keep the test quick; the count is what matters
    aws.reset_counters()
    aws.inject("DescribeConnection", "503", times=READ_ATTEMPTS + 5)
    with pytest.raises(ClientError) as caught:
        reads.describe_connection(Name="conn-0")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert aws.calls_by_action()["DescribeConnection"] == READ_ATTEMPTS


def test_a_dead_endpoint_is_a_connection_error(aws: Emulator, events: EventBridgeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "events_reads")
    reads.describe_connection(Name="conn-0")
    monkeypatch.setattr("reconciler.aws.jsonreads.MAX_BACKOFF", 0.01)
    reads._local.conn = None  # the next call opens a new connection, to a port where nothing listens
    route = reads._route
    assert route is not None
    route.port = 9
    with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
        reads.describe_connection(Name="conn-0")


def test_signs_byte_for_byte_as_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'{"Name": "conn-0"}'
    when = datetime(2026, 11, 25, 12, 30, 45, tzinfo=timezone.utc)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: when.replace(tzinfo=None))
    for token in (None, "session-token"):
        request = AWSRequest("POST", "https://events.eu-west-1.amazonaws.com/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.DescribeConnection"})
        signer = SigV4Auth(BotoCredentials("AKIDEXAMPLE", "secret/key+example", token), "events", "eu-west-1")
        signer.add_auth(request)
        ours = Signer("events.eu-west-1.amazonaws.com", "events", "eu-west-1").headers(
            Credentials("AKIDEXAMPLE", "secret/key+example", token), "AWSEvents.DescribeConnection",
            "application/x-amz-json-1.1", body, now=when)
        assert ours["authorization"] == request.headers["Authorization"]


def test_secret_values_reach_no_log_and_no_error(aws: Emulator, events: EventBridgeClient, secrets: SecretsManagerClient,
                                                 caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    _world(aws, events, secrets)
    reads = _fast(make_clients(AwsOptions()), "secrets_reads")
    reads.get_secret_value(SecretId="binary")  # learn the route; botocore's own logging is not under test here
    monkeypatch.setattr("reconciler.aws.jsonreads.MAX_BACKOFF", 0.01)
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    assert reads.uses_fast_path
    got = reads.batch_get_secret_value(SecretIdList=["text", "binary"])
    assert "sentinel-text-value-2" in str(got)  # the value was really read, so the scan below means something
    for fault, times in (("500", READ_ATTEMPTS), ("reset", READ_ATTEMPTS), ("access_denied", 1)):  # each used up
        aws.inject("BatchGetSecretValue", fault, times=times)
        try:
            reads.batch_get_secret_value(SecretIdList=["text", "binary"])
        except Exception as exc:  # what a caller could print
            texts += [str(exc), repr(exc)]
        reads.batch_get_secret_value(SecretIdList=["text", "binary"])
    texts += [r.getMessage() for r in caplog.records]  # only the fast path's calls ran while capturing
    assert texts and not [t for t in texts if "sentinel" in t]


class _Garbled(BaseHTTPRequestHandler):
    """Answers 200 with a body that is not JSON, as a misbehaving middlebox can."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'<html>sentinel-in-a-broken-body {"SecretString": "sentinel-value"</html>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_reply_that_is_not_json_is_a_clean_error_without_the_body(aws: Emulator, events: EventBridgeClient) -> None:
    _world(aws, events, boto3.client("secretsmanager"))
    reads = _fast(make_clients(AwsOptions()), "secrets_reads")
    reads.get_secret_value(SecretId="text")
    garbled = ThreadingHTTPServer(("127.0.0.1", 0), _Garbled)
    threading.Thread(target=garbled.serve_forever, daemon=True).start()
    try:
        route = reads._route
        assert route is not None
        route.port = garbled.server_port
        reads._local.conn = None
        with pytest.raises(UnreadableResponse) as caught:
            reads.get_secret_value(SecretId="text")
    finally:
        garbled.shutdown()
    assert "GetSecretValue" in str(caught.value) and "sentinel" not in str(caught.value) + repr(caught.value)
