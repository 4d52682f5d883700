"""The emulator's connections, steered where tests need what AWS does only on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.connections import Body, ConnectionService
from reconciler.sandbox.lifecycle import STATES, ConnectionRecord
from reconciler.sandbox.wire import Where

if TYPE_CHECKING:
    from moto.events.models import Connection


class SteeredConnectionService(ConnectionService):
    """ConnectionService plus a chosen end for a connection's next settle, and moto's ignored NamePrefix."""

    def clear(self) -> None:
        super().clear()
        self._settle_overrides: dict[str, tuple[str, str]] = {}  # by name: how its next settle ends
        # moto 5.2 lists every connection whatever the NamePrefix (shared AWS-NOTES.md, "moto");
        # tests turn this on to show pruning never relies on the server honouring the prefix.
        self.ignore_name_prefix = False

    def settle_into(self, name: str, state: str, reason: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown connection state {state!r}")
        self._settle_overrides[name] = (state, reason)

    def settled_outcome(self, conn: Connection, record: ConnectionRecord) -> tuple[str, str]:
        return self._settle_overrides.pop(conn.name, None) or super().settled_outcome(conn, record)

    def list_connections(self, where: Where, body: Body) -> Body:
        if self.ignore_name_prefix:
            body = {key: value for key, value in body.items() if key != "NamePrefix"}
        return super().list_connections(where, body)
