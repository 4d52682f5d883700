"""Where each target runs: its account and region, as the plan and apply comments show them.

In order: the JSON plan, when it carries them (`places`, or `targets` entries with `account`
and `region`); else
reconcile.yaml, read by reconcile's own resolver from the arguments the step passed to
reconcile; for a run without reconcile.yaml, the region boto3 picks (`--region`, else the
workflow's `aws-region`, which configure-aws-credentials exports). What none of these says
stays unknown: an account is never guessed from a role or from credentials.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import botocore.exceptions
import botocore.session

from reconciler.config import resolve_targets
from reconciler.errors import ReconcileError
from reconciler.options import DEFAULT_DIR, Sources


@dataclass(frozen=True)
class Where:
    name: str
    account: str | None = None
    region: str | None = None


class _Unreadable(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Unreadable(message)


@dataclass(frozen=True)
class Arguments:
    """The few reconcile arguments that decide which targets run where; the rest are ignored."""

    config: str | None = None
    dir: str | None = None
    targets: tuple[str, ...] = ()
    region: str | None = None
    profile: str | None = None


def read_arguments(args: Sequence[str]) -> Arguments:
    parser = _Parser(add_help=False, allow_abbrev=False)
    for name in ("--config", "--dir", "--region", "--profile"):
        parser.add_argument(name)
    parser.add_argument("--target", action="append", default=[])
    try:
        known, _ = parser.parse_known_args(list(args))
    except _Unreadable:
        return Arguments()
    return Arguments(known.config, known.dir, tuple(known.target), known.region, known.profile)


def from_places(document: Any) -> dict[str, Where]:
    """A JSON document's `places`: {target name: {"account": …, "region": …}}."""
    places = document.get("places") if isinstance(document, dict) else None
    if not isinstance(places, dict):
        return {}
    return {
        str(name): Where(str(name), _text(place.get("account")), _text(place.get("region")))
        for name, place in places.items()
        if isinstance(place, dict)
    }


def from_plan(document: Any) -> list[Where]:
    """The targets of `reconcile plan --format json`, in order: `targets` (names, or objects with
    `name`, `account` and `region`), with `places` where present."""
    places = from_places(document)
    entries = document.get("targets") if isinstance(document, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        item = entry if isinstance(entry, dict) else {"name": entry}
        name = item.get("name")
        if isinstance(name, str):
            place = places.get(name, Where(name))
            account = _text(item.get("account")) or place.account
            found.append(Where(name, account, _text(item.get("region")) or place.region))
    return found


def placed(document: Any) -> bool:
    """Whether reconcile itself placed every target (the JSON's `places`): its markdown then
    names each target's account and region already (render/markdown.py, from the same plan)."""
    places = document.get("places") if isinstance(document, dict) else None
    names = document.get("targets") if isinstance(document, dict) else None
    return isinstance(places, dict) and isinstance(names, list) and all(n in places for n in names)


def from_config(args: Sequence[str], env: Mapping[str, str] | None = None) -> list[Where]:
    """The targets reconcile resolves for these arguments; [] when it cannot (its own error is in the log)."""
    env = os.environ if env is None else env
    given = read_arguments(args)
    folder = given.dir or env.get("RECONCILE_DIR") or DEFAULT_DIR
    sources = Sources(folder, given.config, given.targets, dir_given=given.dir is not None)
    try:
        config = resolve_targets(sources, region=given.region)
    except ReconcileError:
        return []
    return [Where(t.name, t.account, t.region or _boto_region(given.profile)) for t in config.targets]


def merged(first: Iterable[Where], fallback: Iterable[Where]) -> list[Where]:
    """`first`'s targets in its order, each gap (account, region) filled from `fallback`."""
    known = {w.name: w for w in fallback}
    out = []
    for where in first:
        other = known.get(where.name, Where(where.name))
        out.append(replace(where, account=where.account or other.account, region=where.region or other.region))
    return out


def _boto_region(profile: str | None) -> str | None:
    # The region reconcile's own session would pick for a target without one (aws/clients.py).
    try:
        region = botocore.session.Session(profile=profile).get_config_variable("region")
    except botocore.exceptions.BotoCoreError:
        return None
    return str(region) if region else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
