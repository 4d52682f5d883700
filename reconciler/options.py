"""Typed options: what the command line asks of each command. Below cli.py nothing reads argparse.

`PlanOptions` is also what a saved plan replays (`plan/saved.py`), stored by these field
names under the saved plan's format version, so renaming a flag can't change an old file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_DIR = "connections"
DEFAULT_CONCURRENCY = 16
# Targets read and planned at once. Each runs its own reads (up to --concurrency); threads and
# memory then stay flat however many targets a repository has (300 targets: under 150 threads).
DEFAULT_TARGET_CONCURRENCY = 8


@dataclass(frozen=True)
class Sources:
    """Where specs come from, and which targets of reconcile.yaml to use."""

    dir: str = DEFAULT_DIR
    config: str | None = None
    targets: tuple[str, ...] = ()
    # --dir on the command line (not its default, nor RECONCILE_DIR): an error beside a config file.
    dir_given: bool = False


@dataclass(frozen=True)
class PlanOptions:
    """What a plan is asked to do; apply recomputes the plan with the same options."""

    sources: Sources = field(default_factory=Sources)
    region: str | None = None
    prune: bool = False  # --prune (or --prune-prefix, which implies it)
    no_prune: bool = False  # --no-prune: no pruning, whatever reconcile.yaml says
    prune_prefixes: tuple[str, ...] = ()
    force_secrets: bool = False
    verify_secrets: bool = True
    only: tuple[str, ...] = ()  # --only: name patterns (fnmatch), connections and API destinations; empty: all
    # How, not what: none of these is replayed from a saved plan. A plan made with read-only
    # credentials is applied with the deploy role's (--profile); the saved plan's account and
    # region check guards the place.
    profile: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    target_concurrency: int = DEFAULT_TARGET_CONCURRENCY
    max_rps: float | None = None  # overrides every target's rate cap (--max-rps)

    def replayable(self) -> dict[str, Any]:
        """What a saved plan records: everything that decides what the plan says."""
        data = asdict(self)
        del data["concurrency"], data["target_concurrency"], data["max_rps"], data["profile"]
        return data

    @classmethod
    def replayed(cls, saved: dict[str, Any], now: PlanOptions) -> PlanOptions:
        """The options a saved plan recorded (`replayable`), run with this run's profile, concurrency and
        rate (a profile recorded by an older reconcile is not replayed)."""
        sources = saved.get("sources") or {}
        return cls(
            sources=Sources(
                sources.get("dir") or DEFAULT_DIR,
                sources.get("config"),
                tuple(sources.get("targets") or ()),
                bool(sources.get("dir_given")),
            ),
            region=saved.get("region"),
            profile=now.profile,
            prune=bool(saved.get("prune")),
            no_prune=bool(saved.get("no_prune")),
            prune_prefixes=tuple(saved.get("prune_prefixes") or ()),
            force_secrets=bool(saved.get("force_secrets")),
            verify_secrets=bool(saved.get("verify_secrets", True)),
            # Saved before --only existed (format 2 all the same): no filter.
            only=tuple(saved.get("only") or ()),
            concurrency=now.concurrency,
            target_concurrency=now.target_concurrency,
            max_rps=now.max_rps,
        )


@dataclass(frozen=True)
class PlanCommand:
    plan: PlanOptions
    format: str = "text"
    summary: str | None = None
    out: str | None = None


@dataclass(frozen=True)
class ApplyCommand:
    plan: PlanOptions
    plan_file: str | None = None
    yes: bool = False
    wait_timeout: float = 300.0
    summary: str | None = None
    force_delete_in_use: bool = False
    format: str = "text"  # text | json (the results; the plan goes to stderr with json)


@dataclass(frozen=True)
class ShowCommand:
    plan_file: str
    format: str = "text"


@dataclass(frozen=True)
class ValidateCommand:
    sources: Sources
    format: str = "text"


@dataclass(frozen=True)
class TargetsCommand:
    sources: Sources
    format: str = "text"
    batches: int | None = None  # --batches N: at most N balanced batches of names
    profile: str | None = None  # for organizational_units: Organizations is read with it


@dataclass(frozen=True)
class ImportCommand:
    dir: str
    prefix: str | None = None
    secret_name: str = ""
    copy_secret_values: bool = False
    overwrite: bool = False
    region: str | None = None
    profile: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
