"""The repository a run may read: specs paths and the links in specs folders stay inside it.

A pull request controls `reconcile.yaml` and the specs folders. Without a bound, `specs:
[/etc]`, `../../other-checkout` or a symlink to a file elsewhere on the CI runner would be
read, and a fragment of it shown in an error message or a plan (issue #20).
"""

from __future__ import annotations

import os

CONFIG_FILE = "reconcile.yaml"  # config.CONFIG_FILE; config imports load, not the other way


def git_work_tree(start: str) -> str | None:
    """The nearest folder at or above `start` holding a `.git` entry (a folder, or the file a
    worktree or submodule has): its git work tree, found without running git."""
    here = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _nearest_config_folder(start: str) -> str | None:
    here = os.path.abspath(start)
    while True:
        if os.path.isfile(os.path.join(here, CONFIG_FILE)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def repository_of_specs(folder: str) -> str:
    """What a specs folder's links may reach: the git work tree holding it; without git, the
    folder of the reconcile.yaml at or above it; without that, the folder itself."""
    return git_work_tree(folder) or _nearest_config_folder(folder) or os.path.abspath(folder)


def inside(path: str, root: str) -> bool:
    """Whether `path`, every symlink resolved, is `root` or under it (`root` resolved too)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, base]) == base
