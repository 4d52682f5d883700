"""AWS errors by code: what to tell the user, and which ones are worth retrying."""

from __future__ import annotations

import functools
import re

import botocore.session
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    ReadTimeoutError,
)

from reconciler.errors import AwsError

NOT_FOUND = "ResourceNotFoundException"
ALREADY_EXISTS = "ResourceAlreadyExistsException"
THROTTLING = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
CONCURRENT = "ConcurrentModificationException"
# Retrying these never helps; say what to do instead.
ADVICE = {
    "LimitExceededException": (
        "the account's connection quota for this region is reached (default 3,000); delete "
        "unused connections or request a quota increase in Service Quotas"
    ),
    "AccessDeniedException": (
        "the credentials lack permission for this call; see the IAM policies under iam/ in the reconcile repository"
    ),
    "UnrecognizedClientException": "the AWS credentials are not valid",
    "ExpiredTokenException": "the AWS session token has expired; sign in again",
    "ValidationException": "AWS rejected a value in the request",
}


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    if isinstance(exc, NoCredentialsError):
        return "NoCredentials"
    if isinstance(exc, ReadTimeoutError):
        return "ReadTimeout"
    if isinstance(exc, ConnectionError):
        return "ConnectionError"
    return type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return (
            code in THROTTLING
            or status >= 500
            or code in ("InternalException", "InternalFailure", "ServiceUnavailable")
        )
    # A reset arrives as ConnectionClosedError, an HTTPClientError rather than a
    # ConnectionError (botocore/exceptions.py); botocore's own retries treat both as
    # transient (retries/standard.py, TransientRetryableChecker), and so do we.
    return isinstance(exc, (ConnectionError, HTTPClientError))


def may_have_taken_effect(exc: BaseException) -> bool:
    """The request reached AWS but its reply was lost or failed: AWS may have acted on it,
    so a retry can meet that effect (ResourceAlreadyExistsException after a create)."""
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) >= 500
    return isinstance(exc, HTTPClientError)


NO_CREDENTIALS = "no AWS credentials found: configure a profile, environment variables or a role"
ACCESS_DENIED = "AccessDeniedException"
# The services reconcile calls; an operation's IAM action is the service's signing name and the operation.
SERVICES = ("events", "secretsmanager", "sts")
_RESOURCE = re.compile(r"\bon resource: (\S+?)[.,;]?(?:\s|$)")


@functools.cache
def _iam_prefixes() -> dict[str, str]:
    """Operation name → IAM service prefix, from botocore's models (read only when access is denied)."""
    session = botocore.session.get_session()
    prefixes: dict[str, str] = {}
    for service in SERVICES:
        model = session.get_service_model(service)
        for operation in model.operation_names:
            prefixes.setdefault(operation, model.signing_name)
    return prefixes


def denied_action(exc: ClientError) -> str:
    """What was refused: the IAM action (`events:DescribeConnection`) and, when AWS's message
    names it, the resource. ClientError carries the operation, not the service."""
    operation = exc.operation_name or "this call"
    prefix = _iam_prefixes().get(operation)
    action = f"{prefix}:{operation}" if prefix else operation
    found = _RESOURCE.search(str(exc.response.get("Error", {}).get("Message", "")))
    return f"{action} on {found.group(1)}" if found else action


def describe_error(exc: BaseException) -> str:
    """A one-line explanation, by error code; AWS's own text only where it adds detail."""
    code = error_code(exc)
    if isinstance(exc, NoCredentialsError):
        return NO_CREDENTIALS
    advice = ADVICE.get(code)
    if code == ACCESS_DENIED and isinstance(exc, ClientError):
        advice = (
            f"the credentials lack permission for {denied_action(exc)}; see the IAM policies under iam/ in the "
            "reconcile repository"
        )
    message = exc.response.get("Error", {}).get("Message", "") if isinstance(exc, ClientError) else str(exc)
    if advice and message:
        return f"{code}: {advice} ({message})"
    if advice:
        return f"{code}: {advice}"
    if isinstance(exc, BotoCoreError):
        return f"{code}: {exc}"
    return f"{code}: {message}" if message else code


def after_code(code: str, detail: str) -> str:
    """The detail without its leading `CODE: `, for a line that shows the code on its own:
    describe_error's text (and a failed state's reason) start with the code already, and
    `failed [ValidationException]: ValidationException: ...` says it twice."""
    return detail.removeprefix(f"{code}: ")


def _names(names: list[str], noun: str) -> str:
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{len(names)} {noun}{'' if len(names) == 1 else 's'}: {shown}"


def grouped_failure(action: str, noun: str, failures: list[tuple[str, BaseException]]) -> AwsError:
    """One line per cause, naming a few of the things it hit: an outage that fails every
    call of a plan of 3,000 connections is one line, not 3,000."""
    for _, exc in failures:
        # Not a fact about any connection: said once, as the whole run's error.
        if isinstance(exc, NoCredentialsError):
            return AwsError("NoCredentials", NO_CREDENTIALS)
    by_cause: dict[str, list[str]] = {}
    for name, exc in failures:
        by_cause.setdefault(describe_error(exc), []).append(name)
    lines = [f"{cause} ({_names(names, noun)})" for cause, names in by_cause.items()]
    return AwsError(action, f"could not read {noun}s:\n  " + "\n  ".join(lines))
