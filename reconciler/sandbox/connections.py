"""The five connection actions, answered in-process over moto's backends with the corrections applied.

moto still owns the Connection objects, their ARNs and the managed secrets;
this layer adds what moto has no place for (ConnectionRecord) and decides what
goes over the wire. Callers hold the middleware's lock.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.sandbox import corrections as fix
from reconciler.sandbox.lifecycle import (
    DELETE_REPLY_STATE,
    STATES,
    ConnectionRecord,
    settled_state,
    transitional_states,
)
from reconciler.sandbox.validation import validate_input, validate_value
from reconciler.sandbox.wire import AwsError, Where

if TYPE_CHECKING:
    from moto.events.models import Connection, EventsBackend
    from moto.secretsmanager.models import SecretsManagerBackend

DEFAULT_QUOTA = 3000  # connections per account and region (EventBridge quotas page)

Body = dict[str, Any]


class ConnectionService:
    """The connection actions, per account and region (`Where`): each reads and writes moto's backends
    of the account the request acts in (accounts.py), and the records are keyed by ARN, which names it."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Where, Body], Body]] = {
            "CreateConnection": self.create,
            "UpdateConnection": self.update,
            "DescribeConnection": self.describe,
            "ListConnections": self.list_connections,
            "DeleteConnection": self.delete,
        }
        self.clear()

    def clear(self) -> None:
        """Forget every connection record and go back to the default settings."""
        self._records: dict[str, ConnectionRecord] = {}  # by connection ARN, so a recreated name starts fresh
        self.transition_polls = 1
        self.quota = DEFAULT_QUOTA
        self.managed_secret_layout = fix.SecretLayout.SNAKE

    def handle(self, action: str, where: Where, body: Body) -> Body:
        validate_input(action, body)
        return self.handlers[action](where, body)

    # --- actions ----------------------------------------------------------------------

    def create(self, where: Where, body: Body) -> Body:
        events = self._events(where)
        name, auth_type = body["Name"], body["AuthorizationType"]
        # Blocks for another auth type have no effect, as on update.
        auth = fix.merge_auth_parameters(auth_type, {}, auth_type, body["AuthParameters"])
        fix.require_auth_block(auth_type, auth)
        # moto silently replaces an existing connection (and orphans its secret).
        if name in events.connections:
            raise AwsError("ResourceAlreadyExistsException", f"Connection {name} already exists.")
        if len(events.connections) >= self.quota:
            raise AwsError("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
        conn = events.create_connection(name, body.get("Description") or "", auth_type, auth)
        record = ConnectionRecord(
            kms_key_identifier=body.get("KmsKeyIdentifier") or None,
            invocation_connectivity=copy.deepcopy(body.get("InvocationConnectivityParameters")),
        )
        record.stamp_created(conn.creation_time)
        self._records[conn.arn] = record
        self._replace_managed_secret(where, conn, record)
        self._begin(conn, record, "CREATING")
        return {
            "ConnectionArn": conn.arn,
            "ConnectionState": record.lifecycle.current,
            "CreationTime": conn.creation_time,
            "LastModifiedTime": record.last_modified,
        }

    def update(self, where: Where, body: Body) -> Body:
        conn = self._get(where, body["Name"])
        record = self._record(conn)
        current = fix.ConnectionFields(
            authorization_type=conn.authorization_type,
            auth_parameters=conn.auth_parameters,
            description=conn.description or None,
            kms_key_identifier=record.kms_key_identifier,
            invocation_connectivity=record.invocation_connectivity,
        )
        merged = fix.merge_update(current, body)
        fix.require_auth_block(merged.authorization_type, merged.auth_parameters)
        # After a type change the new block must be complete, as on create.
        validate_value(merged.auth_parameters, "CreateConnectionAuthRequestParameters", "authParameters")
        conn.authorization_type = merged.authorization_type
        conn.auth_parameters = merged.auth_parameters
        conn.description = merged.description or ""  # moto keeps "" for none
        record.kms_key_identifier = merged.kms_key_identifier
        record.invocation_connectivity = merged.invocation_connectivity
        record.touch()
        self._write_managed_secret_version(where, conn, record)
        self._begin(conn, record, "UPDATING")
        return {
            "ConnectionArn": conn.arn,
            "ConnectionState": record.lifecycle.current,
            "CreationTime": conn.creation_time,
            **record.timestamps(),
        }

    def describe(self, where: Where, body: Body) -> Body:
        conn = self._get(where, body["Name"], describing=True)
        record = self._record(conn)
        # What this call shows is decided before it counts as a poll (which may settle the connection).
        state, reason, stamps = record.lifecycle.current, record.lifecycle.current_reason, record.timestamps()
        record.lifecycle.observe()
        self._settle_if_due(conn, record)

        described: Body = conn.describe()  # moto's, then corrected:
        if not conn.description:
            described.pop("Description", None)
        described["AuthParameters"] = fix.described_auth_parameters(
            conn.auth_parameters, fix.association_arn(where.region, where.account, conn.arn, "auth")
        )
        if record.kms_key_identifier:
            described["KmsKeyIdentifier"] = record.kms_key_identifier
        if record.invocation_connectivity:
            described["InvocationConnectivityParameters"] = fix.described_connectivity(
                record.invocation_connectivity, fix.association_arn(where.region, where.account, conn.arn, "invocation")
            )
        described["ConnectionState"] = state
        if reason:
            described["StateReason"] = reason
        described.update(stamps)
        return described

    def list_connections(self, where: Where, body: Body) -> Body:
        events = self._events(where)
        prefix = body.get("NamePrefix") or ""
        wanted_state = body.get("ConnectionState")
        limit = body.get("Limit") or fix.DEFAULT_PAGE_SIZE
        after = fix.page_after(body.get("NextToken"))
        rows = []
        for name in sorted(events.connections):
            if not name.startswith(prefix) or name <= after:
                continue
            conn = events.connections[name]
            record = self._record(conn)
            if wanted_state and record.lifecycle.current != wanted_state:
                continue
            rows.append(self._summary(conn, record))
        out: Body = {"Connections": rows[:limit]}
        if len(rows) > limit:
            out["NextToken"] = fix.next_token(rows[limit - 1]["Name"])
        return out

    def delete(self, where: Where, body: Body) -> Body:
        conn = self._get(where, body["Name"])
        record = self._records.pop(conn.arn, None) or self._record(conn)
        out = {
            "ConnectionArn": conn.arn,
            "ConnectionState": DELETE_REPLY_STATE,
            "CreationTime": conn.creation_time,
            **record.timestamps(),
        }
        self._events(where).delete_connection(conn.name)  # moto deletes the managed secret too
        return out

    # --- state --------------------------------------------------------------------------

    def force_state(self, where: Where, name: str, state: str, reason: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown connection state {state!r}")
        self._record(self._get(where, name)).settle(state, reason)

    def current_state(self, where: Where, connection_arn: str) -> str | None:
        """The state the connection with this ARN shows now (None: no such connection in that account and region).

        For API destinations (destinations.py); unlike DescribeConnection, it is no poll.
        """
        # arn:<partition>:events:<region>:<account>:connection/<name>/<uuid>; names have no "/".
        parts = connection_arn.split("/")
        conn = self._events(where).connections.get(parts[1]) if len(parts) == 3 else None
        if conn is None or conn.arn != connection_arn:  # another account or region, or an earlier one of that name
            return None
        return self._record(conn).lifecycle.current

    def settled_outcome(self, conn: Connection, record: ConnectionRecord) -> tuple[str, str]:
        """The state and StateReason a connection ends in once its transition has run out.

        A healthy end, as a working endpoint gives; testing/ overrides this to play failures.
        """
        return settled_state(record), ""

    # --- helpers ------------------------------------------------------------------------

    def _begin(self, conn: Connection, record: ConnectionRecord, kind: str) -> None:
        oauth = conn.authorization_type == "OAUTH_CLIENT_CREDENTIALS"
        private = bool(record.invocation_connectivity)
        record.lifecycle.begin(transitional_states(kind, oauth=oauth, private=private, polls=self.transition_polls))
        self._settle_if_due(conn, record)

    def _settle_if_due(self, conn: Connection, record: ConnectionRecord) -> None:
        if record.lifecycle.due and not record.lifecycle.pending:
            record.settle(*self.settled_outcome(conn, record))

    def _summary(self, conn: Connection, record: ConnectionRecord) -> Body:
        # ListConnections' Connection shape: no Description, SecretArn or AuthParameters.
        row: Body = {
            "ConnectionArn": conn.arn,
            "Name": conn.name,
            "ConnectionState": record.lifecycle.current,
            "AuthorizationType": conn.authorization_type,
            "CreationTime": conn.creation_time,
            **record.timestamps(),
        }
        if record.lifecycle.current_reason:
            row["StateReason"] = record.lifecycle.current_reason
        return row

    def _replace_managed_secret(self, where: Where, conn: Connection, record: ConnectionRecord) -> None:
        """Swap moto's secret for one named and filled as EventBridge does.

        AWS names it events!connection/<name>/<uuid> (moto adds "/auth") and
        writes the flat snake_case JSON of corrections.managed_secret_json, its
        parameter lists spelled as `managed_secret_layout` says.
        """
        secrets = self._secrets(where)
        moto_secret_arn = conn.secret_arn
        secret = secrets.create_managed_secret(
            service_name="events",
            secret_id=f"events!connection/{conn.name}/{conn.uuid}",
            secret_string=self._managed_secret_json(conn),
            description=f"Auth parameters for EventBridge connection {conn.name}/{conn.uuid}",
            kms_key_id=record.kms_key_identifier,
        )
        secrets.delete_secret(moto_secret_arn, recovery_window_in_days=None, force_delete_without_recovery=True)
        conn.secret_arn = secret.arn

    def _write_managed_secret_version(self, where: Where, conn: Connection, record: ConnectionRecord) -> None:
        # UpdateConnection writes a new version: VersionId changes and AWSCURRENT moves (AWS-NOTES).
        secrets = self._secrets(where)
        secrets.put_secret_value(
            secret_id=conn.secret_arn,
            secret_string=self._managed_secret_json(conn),
            secret_binary=None,  # type: ignore[arg-type]  # moto's annotation is narrower than its code
            client_request_token=None,  # type: ignore[arg-type]
            version_stages=["AWSCURRENT"],
        )
        secret = secrets.secrets[conn.secret_arn]
        secret.kms_key_id = record.kms_key_identifier or secrets.DEFAULT_KMS_KEY_ALIAS  # type: ignore[union-attr]

    def _managed_secret_json(self, conn: Connection) -> str:
        return fix.managed_secret_json(conn.authorization_type, conn.auth_parameters, self.managed_secret_layout)

    def _get(self, where: Where, name: str, *, describing: bool = False) -> Connection:
        conn = self._events(where).connections.get(name)
        if conn is None:
            raise AwsError("ResourceNotFoundException", not_found_message(name, describing=describing))
        return conn

    def _record(self, conn: Connection) -> ConnectionRecord:
        # A connection made behind the emulator's back (moto used directly) counts as settled.
        made = ConnectionRecord(last_modified=conn.creation_time, last_authorized=conn.creation_time)
        return self._records.setdefault(conn.arn, made)

    def _events(self, where: Where) -> EventsBackend:
        from moto.events.models import events_backends

        return events_backends[where.account][where.region]

    def _secrets(self, where: Where) -> SecretsManagerBackend:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[where.account][where.region]


def not_found_message(name: str, *, describing: bool) -> str:
    """The text of the ResourceNotFoundException for a missing connection.

    Recorded for DescribeConnection (lifecycle.RECORDING, test_delete_connection):
    "Failed to describe the connection(s). Connection '<name>' does not exist." The other
    actions' text is not recorded. reconcile reads the error code only, never this text.
    """
    missing = f"Connection '{name}' does not exist."
    return f"Failed to describe the connection(s). {missing}" if describing else missing
