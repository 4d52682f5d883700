"""Apply's result as the apply step saves it for the comment step (which holds the GitHub
token that the step running reconcile with AWS credentials does not)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reconciler.github.run import ApplyRun
from reconciler.github.where import Where, from_places
from reconciler.model import CONNECTION, LABEL, labelled
from reconciler.output import write_file


@dataclass(frozen=True)
class Result:
    """One line of `reconcile apply --format json`: a connection's or an API destination's."""

    name: str
    target: str
    action: str  # create, update or delete
    ok: bool
    detail: str
    code: str | None
    started: bool
    type: str = CONNECTION

    @property
    def label(self) -> str:
        """As plan records name changes (record.py): a connection by its name alone."""
        return labelled(self.type, self.name)

    @property
    def shown(self) -> str:
        """For markdown: the name in code, after its type when it is no connection."""
        return f"`{self.name}`" if self.type == CONNECTION else f"{LABEL.get(self.type, self.type)} `{self.name}`"


@dataclass(frozen=True)
class Report:
    exit_code: int
    results: tuple[Result, ...] | None  # None: apply stopped before it had a plan to apply
    errors: tuple[str, ...]  # why it stopped, from `{"errors": [...]}`
    markdown: str  # apply's own summary: the plan it applied, then each result
    places: dict[str, Where] = field(default_factory=dict)  # when apply's JSON names them


def save(path: str, run: ApplyRun) -> None:
    data = {"exit_code": run.exit_code, "apply": run.document, "markdown": run.markdown}
    write_file(path, json.dumps(data, ensure_ascii=False) + "\n")


def _result(item: dict[str, Any]) -> Result:
    return Result(
        name=str(item["name"]),
        target=str(item.get("target") or "default"),
        action=str(item["action"]),
        ok=bool(item.get("ok")),
        detail=str(item.get("detail") or ""),
        code=str(item["code"]) if item.get("code") else None,
        started=bool(item.get("started", True)),
        type=str(item.get("type") or CONNECTION),
    )


def load(path: str) -> Report | None:
    """The saved report; None when the apply step never ran (no file)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except ValueError:
        return Report(1, None, ("the apply step's report could not be read",), "")
    document = data.get("apply") if isinstance(data, dict) else None
    results: tuple[Result, ...] | None = None
    errors: tuple[str, ...] = ()
    if isinstance(document, dict) and isinstance(document.get("results"), list):
        results = tuple(_result(r) for r in document["results"] if isinstance(r, dict) and "name" in r)
    elif isinstance(document, dict) and isinstance(document.get("errors"), list):
        errors = tuple(_error(e) for e in document["errors"] if isinstance(e, dict))
    markdown = str(data.get("markdown") or "")
    return Report(int(data.get("exit_code", 1)), results, errors, markdown, from_places(document))


def _error(item: dict[str, Any]) -> str:
    """`file:line:col: path: message`, as reconcile prints it, with what the error knows."""
    where = ":".join(str(item[k]) for k in ("file", "line", "column") if item.get(k))
    path = item.get("path")
    return ": ".join(part for part in (where, str(path) if path else "", str(item.get("message") or "")) if part)
