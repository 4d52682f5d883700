"""Stage 8: write what the plan says, and only that."""
