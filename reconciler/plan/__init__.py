"""Stage 7: the plan, a value that renderers and the applier read."""
