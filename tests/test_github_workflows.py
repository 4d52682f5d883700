"""The workflows, the composite action, dependabot and the hook: schema-valid, pinned, least
privilege, zizmor-clean; the reconcile workflows run reconcile only through the action."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
RECONCILE_WORKFLOWS = [p for p in WORKFLOWS if p.name.startswith("reconcile-")]
ACTION = ROOT / "action.yml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# GitHub's self-repository syntax: this repository's action.yml at the workflow's own commit.
SELF = "$/"
# Every file reconcile can read, in whatever folders reconcile.yaml names (issue #21).
APPLY_PATHS = ["**.yaml", "**.yml", "schemas/**", "!.github/**"]
APPLY_ENVIRONMENT = "reconcile-apply"


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:  # PyYAML reads the `on:` key as the boolean True
        document["on"] = document.pop(True)
    return document


def _workflow(name: str) -> dict[str, Any]:
    return _load(ROOT / ".github" / "workflows" / name)


def _steps(path: Path) -> list[dict[str, Any]]:
    document = _load(path)
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job["steps"]]


def _tool(name: str) -> str:
    """The console script installed next to this interpreter (a venv's bin), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def test_the_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "reconcile-apply.yml",
        "reconcile-drift.yml",
        "reconcile-plan.yml",
        "release.yml",
        "tests.yml",
    ]


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag(path: Path) -> None:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    uses = [line.split("uses:", 1)[1].strip() for line in lines if re.match(r"^(- )?uses:", line)]
    assert uses
    # A workflow may also call this repository's own action at its own commit; the action
    # itself calls nothing unpinned.
    allowed = {SELF} if path in WORKFLOWS else set()
    assert [u for u in uses if not PINNED.match(u) and u not in allowed] == []


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    # Untrusted values reach scripts through env: only (template injection).
    assert [s["run"] for s in _steps(path) if "run" in s and "${{" in s["run"]] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_keeps_no_credentials(path: Path) -> None:
    checkouts = [s for s in _steps(path) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts)


@pytest.mark.parametrize("path", RECONCILE_WORKFLOWS, ids=lambda p: p.name)
def test_reconcile_workflows_run_reconcile_only_through_the_action(path: Path) -> None:
    # So that a specs repository can copy them as they are, replacing `$/` with a pinned ref:
    # every job checks out, then calls the action; no Python, pip or reconcile of its own.
    for name, job in _load(path)["jobs"].items():
        steps = job["steps"]
        assert steps[0]["uses"].startswith("actions/checkout@"), name
        assert [s["uses"] for s in steps[1:] if "uses" in s] == [SELF], name
        assert [
            s["run"] for s in steps if re.search(r"\b(python|pip)\b|^reconcile ", s.get("run", ""), re.MULTILINE)
        ] == [], name
        with_ = next(s["with"] for s in steps if s.get("uses") == SELF)
        assert with_["command"] and set(with_) <= set(_load(ACTION)["inputs"]), name


def test_python_is_pinned() -> None:
    pythons = [
        s
        for path in [*WORKFLOWS, ACTION]
        for s in _steps(path)
        if s.get("uses", "").startswith("actions/setup-python@")
    ]
    assert [s["with"]["python-version"] for s in pythons] == [
        "3.11",  # release.yml
        "${{ matrix.python }}",  # tests.yml: 3.11, 3.12 and 3.13 (test_tests_workflow_covers_the_classifiers)
        "3.11",
        "3.11",
        "${{ inputs.python-version }}",  # action.yml
    ]
    assert _load(ACTION)["inputs"]["python-version"]["default"] == "3.11"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_aws_access_is_oidc_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "aws-access-key-id" not in text and "secrets.AWS" not in text
    for step in _steps(path):
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
            assert set(step["with"]) == {"role-to-assume", "aws-region", "role-session-name"}
            assert step["with"]["role-to-assume"].startswith(("${{ vars.", "${{ inputs."))
        if step.get("uses") == SELF and step["with"]["command"] != "targets":
            assert step["with"]["role-to-assume"].startswith("${{ vars.")


def test_permissions_are_least_privilege() -> None:
    expected = {
        "reconcile-plan.yml": {"plan": {"contents": "read", "id-token": "write", "pull-requests": "write"}},
        # Listing the targets needs no AWS access; each target's apply job does, and comments
        # its result on the merged pull request.
        "reconcile-apply.yml": {
            "targets": {"contents": "read"},
            "apply": {"contents": "read", "id-token": "write", "pull-requests": "write"},
        },
        "reconcile-drift.yml": {"drift": {"contents": "read", "id-token": "write", "issues": "write"}},
        # Only the job that uploads gets an OIDC token (for PyPI); the build runs without one.
        "release.yml": {"build": {"contents": "read"}, "publish": {"id-token": "write"}},
        # The project's own checks read the commit and nothing else: no token, no AWS.
        "tests.yml": {
            "suite": {"contents": "read"},
            "lowest": {"contents": "read"},
            "localstack": {"contents": "read"},
        },
    }
    for name, jobs in expected.items():
        workflow = _workflow(name)
        assert workflow["permissions"] == {}
        assert {job: spec["permissions"] for job, spec in workflow["jobs"].items()} == jobs, name


def test_triggers() -> None:
    # Every pull request: a required check skipped by a paths filter would stay pending.
    plan = _workflow("reconcile-plan.yml")["on"]
    assert plan == {"pull_request": None}
    apply = _workflow("reconcile-apply.yml")
    assert apply["on"]["push"] == {"branches": ["main"], "paths": APPLY_PATHS}
    assert apply["concurrency"] == {"group": "reconcile-apply", "cancel-in-progress": False}
    drift = _workflow("reconcile-drift.yml")["on"]
    assert set(drift) == {"schedule", "workflow_dispatch"} and drift["schedule"][0]["cron"]
    assert _workflow("release.yml")["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    assert _workflow("tests.yml")["on"] == {"push": {"branches": ["main"]}, "pull_request": None}


def _runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_tests_workflow_covers_the_classifiers() -> None:
    # ruff, format, mypy and the suite on every Python the package says it supports.
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["classifiers"]
    supported = [
        c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    suite = _workflow("tests.yml")["jobs"]["suite"]
    assert suite["strategy"]["matrix"]["python"] == supported == ["3.11", "3.12", "3.13"]
    assert _runs(suite) == [
        "python -m pip install -e '.[test]' --constraint constraints.txt",
        "python -m ruff check .",
        "python -m ruff format --check .",
        "python -m mypy",
        "python -m pytest",
    ]


def test_tests_workflow_runs_the_suite_on_the_declared_floors() -> None:
    lowest = _workflow("tests.yml")["jobs"]["lowest"]
    install, test = _runs(lowest)
    assert install.splitlines()[0] == 'python .ci/floors.py > "$RUNNER_TEMP/floors.txt"'
    assert install.splitlines()[-1] == "python -m pip install -e '.[test]' --constraint \"$RUNNER_TEMP/floors.txt\""
    assert test == "python -m pytest"


def test_tests_workflow_runs_the_cli_scenarios_against_localstack() -> None:
    job = _workflow("tests.yml")["jobs"]["localstack"]
    service = job["services"]["localstack"]
    assert re.fullmatch(r"localstack/localstack:\d+\.\d+\.\d+", service["image"])  # a release, not latest
    assert service["ports"] == ["4566:4566"]
    [test] = [s for s in job["steps"] if s.get("name") == "Test"]
    assert test["env"] == {"RECONCILE_TEST_ENDPOINT": "http://localhost:4566"}
    assert test["run"] == "python -m pytest -n 0 -rs tests/test_localstack.py"
    assert (ROOT / "tests" / "test_localstack.py").is_file()


def test_action_inputs_and_outputs() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "command",
        "targets",
        "config",
        "dir",
        "args",
        "role-to-assume",
        "aws-region",
        "github-token",
        "github-author",
        "allow-old-commit",
        "python-version",
    }
    assert action["inputs"]["dir"]["default"] == "connections"
    assert [action["inputs"][k]["default"] for k in ("targets", "config", "args")] == ["", "", ""]
    assert action["inputs"]["github-author"]["default"] == "github-actions[bot]"
    assert action["inputs"]["allow-old-commit"]["default"] == "false"
    assert set(action["outputs"]) == {"exit-code", "has-changes", "drift", "issue", "targets", "changed"}


def test_action_installs_itself_with_the_pinned_dependencies() -> None:
    # The action's own ref (never an index's newest reconcile), under constraints.txt.
    [install] = [s for s in _steps(ACTION) if s.get("name") == "Install reconcile"]
    # The same pins reach pip's isolated build environment (setuptools, wheel), which
    # --constraint does not: PIP_BUILD_CONSTRAINT from pip 25.3, PIP_CONSTRAINT before it.
    assert install["env"] == {
        "RECONCILE_ACTION_PATH": "${{ github.action_path }}",
        "PIP_CONSTRAINT": "${{ github.action_path }}/constraints.txt",
        "PIP_BUILD_CONSTRAINT": "${{ github.action_path }}/constraints.txt",
    }
    assert (
        install["run"]
        == 'python -m pip install --constraint "$RECONCILE_ACTION_PATH/constraints.txt" "$RECONCILE_ACTION_PATH"'
    )
    assert (ROOT / "constraints.txt").is_file()


def test_action_passes_its_inputs_through_the_environment_only() -> None:
    # targets, config and args reach the scripts as variables and become argument lists;
    # no script names an input, and none re-parses a value with eval or an unquoted expansion.
    steps = _steps(ACTION)
    [read] = [s for s in steps if s.get("id") == "arguments"]
    assert {k: v for k, v in read["env"].items() if k != "RECONCILE_COMMAND"} == {
        "RECONCILE_TARGETS": "${{ inputs.targets }}",
        "RECONCILE_CONFIG": "${{ inputs.config }}",
        "RECONCILE_ARGS": "${{ inputs.args }}",
    }
    assert 'shlex.split(os.environ["RECONCILE_ARGS"])' in read["run"]
    runs = [s["run"] for s in steps if "run" in s]
    assert [r for r in runs if re.search(r"\beval\b|\$RECONCILE_(ARGS|TARGETS|CONFIG)\b", r)] == []
    # changed, validate, targets, apply, its comment, plan
    assert sum('"${args[@]}"' in r for r in runs) == 6


def test_only_the_steps_that_talk_to_github_get_its_token() -> None:
    # Not the plan step, which runs reconcile with AWS credentials. The apply step reads the
    # branch head with it before reconcile starts, and starts reconcile without it (run.py).
    steps = _steps(ACTION)
    with_token = {s["name"]: s for s in steps if "GITHUB_TOKEN" in (s.get("env") or {})}
    assert set(with_token) == {
        "Check what the pull request changes",
        "Apply",
        "Comment the plan on the pull request",
        "Comment the result on the merged pull request",
        "Open, update or close the drift issue",
    }
    assert {s["env"]["GITHUB_TOKEN"] for s in with_token.values()} == {"${{ inputs.github-token }}"}
    # Each says who the token posts as: only that login's comments and issues are reconcile's.
    assert {s["env"]["RECONCILE_GITHUB_AUTHOR"] for s in with_token.values()} == {"${{ inputs.github-author }}"}
    # The apply comment: on pushes only (a merge), never failing the job that applied.
    comment = with_token["Comment the result on the merged pull request"]
    assert "github.event_name == 'push'" in comment["if"] and comment["continue-on-error"] is True
    assert comment["env"]["COMMIT_SHA"] == "${{ github.sha }}"
    [plan] = [s for s in steps if s.get("id") == "plan"]
    assert plan["env"]["COMMIT_SHA"] == "${{ github.event.pull_request.head.sha || github.sha }}"


def test_action_validates_before_it_applies() -> None:
    steps = _steps(ACTION)
    names = [s.get("id") for s in steps]
    assert names.index("validate") < names.index("credentials") < names.index("apply")
    [validate] = [s for s in steps if s.get("id") == "validate"]
    assert "'apply'" in validate["if"] and "'plan'" in validate["if"]
    [apply] = [s for s in steps if s.get("id") == "apply"]
    assert apply["if"] == "inputs.command == 'apply'"  # and implicitly success(): validation passed


def test_pre_commit_hook() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "reconcile-validate"
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("reconcile validate", "python", False)
    # Runs on any YAML change (specs in any folder reconcile.yaml maps, and reconcile.yaml
    # itself), not only under connections/: no `files` filter, which defaults to every file.
    assert hook["types"] == ["yaml"]
    assert "files" not in hook and "exclude" not in hook and "types_or" not in hook


def test_apply_runs_in_its_environment_one_job_per_batch() -> None:
    workflow = _workflow("reconcile-apply.yml")
    apply = workflow["jobs"]["apply"]
    # Required reviewers and a branch rule apply to this job; its OIDC subject names the
    # environment, which the apply role's trust policy pins.
    assert apply["environment"] == APPLY_ENVIRONMENT
    assert "environment" not in workflow["jobs"]["targets"]
    [listing] = [s for s in workflow["jobs"]["targets"]["steps"] if s.get("uses") == SELF]
    assert listing["with"] == {"command": "targets", "args": "--batches 250"}  # + the targets job: < 256
    assert apply["strategy"] == {
        "fail-fast": False,
        "matrix": {"targets": "${{ fromJSON(needs.targets.outputs.targets) }}"},
    }
    [step] = [s for s in apply["steps"] if s.get("uses") == SELF]
    assert step["with"]["targets"] == "${{ matrix.targets }}"
    # Plan and drift stay one job each, in no environment (they only read).
    for name in ("reconcile-plan.yml", "reconcile-drift.yml"):
        assert all("environment" not in job and "strategy" not in job for job in _workflow(name)["jobs"].values())


@pytest.mark.parametrize(
    "name, subject",
    [
        ("plan", ["repo:OWNER/REPO:pull_request", "repo:OWNER/REPO:ref:refs/heads/main"]),
        ("apply", f"repo:OWNER/REPO:environment:{APPLY_ENVIRONMENT}"),
    ],
)
def test_oidc_trust_policies(name: str, subject: Any) -> None:
    [statement] = json.loads((ROOT / "iam" / f"github-oidc-trust-{name}.json").read_text(encoding="utf-8"))["Statement"]
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["token.actions.githubusercontent.com:sub"] == subject


def test_dependabot_matches_its_schema_and_waits_a_week() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.dependabot", str(DEPENDABOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    updates = _load(DEPENDABOT)["updates"]
    assert [(u["package-ecosystem"], u["cooldown"]["default-days"]) for u in updates] == [
        ("github-actions", 7),
        ("pip", 7),
    ]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_matches_the_github_schema() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _zizmor(*inputs: Path) -> tuple[int, list[dict[str, Any]], str]:
    # --strict-collection: a file zizmor cannot parse is an error, not a skipped input.
    # --no-config/--no-ignores: nothing in the repository can switch an audit off.
    # --min-severity informational: every finding counts, down to the low "help" ones.
    argv = [
        _tool("zizmor"),
        "--offline",
        "--strict-collection",
        "--no-config",
        "--no-ignores",
        "--min-severity",
        "informational",
        "--format",
        "json",
        "--no-progress",
        *map(str, inputs),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.returncode, json.loads(proc.stdout or "[]"), proc.stderr


def test_zizmor_finds_nothing() -> None:
    # All of .github/ (the workflows and dependabot.yml) and the action.
    code, findings, stderr = _zizmor(ROOT / ".github", ACTION)
    assert [(f["ident"], f["determinations"]["severity"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []
    assert code == 0, stderr


def test_zizmor_does_audit(tmp_path: Path) -> None:
    # A control: the same invocation on a known-bad .github/ reports its workflow and its
    # dependabot.yml.
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  x:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
        "      - uses: ./\n"
    )
    (tmp_path / ".github" / "dependabot.yml").write_text(
        "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n"
    )
    code, findings, _ = _zizmor(tmp_path / ".github")
    assert code != 0
    assert {"template-injection", "unpinned-uses", "artipacked", "self-repository", "dependabot-cooldown"} <= {
        f["ident"] for f in findings
    }
