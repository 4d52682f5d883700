"""`python -m reconciler.github <subcommand>`."""

from __future__ import annotations

from reconciler.github.cli import main_entry

if __name__ == "__main__":
    main_entry()
