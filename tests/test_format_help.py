"""Every --format option says what its choices give."""

from __future__ import annotations

import argparse

import pytest

from reconciler.cli import build_parser


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _format(command: str) -> argparse.Action:
    [action] = [a for a in _subcommands()[command]._actions if "--format" in a.option_strings]
    return action


def test_the_commands_with_a_format() -> None:
    with_format = [
        name for name, p in _subcommands().items() if any("--format" in a.option_strings for a in p._actions)
    ]
    assert with_format == ["validate", "plan", "apply", "show", "targets"]


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "show", "targets"])
def test_format_help_names_every_choice(command: str) -> None:
    action = _format(command)
    assert action.help and action.choices
    assert [c for c in action.choices if c not in action.help] == []


def test_format_help_texts() -> None:
    assert _format("validate").help == (
        "text (default); github: workflow commands that annotate the lines in a pull request; "
        "json: the errors on stdout"
    )
    assert (
        _format("plan").help
        == _format("show").help
        == ("text (default), json (for scripts) or markdown (for a pull request comment)")
    )
    assert _format("targets").help == "text (default), or json: the target names as one JSON list (for a job matrix)"
