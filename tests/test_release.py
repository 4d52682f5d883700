"""Releases and installing: the distribution's name and version, the changelog, the release
workflow, and the constraints file the composite action installs with."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import reconciler
from support.cli import run

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DIST = "eventbridge-reconcile"
VERSION = PYPROJECT["project"]["version"]
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
CONSTRAINTS = ROOT / "constraints.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")


def test_the_distribution_is_named_apart_from_the_command_and_the_package() -> None:
    # `reconcile` and `reconciler` are other projects on PyPI; the command and the import
    # package keep their names.
    assert PYPROJECT["project"]["name"] == DIST
    assert PYPROJECT["project"]["scripts"] == {"reconcile": "reconciler.cli:main_entry"}
    assert f"{DIST}[sandbox]" in PYPROJECT["project"]["optional-dependencies"]["test"]


def test_the_installed_distribution_is_this_one() -> None:
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{DIST} is not installed under its name: pip install -e '.[test]'")
    assert dist.version == VERSION
    assert [(e.name, e.value) for e in dist.entry_points if e.group == "console_scripts"] == [
        ("reconcile", "reconciler.cli:main_entry")
    ]


def test_version_prints_the_one_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert reconciler.__version__ == VERSION
    with pytest.raises(SystemExit) as exited:
        run(capsys, "--version")
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"reconcile {VERSION}\n"


def test_the_version_is_semantic() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_install_lines_name_the_distribution() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {DIST}=={VERSION}" in readme
    docs = [
        readme,
        (ROOT / "docs" / "github.md").read_text(encoding="utf-8"),
        (ROOT / "action.yml").read_text(encoding="utf-8"),
    ]
    # Nothing tells anyone to install the unrelated projects.
    assert [m.group(0) for text in docs for m in re.finditer(r"pip install ['\"]?reconciler?\b(?![-.\w/])", text)] == []


# The changelog


def _changelog_versions() -> list[tuple[str, str]]:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[([^\]]+)\](?: - (.+))?$", text, re.MULTILINE)


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    versions = _changelog_versions()
    assert versions[0] == ("Unreleased", "")
    released = versions[1:]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v, _ in released)
    assert [Version(v) for v, _ in released] == sorted((Version(v) for v, _ in released), reverse=True)
    # One section for what is not released: a version gets its own, dated, only when tagged.
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", when) for _, when in released)
    assert "not yet released" not in text
    # Keep a Changelog's kinds of change, each once, in its order.
    kinds = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"]
    headings = re.findall(r"^### (.+)$", text.split("\n## [", 2)[1], re.MULTILINE)
    assert headings == [kind for kind in kinds if kind in headings] and "Added" in headings
    assert any(v == VERSION for v, _ in released) or f"These entries\ngo into {VERSION} when it is tagged" in text


# The release workflow


def _release() -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))
    document["on"] = document.pop(True)  # PyYAML reads the `on:` key as the boolean True
    return document


def test_release_runs_on_version_tags_only() -> None:
    assert _release()["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}


def test_release_publishes_by_trusted_publishing() -> None:
    jobs = _release()["jobs"]
    publish = jobs["publish"]
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    [step] = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert re.fullmatch(r"pypa/gh-action-pypi-publish@[0-9a-f]{40}", step["uses"])
    assert re.search(
        r"uses: pypa/gh-action-pypi-publish@[0-9a-f]{40} # v\d+\.\d+\.\d+\n", RELEASE.read_text(encoding="utf-8")
    )
    # No token, no password: PyPI trusts the OIDC token of this workflow.
    assert "with" not in step
    text = RELEASE.read_text(encoding="utf-8")
    assert re.findall(r"secrets\.|password|api[-_]token|PYPI_TOKEN", text, re.IGNORECASE) == []
    assert "id-token" not in str(jobs["build"]["permissions"])


def test_release_builds_the_sdist_and_the_wheel() -> None:
    build = _release()["jobs"]["build"]
    runs = "\n".join(s.get("run", "") for s in build["steps"])
    assert "python -m build\n" in runs  # both, by default
    assert re.search(r"pip install build==\d", runs)
    assert "--constraint constraints.txt dist/*.whl" in runs
    [upload] = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "dist/"


def _check_tag(tmp_path: Path, tag: str, changelog_heading: str) -> subprocess.CompletedProcess[str]:
    """The workflow's own version check, run on a copy of the files it reads."""
    [step] = [s for s in _release()["jobs"]["build"]["steps"] if s.get("name") == "Check the tag against the version"]
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "reconciler").mkdir()
    shutil.copy(ROOT / "reconciler" / "__init__.py", tmp_path / "reconciler" / "__init__.py")
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n## [Unreleased]\n\n{changelog_heading}\n")
    (tmp_path / "bin").mkdir()
    python = tmp_path / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {"TAG": tag, "PATH": f"{python.parent}:/usr/bin:/bin"}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_release_refuses_a_tag_that_is_not_the_version(tmp_path: Path) -> None:
    proc = _check_tag(tmp_path, "v9.9.9", "## [9.9.9] - 2027-01-31")
    assert proc.returncode == 1
    assert f"tag v9.9.9, pyproject.toml {VERSION} and reconciler.__version__ {VERSION} must agree" in proc.stderr


def test_release_refuses_a_version_without_a_dated_changelog_section(tmp_path: Path) -> None:
    proc = _check_tag(tmp_path, f"v{VERSION}", f"## [{VERSION}] - not yet released")
    assert proc.returncode == 1
    assert f"CHANGELOG.md has no '## [{VERSION}] - YYYY-MM-DD' section" in proc.stderr


def test_release_accepts_a_tag_that_matches(tmp_path: Path) -> None:
    proc = _check_tag(tmp_path, f"v{VERSION}", f"## [{VERSION}] - 2027-01-31")
    assert proc.returncode == 0, proc.stdout + proc.stderr


# The constraints file


def _pins() -> dict[str, tuple[str, str]]:
    """Canonical name → (name as written, version)."""
    pins: dict[str, tuple[str, str]] = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"not pinned with ==: {line!r}"
        key = canonicalize_name(match["name"])
        assert key not in pins, f"pinned twice: {match['name']}"
        pins[key] = (match["name"], match["version"])
    return pins


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    """Any requirement without an extra counts, whatever its environment marker (a runner may
    run another Python or OS); one with an extra only when that extra is asked for."""
    marker: Marker | None = requirement.marker
    if marker is None or "extra" not in str(marker):
        return True
    return any(marker.evaluate({"extra": extra}) for extra in extras)


def _runtime_closure() -> dict[str, list[tuple[Requirement, str]]]:
    """Every distribution `pip install .` brings in, each with the requirements naming it and
    who requires it ("" for pyproject.toml), from the installed distributions' metadata."""
    found: dict[str, list[tuple[Requirement, str]]] = {}
    todo = [(Requirement(r), "") for r in PYPROJECT["project"]["dependencies"]]
    while todo:
        requirement, by = todo.pop()
        key = canonicalize_name(requirement.name)
        seen = key in found
        found.setdefault(key, []).append((requirement, by))
        if seen:
            continue
        try:
            dist = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. for another platform; it must still be pinned
        todo += [(Requirement(r), key) for r in dist.requires or [] if _wanted(Requirement(r), set(requirement.extras))]
    return found


def test_every_constraint_is_pinned_exactly() -> None:
    pins = _pins()
    assert pins
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!]*", version) for _, version in pins.values())


def _build_requirements() -> list[Requirement]:
    return [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]


def test_constraints_pin_the_runtime_closure_the_build_backend_and_nothing_else() -> None:
    build = {canonicalize_name(r.name) for r in _build_requirements()}
    assert build == {"setuptools"}  # no dependencies of its own to pin
    assert sorted(_pins()) == sorted(set(_runtime_closure()) | build)


def test_the_build_backend_pin_satisfies_build_system_requires() -> None:
    # The action's install builds reconcile in pip's isolated build environment with this pin
    # (PIP_BUILD_CONSTRAINT / PIP_CONSTRAINT): a pin outside the range would fail every install.
    pins = _pins()
    for requirement in _build_requirements():
        version = pins[canonicalize_name(requirement.name)][1]
        assert requirement.specifier.contains(version), f"{requirement.name}=={version} is outside {requirement}"


def test_constraints_satisfy_every_requirement_on_them() -> None:
    # pip refuses pins that conflict. A requirement is known for the pinned version of the
    # distribution that states it when that version is the one installed (as CI installs it).
    pins = _pins()
    installed = {key: importlib.metadata.version(name) for key, (name, _) in pins.items() if _installed(name)}
    for key, requirements in _runtime_closure().items():  # the build pin: the test above
        version = pins[key][1]
        known = [r for r, by in requirements if not by or installed.get(by) == pins[by][1]]
        assert [str(r) for r in known if not r.specifier.contains(version, prereleases=True)] == [], (
            f"{pins[key][0]}=={version}"
        )


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_direct_dependencies_are_pinned_within_pyproject_ranges() -> None:
    pins = _pins()
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        name, version = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version), f"{name}=={version} is outside {requirement}"
