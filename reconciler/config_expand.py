"""A reconcile.yaml target written once for many places: `regions`, `accounts` and `organizational_units`.

A target may give `regions: [...]` instead of `region`, and `accounts: [...]` or
`organizational_units: [ou-...]` (minus `exclude_accounts`) instead of `account`. It
stands for one target per account and region, `{account}` and `{region}` substituted in
its `name` and `role_arn`. Each such target keeps `account`, so it is refused with
credentials of another account (aws/clients.py).

Checks that need no AWS (`template_problems`) run when the file is loaded; the accounts
of organizational units are read only by the commands that reach AWS anyway, through
the reader they pass (aws/organizations.py). Without one (validate), a target over
units stays one target, named as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.errors import Location, Problem, SpecErrors
from reconciler.load.yaml_loader import Document

ACCOUNT, REGION = "{account}", "{region}"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# The schema's target name pattern, for the names templates expand to.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SAMPLE_ACCOUNT = "000000000000"  # stands for an account not read yet: names are checked at their full length

# (unit ids, organizations_role_arn) -> the ACTIVE accounts of each unit and its child units.
UnitAccounts = Callable[[Sequence[str], str | None], Mapping[str, Sequence[str]]]


class UnitError(Exception):
    """An organizational unit that could not be read; `reason` says why, in one line."""

    def __init__(self, unit: str, reason: str) -> None:
        super().__init__(f"{unit}: {reason}")
        self.unit = unit
        self.reason = reason


@dataclass(frozen=True)
class _Template:
    index: int
    item: dict[str, Any]

    @property
    def regions(self) -> list[str]:
        return list(self.item["regions"]) if "regions" in self.item else [self.item["region"]]

    @property
    def units(self) -> list[str]:
        return list(self.item.get("organizational_units", []))

    def fixed_accounts(self) -> list[str | None]:
        """The accounts known without AWS ([None]: the target names none)."""
        if "accounts" in self.item:
            return list(self.item["accounts"])
        return [self.item.get("account")]

    @property
    def several_accounts(self) -> bool:
        return bool(self.units) or len(self.item.get("accounts", [])) > 1


def _at(doc: Document, index: int, *keys: Any) -> Location:
    for depth in range(len(keys), -1, -1):
        found = doc.positions.get(("targets", index, *keys[:depth]))
        if found is not None:
            return found
    return doc.positions.get(("targets",)) or doc.positions.get(()) or Location("")


def _problem(doc: Document, index: int, keys: tuple[Any, ...], message: str) -> Problem:
    path = f"targets[{index}]" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys)
    return Problem(_at(doc, index, *keys), path, message)


def template_problems(doc: Document) -> list[Problem]:
    """What is wrong with the file's targets as templates; needs no AWS. The file passed its schema."""
    problems: list[Problem] = []
    templates = [_Template(i, item) for i, item in enumerate(doc.data["targets"])]
    for t in templates:
        problems += _template_problems(doc, t)
    if not problems:
        # Names that collide already among what is known without AWS.
        problems = _collisions(doc, [(t.index, name) for t in templates for name, *_ in _places(t, None)])
    return problems


def _template_problems(doc: Document, t: _Template) -> Iterator[Problem]:
    item, i = t.item, t.index
    if "region" in item and "regions" in item:  # neither: the schema says region is missing
        yield _problem(doc, i, ("regions",), "give region (one) or regions (several), not both")
    given = [k for k in ("account", "accounts", "organizational_units") if k in item]
    if len(given) > 1:
        yield _problem(
            doc, i, (given[1],), f"give one of account, accounts and organizational_units, not {' and '.join(given)}"
        )
    if "exclude_accounts" in item and "organizational_units" not in item:
        yield _problem(doc, i, ("exclude_accounts",), "exclude_accounts goes with organizational_units")
    for key in ("name", "role_arn"):
        for unknown in sorted({p for p in _PLACEHOLDER.findall(str(item.get(key, ""))) if p not in (ACCOUNT, REGION)}):
            yield _problem(doc, i, (key,), f"unknown placeholder {unknown}: use {ACCOUNT} or {REGION}")
    name, role = str(item["name"]), item.get("role_arn")
    if len(t.regions) > 1 and REGION not in name:
        yield _problem(
            doc,
            i,
            ("name",),
            f"the target covers {len(t.regions)} regions: put {REGION} in its name, so each gets its own",
        )
    if t.several_accounts and ACCOUNT not in name:
        yield _problem(
            doc, i, ("name",), f"the target covers several accounts: put {ACCOUNT} in its name, so each gets its own"
        )
    if t.several_accounts and (not isinstance(role, str) or ACCOUNT not in role):
        keys = ("role_arn",) if isinstance(role, str) else ()
        yield _problem(
            doc,
            i,
            keys,
            f"the target covers several accounts: give role_arn with {ACCOUNT} in it "
            f"(arn:aws:iam::{ACCOUNT}:role/NAME), a role to assume in each",
        )
    if not given:
        for key in ("name", "role_arn"):
            if ACCOUNT in str(item.get(key, "")):
                yield _problem(
                    doc, i, (key,), f"{ACCOUNT} needs an account: give account, accounts or organizational_units"
                )
    for expanded, *_ in _places(t, None):
        if ACCOUNT not in expanded and not NAME.match(expanded):
            yield _problem(
                doc,
                i,
                ("name",),
                f"expands to {expanded!r}, not a target name: at most 64 of A-Z a-z 0-9 . _ - "
                "starting with a letter or digit",
            )
            break


def _places(t: _Template, accounts: Sequence[str] | None) -> Iterator[tuple[str, str | None, str]]:
    """(name, account, region) of each target `t` stands for; `accounts` None: those known without AWS
    (a unit's accounts stand in as SAMPLE_ACCOUNT)."""
    chosen: list[str | None] = list(accounts) if accounts is not None else t.fixed_accounts()
    if accounts is None and t.units:
        chosen = [SAMPLE_ACCOUNT]
    for account in chosen:
        for region in t.regions:
            yield _fill(str(t.item["name"]), account, region), account, region


def _fill(text: str, account: str | None, region: str) -> str:
    return text.replace(ACCOUNT, account or ACCOUNT).replace(REGION, region)


def _collisions(doc: Document, named: list[tuple[int, str]]) -> list[Problem]:
    first: dict[str, int] = {}
    problems = []
    for index, name in named:
        if name in first and first[name] != index:
            line = _at(doc, first[name], "name").line
            message = (
                f"expands to target {name!r}, which targets[{first[name]}] (line {line}) also names; "
                "target names must be unique"
            )
            problems.append(_problem(doc, index, ("name",), message))
        elif name in first:
            problems.append(
                _problem(
                    doc, index, ("name",), f"expands to target {name!r} more than once; target names must be unique"
                )
            )
        first.setdefault(name, index)
    return problems


def could_name(template: str, picked: Sequence[str]) -> bool:
    """Whether a target named by `template` could be one of `picked` (--target), whatever its account and region."""
    parts = [re.escape(p) for p in template.split(ACCOUNT)]
    pattern = r"\d{12}".join(parts).replace(re.escape(REGION), r"[a-z0-9-]+")
    return any(re.fullmatch(pattern, name) for name in picked)


def expand(
    doc: Document,
    units: UnitAccounts | None,
    picked: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Each target of the file as one item per account and region, with `name`, `region`, `account`
    and `role_arn` filled in. A target over organizational units reads them through `units`; none given
    (validate), it stays one item as written. With `picked` (--target), a target over units none of
    whose names could be picked is left out unread."""
    templates = [_Template(i, item) for i, item in enumerate(doc.data["targets"])]
    wanted = [
        t for t in templates if t.units and units is not None and (not picked or could_name(t.item["name"], picked))
    ]
    found = _read_units(doc, wanted, units) if wanted and units is not None else {}
    read = {t.index for t in wanted}
    expanded: list[tuple[int, dict[str, Any]]] = []
    for t in templates:
        if t.units and units is not None and t.index not in read:
            continue
        if t.units and units is None:
            expanded += [(t.index, _item(t, str(t.item["name"]), None, region)) for region in t.regions]
            continue
        accounts = _unit_accounts(t, found) if t.units else None
        expanded += [(t.index, _item(t, name, account, region)) for name, account, region in _places(t, accounts)]
    problems = _collisions(doc, [(i, item["name"]) for i, item in expanded])
    if problems:
        raise SpecErrors(problems)
    return [item for _, item in expanded]


def _unit_accounts(t: _Template, found: Mapping[str, Sequence[str]]) -> list[str]:
    excluded = set(t.item.get("exclude_accounts", []))
    accounts: list[str] = []
    for unit in t.units:
        accounts += [a for a in found[unit] if a not in excluded and a not in accounts]
    return accounts


def _read_units(doc: Document, templates: list[_Template], units: UnitAccounts) -> Mapping[str, Sequence[str]]:
    ids = list(dict.fromkeys(unit for t in templates for unit in t.units))
    try:
        return units(ids, doc.data.get("organizations_role_arn"))
    except UnitError as error:
        t = next(t for t in templates if error.unit in t.units)
        key = ("organizational_units", t.units.index(error.unit))
        raise SpecErrors([_problem(doc, t.index, key, f"organizational unit {error.unit}: {error.reason}")]) from None


def _item(t: _Template, name: str, account: str | None, region: str) -> dict[str, Any]:
    item = {
        k: v for k, v in t.item.items() if k not in ("regions", "accounts", "organizational_units", "exclude_accounts")
    }
    item.update(name=name, region=region)
    if account is not None:
        item["account"] = account
    if isinstance(item.get("role_arn"), str) and (account is not None or ACCOUNT not in item["role_arn"]):
        item["role_arn"] = _fill(item["role_arn"], account, region)
    elif "role_arn" in item:
        del item["role_arn"]  # a unit's accounts not read (validate): no role to name yet
    return item
