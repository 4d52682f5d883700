"""`reconcile show PLAN`: a saved plan in any format, without AWS access or credentials."""

from __future__ import annotations

from reconciler.options import ShowCommand
from reconciler.output import out
from reconciler.plan import saved as saved_plan
from reconciler.render import RENDERERS


def command(opts: ShowCommand) -> int:
    _, document = saved_plan.load(opts.plan_file)
    out(RENDERERS[opts.format](saved_plan.to_plan(opts.plan_file, document)))
    return 0
