"""IgnoreChanges (issue #21): field paths whose differences are neither drift nor written.

Terraform's `ignore_changes` and Argo CD's `ignoreDifferences` for reconcile: a field another
tool manages (a description an on-call tool sets, a rate limit tuned by hand) stops keeping the
drift check red. A path is written as the plan prints it (`Description`,
`AuthParameters.InvocationHttpParameters.HeaderParameters`, `...HeaderParameters[X-Env]`) and
covers itself and everything under it.

What can't be ignored, and why:
- a secret value (ApiKeyValue, Password, ClientSecret, and the blocks holding one):
  DescribeConnection never returns it (botocore model, `Connection*ResponseParameters`), so an
  update could not send it as it is live. Validate refuses such a path.
- a parameter with `IsValueSecret: true` on either side, even under an ignored list: its live
  value is withheld too, so it is written as the spec says and the plan says so in a note.
- AuthorizationType: it decides which auth block an update sends; and a path inside an auth
  type's block holds only while the live connection has that type (a type change sends the
  new block whole).
- Name and Type (identity), Connection (the plan shows it as ConnectionArn).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reconciler.model import CONNECTION, LABEL, FieldChange
from reconciler.secrets.refs import FIXED_SECRET_FIELDS, PARAMETER_BLOCKS, PARAMETER_LISTS
from reconciler.spec_schema import definition, load_schema

SPEC_KEY = "IgnoreChanges"
# The auth blocks of each AuthorizationType: a path inside one holds only while live has the same type.
AUTH_TYPE_BLOCKS = ("ApiKeyAuthParameters", "BasicAuthParameters", "OAuthParameters")
# The parameter lists (with their block) a `[KEY]` may follow: `...HeaderParameters[X-Env]`.
LIST_PATHS = tuple(".".join(block + (name,)) for block in PARAMETER_BLOCKS for name in PARAMETER_LISTS)
_SECRET_HOLDERS = {".".join(path[:end]) for path in FIXED_SECRET_FIELDS for end in range(1, len(path) + 1)}
_SECRET_NAMES = {path[-1] for path in FIXED_SECRET_FIELDS}
_CONNECTIVITY = ("InvocationConnectivityParameters", "AuthParameters.ConnectivityParameters")
_WHY = {
    "Name": "is the resource's identity and can't be ignored",
    "Type": "says what the document declares and can't be ignored",
    SPEC_KEY: "can't be ignored",
    "AuthorizationType": "can't be ignored: it decides which auth block an update sends",
    "Connection": "is shown and written as ConnectionArn; ignore ConnectionArn",
}


def _walk(schema: dict[str, Any], prefix: str) -> Iterable[str]:
    """Every property path of a definition, through `$ref`s, down to the parameter lists."""
    defs = load_schema()["$defs"]
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    for key, inner in (schema.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if not isinstance(inner, dict):
            continue
        while "$ref" in inner and "properties" not in inner:
            inner = defs[inner["$ref"].rsplit("/", 1)[1]]
        if inner.get("type") != "array":
            yield from _walk(inner, path)


@functools.cache
def schema_paths(type_: str) -> tuple[str, ...]:
    """The paths a spec of this type has (`Name`, `AuthParameters.OAuthParameters.HttpMethod`, ...)."""
    return tuple(_walk(definition(type_), ""))


def _refusal(path: str) -> str | None:
    """Why a path the schema has can't be ignored; None when it can."""
    if path in _WHY:
        return _WHY[path]
    if path in _SECRET_HOLDERS:
        what = "is" if path.rsplit(".", 1)[-1] in _SECRET_NAMES else "holds"
        tail = "" if what == "is" else "; ignore the fields beside it"
        return (
            f"can't be ignored: it {what} a secret value, which DescribeConnection never returns, so an update could "
            f"not keep it as it is live{tail}"
        )
    for block in _CONNECTIVITY:
        if path.startswith(block + "."):
            return f"can't be ignored on its own; ignore {block} as a whole"
    return None


@functools.cache
def ignorable(type_: str) -> tuple[str, ...]:
    """The schema paths of this type that IgnoreChanges may name (besides `LIST[KEY]`)."""
    return tuple(p for p in schema_paths(type_) if _refusal(p) is None)


def _keyed(path: str) -> tuple[str, str] | None:
    """`...HeaderParameters[X-Env]` → (the list's path, "X-Env"); None for any other path."""
    if not path.endswith("]") or "[" not in path:
        return None
    head, key = path[:-1].split("[", 1)
    return (head, key) if head in LIST_PATHS else None


def problem(path: str, types: Iterable[str]) -> str | None:
    """Why `path` is no IgnoreChanges entry for any of `types`; None when it is one."""
    types = tuple(types)
    if any(path in ignorable(t) for t in types):
        return None
    keyed = _keyed(path)
    if keyed is not None and CONNECTION in types:
        return None if keyed[1] else "needs a parameter key between the brackets"
    parameter = parameter_of(path)
    if parameter is not None and CONNECTION in types:
        whole = f"{parameter[0]}[{parameter[1]}]"
        return f"a parameter is ignored whole, its Value and IsValueSecret together: write {whole!r}"
    for type_ in types:
        if path in schema_paths(type_):
            why = _refusal(path)
            return f"{path} {why}" if why else None
    other = [t for t in LABEL if t not in types and path in ignorable(t)]
    if other:
        return f"{path} is a field of {LABEL[other[0]]}s, not of {LABEL[types[0]]}s"
    known = sorted({p for t in types for p in ignorable(t)})
    hint = difflib.get_close_matches(path, known, n=1)
    what = f"{LABEL[types[0]]} field" if len(types) == 1 else "field path"
    tail = f"; did you mean {hint[0]!r}?" if hint else "; write the path as the plan prints it, e.g. 'Description'"
    return f"unknown {what} {path!r}{tail}"


def applies_to(path: str, type_: str) -> bool:
    """Whether a valid path (from reconcile.yaml, for every type) exists for this type."""
    return path in ignorable(type_) or (type_ == CONNECTION and _keyed(path) is not None)


@dataclass(frozen=True)
class Rules:
    """The IgnoreChanges paths in force for one resource: its spec's and its target's."""

    paths: tuple[str, ...] = ()

    @staticmethod
    def of(body: dict[str, Any], type_: str, target_paths: Iterable[str] = ()) -> Rules:
        own = body.get(SPEC_KEY) or []
        found = [p for p in own if isinstance(p, str)] + [p for p in target_paths if applies_to(p, type_)]
        return Rules(tuple(dict.fromkeys(found)))

    def in_force(self, spec_body: dict[str, Any], live: dict[str, Any] | None) -> tuple[str, ...]:
        """The paths that hold against this live resource: one inside an auth type's block only
        while the live connection has the spec's AuthorizationType."""
        if live is None:
            return ()
        same_type = live.get("AuthorizationType") == spec_body.get("AuthorizationType")
        return tuple(p for p in self.paths if same_type or not _in_auth_type_block(p))


def _in_auth_type_block(path: str) -> bool:
    return any(path.startswith(f"AuthParameters.{block}") for block in AUTH_TYPE_BLOCKS)


def covers(rule: str, path: str) -> bool:
    """A rule covers its own path and everything under it, by the plan's path spelling."""
    return path == rule or path.startswith(rule + ".") or path.startswith(rule + "[")


def parameter_of(path: str) -> tuple[str, str] | None:
    """The parameter a change's path is about: (list path, key), or None."""
    for head in LIST_PATHS:
        if path.startswith(head + "["):
            rest = path[len(head) + 1 :]
            for tail in ("].Value", "].IsValueSecret", "]"):
                if rest.endswith(tail):
                    return head, rest[: -len(tail)]
    return None


def _entry(record: dict[str, Any], list_path: str, key: str) -> Any:
    node: Any = record
    for part in list_path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node.get(key) if isinstance(node, dict) else None


def secret_parameter(path: str, live: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether a change is about a parameter that is secret on either side (comparable records,
    parameter lists keyed by Key): its live value is withheld, so it can't be kept."""
    found = parameter_of(path)
    if found is None:
        return False
    for record in (live, want):
        entry = _entry(record, *found)
        if isinstance(entry, dict) and entry.get("IsValueSecret") is True:
            return True
    return False


@dataclass
class Split:
    kept: list[FieldChange]
    ignored: list[str]
    notes: list[str]


def split(changes: list[FieldChange], rules: tuple[str, ...], live: dict[str, Any], want: dict[str, Any]) -> Split:
    """Changes under an ignore rule leave the plan for its `ignored` list, unless they are about a
    secret value, which no update can keep as it is live: those stay, with a note saying why."""
    out = Split([], [], [])
    for change in changes:
        rule = next((r for r in rules if covers(r, change.path)), None)
        if rule is None:
            out.kept.append(change)
        elif change.secret or secret_parameter(change.path, live, want):
            out.kept.append(change)
            out.notes.append(
                f"IgnoreChanges {rule} covers {change.path}, but it is a secret value DescribeConnection does not "
                "return, so an update can't keep it as it is live: it is written as the spec says"
            )
        else:
            out.ignored.append(change.path)
    return out
