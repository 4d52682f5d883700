"""Stage 3: Secrets Manager references in specs, their resolution, and leak prevention."""
