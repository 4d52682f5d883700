"""Targets split into at most N batches of about equal work, a place's targets kept together.

GitHub runs at most 256 jobs from one matrix (GitHub docs, "Running variations of jobs in a
workflow"); past a few hundred targets, one apply job per target no longer fits. A batch is
one job's worth of targets.

- Work is the number of spec documents a target declares: reading and writing cost requests
  per connection or API destination (a target with none still counts as 1).
- A place is an account and a region. EventBridge's request quota (50/s for the control-plane
  APIs) is per account and region, so two jobs on one place would share one quota and
  throttle each other and every other caller there: a place's targets go to one batch. A
  target's account is its declared `account`, else the one in its `role_arn`; targets that
  name neither run with the job's own credentials, one account, so they group by region.
- Largest place first, each to the lightest batch so far (longest-processing-time first: the
  heaviest batch is within 4/3 of the best split, Graham 1969).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    name: str
    place: tuple[str, str]  # (account or "", region or "")
    work: int


def balance(items: Sequence[Item], batches: int) -> list[list[str]]:
    """At most `batches` lists of names; every name in exactly one; each list in input order,
    the lists in the order of their first name."""
    if batches < 1:
        raise ValueError("batches must be at least 1")
    order = {item.name: i for i, item in enumerate(items)}
    places: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        places.setdefault(item.place, []).append(item)
    groups = sorted(places.values(), key=lambda g: (-sum(max(1, i.work) for i in g), order[g[0].name]))
    bins: list[tuple[int, list[str]]] = [(0, []) for _ in range(min(batches, len(groups)))]
    for group in groups:
        lightest = min(range(len(bins)), key=lambda b: (bins[b][0], b))
        load, names = bins[lightest]
        bins[lightest] = (load + sum(max(1, i.work) for i in group), names + [i.name for i in group])
    result = [sorted(names, key=order.__getitem__) for _, names in bins if names]
    return sorted(result, key=lambda names: order[names[0]])
