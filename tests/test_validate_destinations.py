"""`reconcile validate` on API destinations (issue #15): the spec format, every botocore
constraint, and `Connection` naming a connection of the same target. No AWS call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import api_key_spec, destination_spec, run, write

ARN = "arn:aws:events:us-east-1:123456789012:connection/stripe/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def destination(name: str = "stripe-webhooks", connection: str = "stripe") -> str:
    return destination_spec(name, connection)


def with_connection(text: str) -> str:
    """A file holding connection `stripe`, then the given document."""
    return api_key_spec() + "---\n" + text


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_connection_and_its_destination_in_one_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/stripe.yaml", with_connection(destination()))
    result = run(capsys, "validate", "--dir", "c")
    assert (result.code, result.out, result.err) == (
        0,
        "1 connection spec(s) and 1 API destination spec(s) valid.\n",
        "",
    )
    as_json = run(capsys, "validate", "--dir", "c", "--format", "json")
    assert as_json.code == 0
    assert json.loads(as_json.out) == {"valid": True, "connections": 1, "api_destinations": 1, "errors": []}


def test_a_connection_may_say_its_type(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/stripe.yaml", "Type: AWS::Events::Connection\n" + api_key_spec())
    result = run(capsys, "validate", "--dir", "c")
    assert (result.code, result.out) == (0, "1 connection spec(s) valid.\n")


def test_connection_arn_for_a_connection_managed_elsewhere(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/d.yaml", destination().replace("Connection: stripe", f"ConnectionArn: {ARN}"))
    result = run(capsys, "validate", "--dir", "c")
    assert (result.code, result.out) == (0, "0 connection spec(s) and 1 API destination spec(s) valid.\n")


def test_only_the_required_keys(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "\n".join(line for line in destination().splitlines() if not line.startswith(("Desc", "InvocationRate")))
    write(repo, "c/stripe.yaml", with_connection(text + "\n"))
    assert run(capsys, "validate", "--dir", "c").code == 0


def test_a_connection_and_a_destination_may_share_a_name(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/stripe.yaml", with_connection(destination(name="stripe")))
    result = run(capsys, "validate", "--dir", "c")
    assert (result.code, result.out) == (0, "1 connection spec(s) and 1 API destination spec(s) valid.\n")


def test_the_connection_may_be_declared_in_another_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/connections/stripe.yaml", api_key_spec())
    write(repo, "c/destinations/stripe.yaml", destination())
    assert run(capsys, "validate", "--dir", "c").code == 0


# Each: the text of c/d.yaml (after connection `stripe`'s 7 lines and a `---`, so line 9 is
# the destination's first), and the error lines it must give.
BAD: dict[str, tuple[str, str | list[str]]] = {
    "bad Type": (
        destination().replace("AWS::Events::ApiDestination", "AWS::Events::Rule"),
        "c/d.yaml:9:1: Type: must be one of AWS::Events::Connection, AWS::Events::ApiDestination "
        "(got 'AWS::Events::Rule')",
    ),
    "Type not a string": (
        destination().replace("AWS::Events::ApiDestination", "[AWS::Events::ApiDestination]"),
        "c/d.yaml:9:1: Type: must be one of AWS::Events::Connection, AWS::Events::ApiDestination "
        "(got ['AWS::Events::ApiDestination'])",
    ),
    "both Connection and ConnectionArn": (
        destination() + f"ConnectionArn: {ARN}\n",
        "c/d.yaml:16:1: ConnectionArn: give Connection or ConnectionArn, not both",
    ),
    "neither Connection nor ConnectionArn": (
        destination().replace("Connection: stripe\n", ""),
        "c/d.yaml:9:1: missing required key 'Connection' (a connection declared in this target) or 'ConnectionArn'",
    ),
    "missing InvocationEndpoint": (
        destination().replace("InvocationEndpoint: https://api.example.com/stripe/*\n", ""),
        "c/d.yaml:9:1: missing required key 'InvocationEndpoint'",
    ),
    "missing HttpMethod": (
        destination().replace("HttpMethod: POST\n", ""),
        "c/d.yaml:9:1: missing required key 'HttpMethod'",
    ),
    "missing Name": (
        destination().replace("Name: stripe-webhooks\n", ""),
        "c/d.yaml:9:1: missing required key 'Name'",
    ),
    "name with a space": (
        destination(name="stripe webhooks"),
        "c/d.yaml:10:1: Name: must use letters, digits, '.', '-' and '_' only",
    ),
    "name too long": (
        destination(name="x" * 65),
        "c/d.yaml:10:1: Name: must be at most 64 characters (got 65)",
    ),
    "empty name": (
        destination(name='""'),
        [
            "c/d.yaml:10:1: Name: must be at least 1 character(s)",
            "c/d.yaml:10:1: Name: must use letters, digits, '.', '-' and '_' only",
        ],
    ),
    "description too long": (
        destination().replace("Stripe events to the payments service", "x" * 513),
        "c/d.yaml:11:1: Description: must be at most 512 characters (got 513)",
    ),
    "description on two lines": (
        destination().replace("Stripe events to the payments service", '"two\\nlines"'),
        "c/d.yaml:11:1: Description: must be one line (no line breaks)",
    ),
    "endpoint with a space": (
        destination().replace("https://api.example.com/stripe/*", '"https://api.example.com/a b"'),
        "c/d.yaml:13:1: InvocationEndpoint: does not match the pattern "
        "^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$",
    ),
    "empty endpoint": (
        destination().replace("https://api.example.com/stripe/*", '""'),
        [
            "c/d.yaml:13:1: InvocationEndpoint: must be at least 1 character(s)",
            "c/d.yaml:13:1: InvocationEndpoint: does not match the pattern "
            "^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$",
        ],
    ),
    "endpoint over http": (
        destination().replace("https://api.example.com/stripe/*", "http://api.example.com/stripe/*"),
        "c/d.yaml:13:1: InvocationEndpoint: must be an HTTPS URL with a host (https://...): AWS refuses others",
    ),
    "endpoint without a scheme": (
        destination().replace("https://api.example.com/stripe/*", "api.example.com/stripe"),
        "c/d.yaml:13:1: InvocationEndpoint: must be an HTTPS URL with a host (https://...): AWS refuses others",
    ),
    "endpoint without a host": (
        destination().replace("https://api.example.com/stripe/*", "https:///stripe"),
        "c/d.yaml:13:1: InvocationEndpoint: must be an HTTPS URL with a host (https://...): AWS refuses others",
    ),
    "endpoint too long": (
        destination().replace("https://api.example.com/stripe/*", "https://a.example.com/" + "x" * 2027),
        "c/d.yaml:13:1: InvocationEndpoint: must be at most 2048 characters (got 2049)",
    ),
    "method not in the enum": (
        destination().replace("HttpMethod: POST", "HttpMethod: post"),
        "c/d.yaml:14:1: HttpMethod: must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE (got 'post')",
    ),
    "rate of zero": (
        destination().replace("PerSecond: 20", "PerSecond: 0"),
        "c/d.yaml:15:1: InvocationRateLimitPerSecond: must be at least 1",
    ),
    "rate with a fraction": (
        destination().replace("PerSecond: 20", "PerSecond: 1.5"),
        "c/d.yaml:15:1: InvocationRateLimitPerSecond: must be a whole number, not a decimal number",
    ),
    "rate written as a decimal": (
        # botocore sends only an int for an integer member, so 20.0 would fail at apply.
        destination().replace("PerSecond: 20", "PerSecond: 20.0"),
        "c/d.yaml:15:1: InvocationRateLimitPerSecond: must be a whole number, not a decimal number",
    ),
    "rate as a string": (
        destination().replace("PerSecond: 20", 'PerSecond: "20"'),
        "c/d.yaml:15:1: InvocationRateLimitPerSecond: must be a whole number, not a string",
    ),
    "rate as a boolean": (
        destination().replace("PerSecond: 20", "PerSecond: true"),
        "c/d.yaml:15:1: InvocationRateLimitPerSecond: must be a whole number, not a boolean",
    ),
    "ConnectionArn of another service": (
        destination().replace("Connection: stripe", "ConnectionArn: arn:aws:sqs:us-east-1:123456789012:q"),
        "c/d.yaml:12:1: ConnectionArn: does not match the pattern "
        "^arn:aws([a-z]|-)*:events:([a-z]|\\d|-)*:([0-9]{12})?:connection\\/[\\.\\-_A-Za-z0-9]+\\/[\\-A-Za-z0-9]+$",
    ),
    "ConnectionArn too long": (
        destination().replace("Connection: stripe", f"ConnectionArn: {ARN}{'a' * (1601 - len(ARN))}"),
        "c/d.yaml:12:1: ConnectionArn: must be at most 1600 characters (got 1601)",
    ),
    "Connection not a name": (
        destination(connection="orders payments"),
        "c/d.yaml:12:1: Connection: must use letters, digits, '.', '-' and '_' only",
    ),
    "Connection not a name, a close name": (
        destination(connection='"stripe "'),
        "c/d.yaml:12:1: Connection: must use letters, digits, '.', '-' and '_' only; did you mean 'stripe'?",
    ),
    "a connection key in a destination": (
        destination() + "AuthorizationType: API_KEY\n",
        "c/d.yaml:16:1: AuthorizationType: unknown key 'AuthorizationType'; allowed: Type, Name, Description, "
        "Connection, ConnectionArn, InvocationEndpoint, HttpMethod, InvocationRateLimitPerSecond, IgnoreChanges",
    ),
    "a misspelt destination key": (
        destination().replace("Description:", "Descripton:"),
        "c/d.yaml:11:1: Descripton: unknown key 'Descripton'; did you mean 'Description'?",
    ),
    "a destination key in a connection": (
        api_key_spec(name="other") + "InvocationEndpoint: https://api.example.com\n",
        "c/d.yaml:16:1: InvocationEndpoint: unknown key 'InvocationEndpoint'; allowed: Type, Name, Description, "
        "AuthorizationType, AuthParameters, InvocationConnectivityParameters, KmsKeyIdentifier, IgnoreChanges",
    ),
    "undeclared connection, a close name": (
        destination(connection="strip"),
        "c/d.yaml:12:1: Connection: no connection 'strip' is declared in target default; did you mean 'stripe'?",
    ),
    "undeclared connection, no close name": (
        destination(connection="orders"),
        "c/d.yaml:12:1: Connection: no connection 'orders' is declared in target default; "
        "declare it there, or give ConnectionArn for a connection managed elsewhere",
    ),
    "a destination is not a connection": (
        destination(name="payments") + "---\n" + destination(connection="payments"),
        "c/d.yaml:20:1: Connection: no connection 'payments' is declared in target default; "
        "declare it there, or give ConnectionArn for a connection managed elsewhere",
    ),
    "duplicate destination names": (
        destination() + "---\n" + destination(),
        "c/d.yaml:18:1: Name: API destination 'stripe-webhooks' is also declared at c/d.yaml:10:1",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_destination_gives_one_exact_line(case: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = BAD[case]
    write(repo, "c/d.yaml", with_connection(text))
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    lines = [expected] if isinstance(expected, str) else expected
    summary = f"reconcile: {len(lines)} error(s) in 1 file(s); nothing was written to AWS"
    assert result.err_lines == [*lines, summary]


def test_the_connection_is_looked_up_across_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/a/connections.yaml", api_key_spec() + "---\n" + api_key_spec(name="orders"))
    write(repo, "c/b/destinations.yaml", destination(connection="order"))
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines[0] == (
        "c/b/destinations.yaml:4:1: Connection: no connection 'order' is declared in target default; "
        "did you mean 'orders'?"
    )


def test_duplicate_destinations_across_files(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/a.yaml", with_connection(destination()))
    write(repo, "c/b.yaml", "# again\n" + destination())
    result = run(capsys, "validate", "--dir", "c")
    assert (
        result.err_lines[0] == "c/b.yaml:3:1: Name: API destination 'stripe-webhooks' is also declared at c/a.yaml:10:1"
    )


def test_every_error_of_the_run_at_once(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "c/a.yaml", with_connection(destination(connection="strip") + f"ConnectionArn: {ARN}\n"))
    write(repo, "c/b.yaml", destination(name="b").replace("POST", "SEND").replace("20", "0"))
    write(repo, "c/c.yaml", api_key_spec(name="c").replace("API_KEY", "APIKEY"))
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    expected = [
        "c/a.yaml:12:1: Connection: no connection 'strip' is declared in target default; did you mean 'stripe'?",
        "c/a.yaml:16:1: ConnectionArn: give Connection or ConnectionArn, not both",
        "c/b.yaml:6:1: HttpMethod: must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE (got 'SEND')",
        "c/b.yaml:7:1: InvocationRateLimitPerSecond: must be at least 1",
        "c/c.yaml:3:1: AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'APIKEY')",
    ]
    assert result.err_lines == [*expected, "reconcile: 5 error(s) in 3 file(s); nothing was written to AWS"]

    as_json = run(capsys, "validate", "--dir", "c", "--format", "json")
    assert as_json.code == 1
    document = json.loads(as_json.out)
    assert (document["valid"], document["connections"], "api_destinations" in document) == (False, 0, False)
    assert [
        f"{e['file']}:{e['line']}:{e['column']}: {e['path']}: {e['message']}" for e in document["errors"]
    ] == expected


CONFIG = """
targets:
  - name: us
    region: us-east-1
    specs: [us]
  - name: eu
    region: eu-west-1
    specs: [eu]
"""


def test_the_connection_must_be_in_the_destination_s_target(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "reconcile.yaml", CONFIG)
    write(repo, "eu/stripe.yaml", api_key_spec())
    write(repo, "us/webhooks.yaml", destination())
    write(repo, "eu/webhooks.yaml", destination())
    result = run(capsys, "validate")
    expected = [
        "us/webhooks.yaml:4:1: Connection: no connection 'stripe' is declared in target us; "
        "it is declared in target eu: a destination uses a connection of its own target",
        "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS",
    ]
    assert result.err_lines == expected
    # plan says the same, before any AWS call
    assert run(capsys, "plan").err_lines == expected
    write(repo, "us/stripe.yaml", api_key_spec())
    assert run(capsys, "validate").out == "2 connection spec(s) and 2 API destination spec(s) valid.\n"


def test_a_close_name_is_offered_in_each_target_on_its_own(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "reconcile.yaml", CONFIG)
    write(repo, "us/stripe.yaml", api_key_spec(name="stripe-us"))
    write(repo, "eu/stripe.yaml", api_key_spec(name="stripe-eu"))
    write(repo, "us/webhooks.yaml", destination(connection="stripe-uss"))
    write(repo, "eu/webhooks.yaml", destination(connection="stripe-us"))
    result = run(capsys, "validate")
    assert result.err_lines == [
        "eu/webhooks.yaml:4:1: Connection: no connection 'stripe-us' is declared in target eu; "
        "did you mean 'stripe-eu'? (target us declares 'stripe-us')",
        "us/webhooks.yaml:4:1: Connection: no connection 'stripe-uss' is declared in target us; "
        "did you mean 'stripe-us'?",
        "reconcile: 2 error(s) in 2 file(s); nothing was written to AWS",
    ]
