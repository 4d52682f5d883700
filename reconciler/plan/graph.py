"""The plan as a graph of intents: each write apply makes, and every step it must wait for. Pure.

Edges (each is data here, never an accident of order):
- an API destination is written after its connection has settled AUTHORIZED or ACTIVE: after
  the connection's write when this plan writes it, else after a wait for it (a SETTLE intent)
  when it was not settled when planned;
- a deleted connection waits for the destinations this plan moves off it or deletes;
- every deletion of a target waits for all of its creates and updates: a rename whose create
  fails (the connection quota reached) never deletes the old connection.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from reconciler.model import CONNECTION, Action, Plan, ResourcePlan, labelled


class Step(str, enum.Enum):
    WRITE = "write"  # create, update or delete one resource
    SETTLE = "settle"  # wait, writing nothing, for a connection to be AUTHORIZED or ACTIVE


IntentId = tuple[str, Step, str, str]  # (target, step, type, name)


@dataclass
class Intent:
    target: str
    step: Step
    type: str
    name: str
    # The write, for a WRITE intent; None for a SETTLE.
    plan: ResourcePlan | None = None
    after: list[IntentId] = field(default_factory=list)

    @property
    def id(self) -> IntentId:
        return (self.target, self.step, self.type, self.name)

    @property
    def action(self) -> Action:
        return self.plan.action if self.plan is not None else Action.NOOP

    @property
    def label(self) -> str:
        return labelled(self.type, self.name)


def write_id(plan: ResourcePlan) -> IntentId:
    return (plan.target, Step.WRITE, plan.type, plan.name)


def intents(plan: Plan) -> list[Intent]:
    """Every intent of the plan, in the plan's order, each with the intents it waits for."""
    pending = plan.pending
    writes = {write_id(p) for p in pending}
    settles: dict[IntentId, Intent] = {}
    out: list[Intent] = []
    written: dict[str, list[IntentId]] = {}
    for p in pending:
        if p.action in (Action.CREATE, Action.UPDATE):
            written.setdefault(p.target, []).append(write_id(p))
    for p in pending:
        intent = Intent(p.target, Step.WRITE, p.type, p.name, p)
        intent.after = [dep for t, n in p.after if (dep := (p.target, Step.WRITE, t, n)) in writes]
        if p.settle is not None:
            settle = Intent(p.target, Step.SETTLE, CONNECTION, p.settle)
            settles.setdefault(settle.id, settle)
            intent.after.append(settle.id)
        if p.action is Action.DELETE:
            intent.after += [w for w in written.get(p.target, []) if w not in intent.after]
        out.append(intent)
    return list(settles.values()) + out
