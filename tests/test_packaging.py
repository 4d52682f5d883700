"""The wheel ships reconcile and the sandbox, and none of the test infrastructure (testing/, tests/, bench/).

The wheel is built from a copy of the checkout: a build in place would write build/ and
*.egg-info into it, and setuptools packs whatever an earlier build left in build/lib,
removed modules included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOT_COPIED = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*cache", ".hypothesis")
DIST_INFO = re.compile(r"^[^/]+\.dist-info/")  # whatever [project] name says
# What `python -m reconciler.sandbox` needs, and what only tests and the benchmark use.
QUICK_START = {"__main__.py", "emulator.py", "middleware.py", "corrections.py", "seed.py", "server.py", "writes.py"}
TEST_ONLY_MODULES = {"faults.py", "control.py", "serve.py", "secret_reads.py", "calls.py", "layers.py"}
TEST_ONLY_NAMES = ("FaultPlan", "RemoteEmulator", "TestEmulator", "/_emulator/", "inject(", "set_throttle_rate")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source") / "reconcile"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
    out = tmp_path_factory.mktemp("wheel")
    # With build isolation, as `pip install .` builds it: the build needs a newer setuptools than a venv has.
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)]
    built = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_holds_reconciler_alone(wheel: zipfile.ZipFile) -> None:
    outside = [name for name in wheel.namelist() if not name.startswith("reconciler/") and not DIST_INFO.match(name)]
    assert outside == []
    top_level = next(name for name in wheel.namelist() if DIST_INFO.match(name) and name.endswith("top_level.txt"))
    assert wheel.read(top_level).decode().split() == ["reconciler"]


def test_the_sandbox_ships_what_the_quick_start_needs_and_no_test_tool(wheel: zipfile.ZipFile) -> None:
    sandbox = {
        name.removeprefix("reconciler/sandbox/") for name in wheel.namelist() if name.startswith("reconciler/sandbox/")
    }
    assert QUICK_START <= sandbox
    shipped_modules = {Path(name).name for name in wheel.namelist() if name.endswith(".py")}
    assert shipped_modules & TEST_ONLY_MODULES == set()


def test_no_shipped_module_imports_or_names_the_test_infrastructure(wheel: zipfile.ZipFile) -> None:
    found = []
    for name in wheel.namelist():
        if not name.endswith(".py"):
            continue
        text = wheel.read(name).decode()
        if re.search(r"^\s*(from|import) testing\b", text, re.MULTILINE):
            found.append(f"{name}: imports testing")
        found += [f"{name}: {word}" for word in TEST_ONLY_NAMES if word in text]
    assert found == []


def test_the_wheel_carries_the_license_and_the_metadata(wheel: zipfile.ZipFile) -> None:
    licenses = [name for name in wheel.namelist() if DIST_INFO.match(name) and "/licenses/" in name]
    assert [name.split("/", 1)[1] for name in licenses] == ["licenses/LICENSE"]
    text = wheel.read(licenses[0]).decode()
    assert text == (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
    metadata = next(name for name in wheel.namelist() if DIST_INFO.match(name) and name.endswith("/METADATA"))
    headers = wheel.read(metadata).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers and "License-File: LICENSE" in headers
    assert "Classifier: Programming Language :: Python :: 3.13" in headers
    assert {h.split(", ", 1)[0] for h in headers if h.startswith("Project-URL: ")} == {
        "Project-URL: Homepage",
        "Project-URL: Repository",
        "Project-URL: Issues",
        "Project-URL: Changelog",
        "Project-URL: Documentation",
    }


# --- the sdist ------------------------------------------------------------------------------

# What the suite reads besides its own folders (tests/test_github_workflows.py, test_release.py...).
SDIST_ROOT_FILES = {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "constraints.txt", "action.yml"}
SDIST_FOLDERS = ("tests", "testing", "bench", "connections", "schemas", "iam", "docs", ".github")


def _files(root: Path, folder: str) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in (root / folder).rglob("*")
        if p.is_file() and not any(part == "__pycache__" or part.startswith(".hypothesis") for part in p.parts)
    }


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, built as the release workflow builds it (python -m build), unpacked."""
    source = tmp_path_factory.mktemp("sdist-source") / "reconcile"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_COPIED), symlinks=True)
    out = tmp_path_factory.mktemp("sdist")
    argv = [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(source)]
    built = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("*.tar.gz")
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(path) as tar:
        tar.extractall(unpacked, filter="data")
    (root,) = unpacked.iterdir()
    return root


def test_the_sdist_holds_the_tests_and_what_they_read(sdist: Path) -> None:
    assert {p.name for p in sdist.iterdir() if p.is_file()} >= SDIST_ROOT_FILES
    for folder in SDIST_FOLDERS:
        assert _files(REPO, folder) - _files(sdist, folder) == set(), folder
    # The package's schemas are the repository's (a symlink in the checkout).
    for name in ("connection.schema.json", "config.schema.json"):
        assert (sdist / "reconciler" / "schemas" / name).read_bytes() == (REPO / "schemas" / name).read_bytes()


def test_the_sdist_runs_its_tests(sdist: Path) -> None:
    # A few quick files, from the unpacked sdist (pytest's pythonpath puts its reconciler first).
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q"]
    files = ["tests/test_release.py", "tests/test_schema_model.py", "tests/test_format_help.py"]
    proc = subprocess.run([*argv, *files], cwd=sdist, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"\b\d+ passed\b", proc.stdout) and "error" not in proc.stdout.splitlines()[-1]


# --- the declared floors ----------------------------------------------------------------------


def test_floors_pin_every_direct_dependency_at_its_lowest_declared_version() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "floors.py")], capture_output=True, text=True, timeout=60, check=True
    )
    pins = dict(line.split("==") for line in proc.stdout.splitlines())
    # deepdiff 8.0.0 imports numpy without declaring it: 8.0.1 is the first that works.
    assert pins["deepdiff"] == "8.0.1"
    # botocore models before 1.37.35 have no KmsKeyIdentifier on connections.
    assert pins["boto3"] == "1.37.35"
    assert {"boto3", "pyyaml", "jsonschema", "deepdiff", "ahocorasick-rs", "moto", "pytest"} <= set(pins)
    assert "eventbridge-reconcile" not in pins


def test_readme_links_work_on_the_package_index() -> None:
    # PyPI shows README.md without the repository around it: a relative link there is broken.
    repository = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Repository"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets
    assert [t for t in targets if not t.startswith(("https://", "http://"))] == []  # an anchor alone too
    # Files of this repository are linked at its main branch, and exist there.
    ours = [t.removeprefix(f"{repository}/blob/main/") for t in targets if t.startswith(f"{repository}/")]
    assert ours and [t for t in ours if not (REPO / t.split("#", 1)[0]).is_file()] == []
