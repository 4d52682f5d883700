"""`reconcile validate`: schema and semantic checks, no AWS call, no credentials."""

from __future__ import annotations

import json

from reconciler.config import resolve_targets
from reconciler.errors import Problem, SpecErrors
from reconciler.model import API_DESTINATION, Spec, counted
from reconciler.options import Sources, ValidateCommand
from reconciler.output import err, out
from reconciler.pipeline import load_target_specs
from reconciler.render.json_format import problem_record
from reconciler.untrusted import visible


def _escape(text: str, property_value: bool = False) -> str:
    # GitHub workflow command escaping (actions/toolkit, command.ts).
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def github_annotation(problem: Problem) -> str:
    loc = problem.location
    # visible() first: a workflow command is one line of the log, read by people too.
    props = [f"file={_escape(visible(loc.file), True)}"]
    if loc.line:
        props += [f"line={loc.line}", f"col={loc.column}"]
    props.append("title=reconcile validate")
    message = f"{visible(problem.path)}: {problem.message}" if problem.path else problem.message
    return f"::error {','.join(props)}::{_escape(visible(message, backslash=False))}"


def _load(sources: Sources) -> tuple[list[Spec], list[Problem]]:
    """Every target's specs when a config maps them, else the --dir folder."""
    try:
        config = resolve_targets(sources)
        by_target = load_target_specs(config)
    except SpecErrors as exc:
        return [], exc.problems
    return [spec for specs in by_target.values() for spec in specs], []


def command(opts: ValidateCommand) -> int:
    specs, problems = _load(opts.sources)
    destinations = sum(1 for s in specs if s.type == API_DESTINATION)
    if opts.format == "github" and problems:
        # The annotations are the errors; stderr gets only the count. A job log shows both
        # streams, so the errors printed there as well read twice.
        ordered = SpecErrors(problems).problems
        out("".join(github_annotation(p) + "\n" for p in ordered), workflow_commands=True)
        files = len({p.location.file for p in ordered})
        err(f"reconcile: {len(ordered)} error(s) in {files} file(s); nothing was written to AWS")
        return 1
    if opts.format == "json":
        ordered = SpecErrors(problems).problems if problems else []
        document: dict[str, object] = {"valid": not problems, "connections": len(specs) - destinations}
        if destinations:  # as the text line: a folder of connections reads as it always did
            document["api_destinations"] = destinations
        document["errors"] = [problem_record(p) for p in ordered]
        out(json.dumps(document, indent=2) + "\n")
        return 1 if problems else 0
    if problems:
        raise SpecErrors(problems)
    if opts.format != "github":
        out(f"{counted(specs)} valid.\n")
    return 0
