"""`reconcile validate`: schema and semantic checks, no AWS call, no credentials."""

from __future__ import annotations

import argparse
import json

from reconciler.errors import Problem, SpecErrors
from reconciler.load.specs import load_specs
from reconciler.output import out
from reconciler.validate import validate_specs


def _escape(text: str, property_value: bool = False) -> str:
    # GitHub workflow command escaping (actions/toolkit, command.ts).
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def github_annotation(problem: Problem) -> str:
    loc = problem.location
    props = [f"file={_escape(loc.file, True)}"]
    if loc.line:
        props += [f"line={loc.line}", f"col={loc.column}"]
    props.append("title=reconcile validate")
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return f"::error {','.join(props)}::{_escape(message)}"


def run(args: argparse.Namespace) -> int:
    specs, problems = load_specs(args.dir)
    problems += validate_specs(specs)
    if args.format == "github" and problems:
        ordered = SpecErrors(problems).problems
        out("".join(github_annotation(p) + "\n" for p in ordered))
    if args.format == "json":
        ordered = SpecErrors(problems).problems if problems else []
        out(json.dumps({"valid": not problems, "connections": len(specs), "errors": [
            {"file": p.location.file, "line": p.location.line, "column": p.location.column, "path": p.path, "message": p.message} for p in ordered
        ]}, indent=2) + "\n")
        return 1 if problems else 0
    if problems:
        raise SpecErrors(problems)
    if args.format != "github":
        out(f"{len(specs)} connection spec(s) valid.\n")
    return 0
