"""`reconcile apply`: recompute the plan, confirm, write only what drifted, report each result."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

from reconciler.apply.executor import Running
from reconciler.apply.intents import apply_plan
from reconciler.apply.results import INTERNAL, INTERRUPTED, WriteResult
from reconciler.aws.errors import after_code
from reconciler.crash import EXIT_INTERNAL, advice
from reconciler.errors import ReconcileError
from reconciler.model import CONNECTION, Action, Place, labelled, marked
from reconciler.options import ApplyCommand, PlanOptions
from reconciler.output import append_file, err, out
from reconciler.pipeline import Planned, build_plan, read_pool
from reconciler.plan import saved as saved_plan
from reconciler.render import RENDERERS
from reconciler.render.json_format import FORMAT_VERSION
from reconciler.render.markdown import cell, code
from reconciler.untrusted import visible

VERB = {"create": "created", "update": "updated", "delete": "deleted", "wait": "settled"}


def _in_flight(running: Running) -> str:
    names = [
        f"{key[0]}/{labelled(str(key[2]), str(key[3]))}" for key in running.now() if isinstance(key, tuple)
    ]  # intent ids: (target, step, type, name)
    return ", ".join(names) or "none"


@contextmanager
def stop_on_signals(stop: threading.Event, running: Running | None = None) -> Iterator[None]:
    """First SIGINT/SIGTERM: start no new write, let those in flight finish. A second one exits at
    once, naming the writes in flight, whose outcome nobody then knows."""

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            err(
                f"\nreconcile: second {name}: exiting now. Writes in flight, outcome unknown: "
                f"{_in_flight(running or Running())}. Run `reconcile plan` to see where they stand"
            )
            os._exit(130)
        err(f"\nreconcile: {name} received: finishing writes in flight, starting no new ones (again to exit now)")
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def confirm(assume_yes: bool, stream: TextIO | None = None) -> None:
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise ReconcileError(
            "refusing to apply without confirmation: no terminal to ask on; pass --yes to apply non-interactively"
        )
    out("\nApply these changes? Only 'yes' is accepted: ", stream)
    if sys.stdin.readline().strip() != "yes":
        raise ReconcileError("apply cancelled; nothing was written")


def result_line(result: WriteResult, several: bool = False) -> str:
    """One result for people; with several targets, which target it belongs to leads the line."""
    # Names and targets are untrusted text; a detail is reconcile's sentence around AWS's words.
    where = f"[{visible(result.target)}] " if several else ""
    label, detail = visible(result.label), visible(result.detail, backslash=False)
    verb = VERB.get(result.verb, result.verb)
    if result.ok:
        return f"{where}✓ {label}: {verb}" + (f" ({detail})" if detail else "")
    if not result.started:
        return f"{where}- {label}: {result.verb} {detail}"
    if result.code == INTERRUPTED:
        return f"{where}! {label}: {result.verb} interrupted: {detail}"
    if result.detail.startswith("not attempted"):
        return f"{where}✗ {label}: {result.verb} {detail}"
    return f"{where}✗ {label}: {result.verb} failed: {detail}"


def counts(results: list[WriteResult]) -> dict[str, int]:
    done = Counter(r.action.value for r in results if r.ok)
    return {
        "created": done["create"],
        "updated": done["update"],
        "deleted": done["delete"],
        "failed": sum(1 for r in results if r.started and not r.ok),
        "not_started": sum(1 for r in results if not r.started),
    }


def summary(results: list[WriteResult]) -> str:
    n = counts(results)
    text = (
        f"Apply complete: {n['created']} created, {n['updated']} updated, {n['deleted']} deleted, {n['failed']} failed"
    )
    return text + (f", {n['not_started']} not started." if n["not_started"] else ".")


def json_results(results: list[WriteResult], places: dict[str, Place]) -> str:
    """`apply --format json`: every connection's result, the counts, and where each target is."""
    document = {
        "format_version": FORMAT_VERSION,
        "places": {name: {"account": p.account, "region": p.region} for name, p in places.items()},
        "results": [
            {
                "name": r.name,
                "type": r.type,
                "target": r.target,
                "action": r.verb,
                "ok": r.ok,
                "detail": r.detail,
                "code": r.code or None,
                "started": r.started,
            }
            for r in results
        ],
        "summary": counts(results),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def markdown_results(results: list[WriteResult]) -> str:
    first = "Connection" if all(r.type == CONNECTION for r in results) else "Name"
    lines = ["", "### reconcile apply", "", f"| {first} | Action | Result |", "|---|---|---|"]
    for r in results:
        mark = "✅" if r.ok else ("⏭️" if not r.started else "❌")
        detail = r.detail if r.ok or not r.code else f"`{r.code}` {after_code(r.code, r.detail)}"
        lines.append(f"| {code(r.name)}{marked(r.type)} | {r.verb} | {mark} {cell(detail)} |")
    return "\n".join(lines + ["", summary(results), ""])


def _flags(options: PlanOptions) -> list[str]:
    """The command-line options given that decide what a plan says."""
    given = {
        "--dir": options.sources.dir_given,
        "--config": options.sources.config is not None,
        "--target": bool(options.sources.targets),
        "--only": bool(options.only),
        "--region": options.region is not None,
        "--prune": options.prune and not options.prune_prefixes,
        "--no-prune": options.no_prune,
        "--prune-prefix": bool(options.prune_prefixes),
        "--force-secrets": options.force_secrets,
        "--no-verify-secrets": not options.verify_secrets,
    }
    return [flag for flag, on in given.items() if on]


def _from_saved(plan_file: str, current: PlanOptions, pool: ThreadPoolExecutor) -> Planned:
    """Replay the saved plan's options, recompute, and refuse if anything moved."""
    ignored = _flags(current)
    if ignored:
        # They would be ignored: the plan is applied with the options it was made (and reviewed) with.
        raise ReconcileError(
            f"{', '.join(ignored)} can't be given with a saved plan, which is applied with the options it was made "
            f"with; drop {'it' if len(ignored) == 1 else 'them'}, or make a new plan with them. Nothing was written"
        )
    saved, document = saved_plan.load(plan_file)
    planned = build_plan(
        PlanOptions.replayed(saved.options, current), pool, saved_plan.place_check(plan_file, document)
    )
    if planned.plan.failed:
        # A saved plan is applied whole or not at all.
        raise ReconcileError(
            f"{plan_file} can't be applied: some of its targets could not be planned now; nothing was written:\n  "
            + "\n  ".join(line.removeprefix("reconcile: ") for line in planned.report_failures())
        )
    reasons = saved_plan.staleness(saved, document, planned.plan, planned.specs())
    if reasons:
        raise ReconcileError(
            f"{plan_file} is stale; nothing was written. Run plan again and review it:\n  - " + "\n  - ".join(reasons)
        )
    return planned


def _refuse_in_use(planned: Planned, force: bool) -> None:
    blocked = [c for c in planned.plan.pending if c.action is Action.DELETE and c.used_by]
    if blocked and not force:
        names = "; ".join(f"{c.name} (in use by API destination(s) {', '.join(c.used_by)})" for c in blocked)
        raise ReconcileError(
            f"refusing to delete connections that API destinations use: {names}. Nothing was written; pass "
            "--force-delete-in-use to delete them anyway"
        )


def command(opts: ApplyCommand) -> int:
    as_json = opts.format == "json"
    # With --format json stdout holds the results document alone; people read the rest on stderr.
    people = sys.stderr if as_json else None
    with read_pool(opts.plan) as pool:
        planned = _from_saved(opts.plan_file, opts.plan, pool) if opts.plan_file else build_plan(opts.plan, pool)
    plan = planned.plan
    out(RENDERERS["text"](plan), people)
    # A target that could not be planned writes nothing; the others are applied. The run fails.
    failed_targets = 1 if plan.failed else 0
    for line in planned.report_failures():
        err(line)
    _refuse_in_use(planned, opts.force_delete_in_use)
    if not plan.has_changes:
        if opts.summary:
            append_file(opts.summary, RENDERERS["markdown"](plan))
        if as_json:
            out(json_results([], plan.places))
        return failed_targets
    confirm(opts.yes, people)
    stop = threading.Event()
    running = Running()
    several = len(plan.targets) > 1
    with stop_on_signals(stop, running):
        results = apply_plan(
            planned,
            opts.wait_timeout,
            stop,
            lambda r: out(result_line(r, several) + "\n", people),
            force_in_use=opts.force_delete_in_use,
            running=running,
        )
    for r in results:
        if not r.started:
            out(result_line(r, several) + "\n", people)
    out("\n" + summary(results) + "\n", people)
    if as_json:
        order = {(c.target, *c.key): i for i, c in enumerate(plan.pending)}
        out(json_results(sorted(results, key=lambda r: order.get((r.target, r.type, r.name), -1)), plan.places))
    if opts.summary:
        append_file(opts.summary, RENDERERS["markdown"](plan) + markdown_results(results))
    failures = [r for r in results if r.started and not r.ok]
    for r in failures:
        where = f"{r.target}/" if several else ""
        detail = visible(after_code(r.code, r.detail), backslash=False)
        err(f"reconcile: {visible(where + r.label)}: {r.verb} failed [{r.code}]: {detail}")
    if any(r.code == INTERNAL for r in results):
        err(f"reconcile: internal error during apply: {advice('the file named above')}")
        return EXIT_INTERNAL
    return 1 if any(not r.ok for r in results) else failed_targets
