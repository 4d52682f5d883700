"""Targets at one place (account and region). Pure: places come from the identity step.

Two targets at one place see the same live connections. So pruning in one of them must never
delete what the other declares (each target prunes from the union of what the targets at its
place declare), and two targets whose prune scopes overlap would each claim the same undeclared
resources: that configuration is refused before anything is read.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.config import Target
from reconciler.errors import ReconcileError
from reconciler.model import Place, Spec


def _scope(target: Target) -> str:
    if not target.prune_prefixes:
        return "every name"
    return "names starting " + " or ".join(repr(p) for p in target.prune_prefixes)


def _overlap(a: Target, b: Target) -> bool:
    if not a.prune_prefixes or not b.prune_prefixes:
        return True
    return any(x.startswith(y) or y.startswith(x) for x in a.prune_prefixes for y in b.prune_prefixes)


def refuse_overlapping_prunes(targets: list[Target], places: dict[str, Place]) -> None:
    """Two pruning targets at one place whose prune scopes overlap: one error naming both."""
    pruning = [t for t in targets if t.prune]
    for i, a in enumerate(pruning):
        for b in pruning[i + 1 :]:
            if places[a.name] == places[b.name] and _overlap(a, b):
                raise ReconcileError(
                    f"targets {a.name} and {b.name} both prune at {places[a.name]}, and their prune scopes overlap "
                    f"({a.name}: {_scope(a)}; {b.name}: {_scope(b)}): each would delete what only the other may. "
                    "Give them prune_prefixes that don't overlap, or prune in one of them. Nothing was read"
                )


def _maybe_at(target: Target, place: Place, base_account: str | None) -> bool:
    """Whether a target left out of this run (--target) may act at `place`. Without asking AWS
    its account may not be known; then it is taken to be there: that only protects more."""
    if target.region and place.region and target.region != place.region:
        return False
    account = target.declared_account or (base_account if not target.role_arn else None)
    return account is None or place.account is None or account == place.account


def neighbours(
    target: Target,
    targets: list[Target],
    places: dict[str, Place],
    declared: dict[str, list[Spec]],
    unpicked: Sequence[Target] = (),
    unpicked_specs: dict[str, list[Spec]] | None = None,
) -> list[Spec]:
    """What the other targets at `target`'s place declare: its pruning must leave all of it alone."""
    place = places[target.name]
    found = [s for t in targets if t.name != target.name and places[t.name] == place for s in declared[t.name]]
    base = next((places[t.name].account for t in targets if not t.role_arn), None)
    for other in unpicked:
        if _maybe_at(other, place, base):
            found += (unpicked_specs or {}).get(other.name, [])
    return found
