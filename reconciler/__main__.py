from __future__ import annotations

from reconciler.cli import main_entry

main_entry()
