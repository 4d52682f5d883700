"""Denying reads of EventBridge's managed secrets, as a caller without the rights would see it.

Whether a principal may read events!connection/... depends on IAM and, with a
customer managed key, on kms:Decrypt (AWS-NOTES, "The managed secret"). The
guard lets tests play the refused side: GetSecretValue fails with
AccessDeniedException; BatchGetSecretValue reports a per-secret entry in Errors
with ErrorCode AccessDeniedException (Secrets Manager API reference,
BatchGetSecretValue / APIErrorType) and still returns the other secrets.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from reconciler.sandbox.middleware import Handler
from reconciler.sandbox.wire import AwsError, AwsRequest, Environ, Reply, json_reply, with_json_body

MANAGED_SECRET_MARKER = "events!connection/"  # in both the name and the ARN of every managed secret
GUARDED_ACTIONS = frozenset({"GetSecretValue", "BatchGetSecretValue"})

Forward = Callable[[bytes], Reply]


class ManagedSecretGuard:
    """A layer refusing reads of managed secrets while `deny` is set."""

    def __init__(self) -> None:
        self.deny = False

    def __call__(self, request: AwsRequest, environ: Environ, inner: Handler) -> Reply:
        if not (self.deny and request.prefix == "secretsmanager" and request.action in GUARDED_ACTIONS):
            return inner(request, environ)

        def forward(raw: bytes) -> Reply:
            changed = raw != request.raw  # a body guarded_read wrote: JSON
            return inner(dataclasses.replace(request, raw=raw, body=json.loads(raw)) if changed else request, environ)

        return guarded_read(request, forward, request.account)


def is_managed(secret_id: str) -> bool:
    return MANAGED_SECRET_MARKER in secret_id


def denied_message(account_id: str, action: str, secret_id: str) -> str:
    return (
        f"User: arn:aws:iam::{account_id}:user/sandbox is not authorized to perform: "
        f"secretsmanager:{action} on resource: {secret_id} because no identity-based policy allows "
        f"the secretsmanager:{action} action"
    )


def guarded_read(request: AwsRequest, forward: Forward, account_id: str) -> Reply:
    """Answer a GetSecretValue/BatchGetSecretValue with managed secrets refused."""
    if request.action == "GetSecretValue":
        secret_id = str(request.body.get("SecretId", ""))
        if is_managed(secret_id):
            raise AwsError("AccessDeniedException", denied_message(account_id, "GetSecretValue", secret_id))
        return forward(request.raw)
    if request.body.get("SecretIdList"):
        return _batch_by_ids(request.body, forward, account_id)
    return _batch_by_filters(request, forward, account_id)


def _denied_entry(account_id: str, secret_id: str) -> dict[str, str]:
    return {
        "SecretId": secret_id,
        "ErrorCode": "AccessDeniedException",
        "Message": denied_message(account_id, "GetSecretValue", secret_id),
    }


def _batch_by_ids(body: dict[str, Any], forward: Forward, account_id: str) -> Reply:
    ids = [str(i) for i in body["SecretIdList"]]
    allowed = [i for i in ids if not is_managed(i)]
    errors = [_denied_entry(account_id, i) for i in ids if is_managed(i)]
    if not allowed:
        return json_reply({"SecretValues": [], "Errors": errors})
    reply = forward(json.dumps({**body, "SecretIdList": allowed}).encode())
    if reply.status != 200:
        return reply
    payload = reply.json()
    payload["Errors"] = list(payload.get("Errors") or []) + errors
    return with_json_body(reply, payload)


def _batch_by_filters(request: AwsRequest, forward: Forward, account_id: str) -> Reply:
    reply = forward(request.raw)
    if reply.status != 200:
        return reply
    payload = reply.json()
    kept, errors = [], list(payload.get("Errors") or [])
    for value in payload.get("SecretValues") or []:
        if is_managed(str(value.get("Name", ""))):
            errors.append(_denied_entry(account_id, str(value.get("ARN", value.get("Name")))))
        else:
            kept.append(value)
    payload["SecretValues"], payload["Errors"] = kept, errors
    return with_json_body(reply, payload)
