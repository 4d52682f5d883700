"""`reconcile plan` (also `reconcile --plan`): exit 0 in sync, 2 changes pending, 1 error."""

from __future__ import annotations

from reconciler.options import PlanCommand
from reconciler.output import append_file, err, out
from reconciler.pipeline import build_plan, read_pool
from reconciler.plan import saved as saved_plan
from reconciler.render import RENDERERS

EXIT_IN_SYNC = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


def command(opts: PlanCommand) -> int:
    with read_pool(opts.plan) as pool:
        planned = build_plan(opts.plan, pool)
    out(RENDERERS[opts.format](planned.plan))
    if opts.summary:
        append_file(opts.summary, RENDERERS["markdown"](planned.plan))
    if planned.plan.failed:
        # The other targets are planned and shown; the run still fails, and saves nothing partial.
        for line in planned.report_failures():
            err(line)
        if opts.out:
            err(f"reconcile: {opts.out} not written: a saved plan holds every target or none")
        return EXIT_ERROR
    if opts.out:
        saved_plan.save(opts.out, planned.plan, planned.specs(), opts.plan, planned.config)
    return EXIT_CHANGES if planned.plan.has_changes else EXIT_IN_SYNC
