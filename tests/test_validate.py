"""`reconcile validate`: every bad input gives one exact line with file:line:col, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.spec_schema import schema_text
from reconciler.validate.schema_problems import PATTERN_WORDS
from support.cli import api_key_spec, run, write


def test_valid_examples_in_repo(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "validate", "--dir", str(Path(__file__).parent.parent / "connections"))
    assert result.code == 0, result.err
    assert result.out == "4 connection spec(s) and 2 API destination spec(s) valid.\n"


BAD = {
    "malformed YAML": (
        "Name: a\nAuthParameters: [\n",
        "{f}:3:1: invalid YAML: did not find expected node content",
    ),
    "unknown key": (
        api_key_spec().replace("Description:", "Descripton:"),
        "{f}:2:1: Descripton: unknown key 'Descripton'; did you mean 'Description'?",
    ),
    "wrong enum": (
        api_key_spec().replace("API_KEY", "APIKEY"),
        "{f}:3:1: AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'APIKEY')",
    ),
    "plaintext secret": (
        api_key_spec().replace('"{{resolve:secretsmanager:prod/stripe}}"', "sk_live_PLAINTEXT_SENTINEL"),
        "{f}:7:5: AuthParameters.ApiKeyAuthParameters.ApiKeyValue: literal secret values are not allowed in specs; "
        "use a Secrets Manager reference {{resolve:secretsmanager:SECRET_ID[:SecretString:JSON_KEY]}}",
    ),
    "auth block not matching type": (
        api_key_spec().replace("API_KEY", "BASIC"),
        "{f}:4:1: AuthParameters: AuthorizationType BASIC needs BasicAuthParameters",
    ),
    "secret header without IsValueSecret": (
        api_key_spec()
        + (
            "  InvocationHttpParameters:\n    HeaderParameters:\n      - Key: X-Token\n"
            '        Value: "{{resolve:secretsmanager:t}}"\n'
        ),
        "{f}:11:9: AuthParameters.InvocationHttpParameters.HeaderParameters[0].Value: "
        "a Secrets Manager reference needs IsValueSecret: true",
    ),
    "number where a string is needed": (
        api_key_spec()
        + "  InvocationHttpParameters:\n    HeaderParameters:\n      - Key: X-Version\n        Value: 2024\n",
        "{f}:11:9: AuthParameters.InvocationHttpParameters.HeaderParameters[0].Value: "
        "must be a string, not a number (quote it)",
    ),
    "name with a space": (
        api_key_spec(name="my conn"),
        "{f}:1:1: Name: must use letters, digits, '.', '-' and '_' only",
    ),
    "duplicate key in a mapping": (
        api_key_spec() + "Description: again\n",
        "{f}:8:1: Description: duplicate key (first at line 2)",
    ),
    "object-building tag": (
        "Name: !!python/object/apply:os.system [echo]\n",
        "{f}:1:7: Name: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    "bad reference": (
        api_key_spec(secret="prod/x:SecretBinary"),
        "{f}:7:5: AuthParameters.ApiKeyAuthParameters.ApiKeyValue: "
        "only SecretString references are supported, not 'SecretBinary'",
    ),
    "not a mapping": (
        "- just\n- a list\n",
        "{f}:1:1: a connection spec must be a mapping of keys to values",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_exact_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text, expected = BAD[case]
    write(tmp_path, "specs/conn.yaml", text)
    result = run(capsys, "validate", "--dir", "specs")
    assert result.code == 1
    first = expected.replace("{f}", "specs/conn.yaml")
    assert first in result.err_lines, result.err
    assert result.err_lines[-1].startswith("reconcile: ") and "nothing was written" in result.err_lines[-1]
    assert "Traceback" not in result.err
    assert "PLAINTEXT_SENTINEL" not in result.err + result.out


def test_every_error_of_the_run_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/a.yaml", api_key_spec().replace("API_KEY", "APIKEY"))
    write(tmp_path, "c/sub/b.yml", api_key_spec(name="b").replace("Description:", "Descr:"))
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines == [
        "c/a.yaml:3:1: AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'APIKEY')",
        "c/sub/b.yml:2:1: Descr: unknown key 'Descr'; did you mean 'Description'?",
        "reconcile: 2 error(s) in 2 file(s); nothing was written to AWS",
    ]


def test_duplicate_names_across_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/a.yaml", api_key_spec())
    write(tmp_path, "c/b.yaml", "# another\n" + api_key_spec())
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    assert result.err_lines[0] == "c/b.yaml:2:1: Name: connection 'stripe' is also declared at c/a.yaml:1:1"


def test_several_documents_in_one_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/a.yaml", api_key_spec("one") + "---\n" + api_key_spec("two").replace("x-api-key", "") + "---\n")
    result = run(capsys, "validate", "--dir", "c")
    assert (
        result.err_lines[0]
        == "c/a.yaml:14:5: AuthParameters.ApiKeyAuthParameters.ApiKeyName: must be a string, not empty"
    )


def test_mismatched_auth_block_points_at_the_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    extra = '  BasicAuthParameters:\n    Username: u\n    Password: "{{resolve:secretsmanager:p}}"\n'
    write(tmp_path, "c/a.yaml", api_key_spec() + extra)
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines[0] == (
        "c/a.yaml:8:3: AuthParameters.BasicAuthParameters: does not match AuthorizationType API_KEY; "
        "remove it or change AuthorizationType"
    )


def test_github_annotations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/a.yaml", api_key_spec().replace("API_KEY", "APIKEY"))
    write(tmp_path, "c/b.yaml", api_key_spec(name="b c"))
    result = run(capsys, "validate", "--dir", "c", "--format", "github")
    assert result.code == 1
    # Each error once: as an annotation on stdout; stderr (in the same job log) only counts them.
    assert result.out == (
        "::error file=c/a.yaml,line=3,col=1,title=reconcile validate::"
        "AuthorizationType: must be one of BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY (got 'APIKEY')\n"
        "::error file=c/b.yaml,line=1,col=1,title=reconcile validate::"
        "Name: must use letters, digits, '.', '-' and '_' only\n"
    )
    assert result.err == "reconcile: 2 error(s) in 2 file(s); nothing was written to AWS\n"


def test_missing_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "validate", "--dir", "nope")
    assert (result.code, result.err) == (1, "reconcile: error: nope: specs folder does not exist\n")


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.yaml").write_bytes(b"Name: ok\nDescription: caf\xe9\n")
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines[0] == "c/a.yaml:2:17: not valid UTF-8 text"


def test_symlink_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "c/a.yaml", api_key_spec())
    (tmp_path / "c" / "loop").symlink_to(tmp_path / "c")
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    assert "c/loop: symlink loop: folder already visited" in result.err_lines


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "c/a.yaml", api_key_spec())
    path.chmod(0)
    try:
        with open(path, "rb"):
            pytest.skip("running as a user that can read mode-000 files (root)")
    except PermissionError:
        pass
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines[0] == "c/a.yaml: cannot read file: Permission denied"


def test_each_pattern_said_in_words_is_one_of_the_schema_s() -> None:
    """A pattern that changed in the schema would fall back to the raw regex unnoticed."""
    patterns = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for inner in node.values():
                walk(inner)
        elif isinstance(node, list):
            for inner in node:
                walk(inner)

    walk(json.loads(schema_text()))
    assert set(PATTERN_WORDS) <= patterns
