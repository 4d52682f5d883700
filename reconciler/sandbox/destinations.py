"""The five API destination actions, answered in-process over moto's backend with the corrections applied.

moto still owns the Destination objects and their ARNs (and invokes them from PutEvents); this
layer keeps what moto gets wrong or has no place for (DestinationRecord) and decides what goes
over the wire. Each correction is a function in destination_corrections.py. Callers hold the
middleware's lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.sandbox import corrections as paging
from reconciler.sandbox import destination_corrections as fix
from reconciler.sandbox.connections import ConnectionService
from reconciler.sandbox.validation import validate_input
from reconciler.sandbox.wire import AwsError, Where

if TYPE_CHECKING:
    from moto.events.models import Destination, EventsBackend

# API destinations per account and region (EventBridge quotas page, "Api destinations": 3,000,
# adjustable). moto has no quota. The message is the connections' (connections.py), not recorded.
DEFAULT_QUOTA = 3000
QUOTA_MESSAGE = "The requested resource exceeds the maximum number allowed."

Body = dict[str, Any]


@dataclass
class DestinationRecord:
    """What the emulator keeps beside moto's Destination: the members as AWS has them, and LastModifiedTime."""

    fields: fix.DestinationFields
    last_modified: float

    def touch(self) -> None:
        # moto never moves LastModifiedTime off CreationTime. Strictly increasing, so two writes
        # within one clock tick still read as two.
        self.last_modified = max(time.time(), self.last_modified + 0.001)


class DestinationService:
    def __init__(self, connections: ConnectionService) -> None:
        self.connections = connections  # a destination's state is its connection's (fix.destination_state)
        self.handlers: dict[str, Callable[[Where, Body], Body]] = {
            "CreateApiDestination": self.create,
            "UpdateApiDestination": self.update,
            "DescribeApiDestination": self.describe,
            "ListApiDestinations": self.list_destinations,
            "DeleteApiDestination": self.delete,
        }
        self.clear()

    def clear(self) -> None:
        """Forget every destination record and go back to the default settings."""
        self._records: dict[str, DestinationRecord] = {}  # by destination ARN, so a recreated name starts fresh
        self.quota = DEFAULT_QUOTA

    def handle(self, action: str, where: Where, body: Body) -> Body:
        # Model constraints first: recorded, AWS reports them before anything else
        # (test_create_api_destination_invalid_parameters).
        validate_input(action, body)
        return self.handlers[action](where, body)

    # --- actions ----------------------------------------------------------------------

    def create(self, where: Where, body: Body) -> Body:
        events = self._events(where)
        name = body["Name"]
        fields = fix.created_fields(body)
        fix.require_https(fields.invocation_endpoint, "create")
        if name in events.destinations:
            raise AwsError("ResourceAlreadyExistsException", fix.already_exists_message(name))
        self._require_connection(where, fields.connection_arn, "create")
        if len(events.destinations) >= self.quota:
            raise AwsError("LimitExceededException", QUOTA_MESSAGE)
        events.create_api_destination(
            name,
            fields.description or "",
            fields.connection_arn,
            fields.invocation_endpoint,
            str(fields.rate_limit),  # moto's annotation; moto's own replies are never sent
            fields.http_method,
        )
        dest = events.destinations[name]
        self._records[dest.arn] = DestinationRecord(fields, last_modified=dest.creation_time)
        return self._write_reply(where, dest)

    def update(self, where: Where, body: Body) -> Body:
        dest = self._get(where, body["Name"], "update")
        record = self._record(dest)
        merged = fix.merge_update(record.fields, body)
        if body.get("InvocationEndpoint") is not None:
            fix.require_https(merged.invocation_endpoint, "update")
        if body.get("ConnectionArn") is not None:
            self._require_connection(where, merged.connection_arn, "update")
        record.fields = merged
        record.touch()
        _mirror(dest, merged)
        return self._write_reply(where, dest)

    def describe(self, where: Where, body: Body) -> Body:
        dest = self._get(where, body["Name"], "describe")
        record = self._record(dest)
        return fix.described(dest.name, record.fields, self._write_reply(where, dest))

    def list_destinations(self, where: Where, body: Body) -> Body:
        events = self._events(where)
        limit = body.get("Limit") or paging.DEFAULT_PAGE_SIZE
        after = paging.page_after(body.get("NextToken"))
        rows = []
        for name in sorted(events.destinations):
            if name <= after:
                continue
            dest = events.destinations[name]
            record = self._record(dest)
            if fix.wanted(name, record.fields, body):
                rows.append(fix.list_row(name, record.fields, self._write_reply(where, dest)))
        out: Body = {"ApiDestinations": rows[:limit]}
        if len(rows) > limit:
            out["NextToken"] = paging.next_token(rows[limit - 1]["Name"])
        return out

    def delete(self, where: Where, body: Body) -> Body:
        dest = self._get(where, body["Name"], "delete")
        self._records.pop(dest.arn, None)
        self._events(where).delete_api_destination(dest.name)
        return {}  # recorded: delete-api-destination has no members

    # --- helpers ------------------------------------------------------------------------

    def _write_reply(self, where: Where, dest: Destination) -> Body:
        record = self._record(dest)
        state = fix.destination_state(self.connections.current_state(where, record.fields.connection_arn))
        return fix.write_reply(dest.arn, state, dest.creation_time, record.last_modified)

    def _require_connection(self, where: Where, connection_arn: str, verb: str) -> None:
        if self.connections.current_state(where, connection_arn) is None:
            raise AwsError("ResourceNotFoundException", fix.connection_not_found_message(connection_arn, verb))

    def _get(self, where: Where, name: str, verb: str) -> Destination:
        dest = self._events(where).destinations.get(name)
        if dest is None:
            raise AwsError("ResourceNotFoundException", fix.not_found_message(name, verb))
        return dest

    def _record(self, dest: Destination) -> DestinationRecord:
        # A destination made behind the emulator's back (moto used directly) is read from moto.
        rate = dest.invocation_rate_limit_per_second
        made = DestinationRecord(
            fix.DestinationFields(
                connection_arn=dest.connection_arn,
                invocation_endpoint=dest.invocation_endpoint,
                http_method=dest.http_method,
                rate_limit=fix.rate_limit_or_default(int(rate) if rate is not None else None),
                description=dest.description or None,
            ),
            last_modified=dest.creation_time,
        )
        return self._records.setdefault(dest.arn, made)

    def _events(self, where: Where) -> EventsBackend:
        from moto.events.models import events_backends

        return events_backends[where.account][where.region]


def _mirror(dest: Destination, fields: fix.DestinationFields) -> None:
    # moto invokes destinations from PutEvents with its own copy of these.
    dest.connection_arn = fields.connection_arn
    dest.invocation_endpoint = fields.invocation_endpoint
    dest.http_method = fields.http_method
    dest.invocation_rate_limit_per_second = str(fields.rate_limit)
    dest.description = fields.description or ""
