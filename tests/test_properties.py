"""Property-based tests (issue #7): any valid spec round-trips; no input file breaks validate.

Round trip: hypothesis draws valid specs within the schema, the test writes them as
YAML with the secrets they reference, applies, and the next plan must say "No changes".
Hostile input: whatever bytes a spec file holds, `reconcile validate` ends with an
error naming the file (or accepts it), never a traceback, in bounded time and memory.
"""

from __future__ import annotations

import json
import os
import shutil
import string
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.secrets.redact import Redactor
from support.cli import HEADER, api_key_spec, run
from testing.emulator import TestEmulator

SECRET_NAME = "prop/secrets"

# --- valid specs ------------------------------------------------------------------------

_NAME = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)
# Description: one line, at most 512 characters; any printable text, non-ASCII included.
_DESCRIPTION = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=512)
# Username, ClientID, ApiKeyName and the resolved secrets: 1-512, no colon, no control character.
_AUTH_TEXT = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters=":"), min_size=1, max_size=40
).filter(lambda s: s.strip(" ") != "")
_HEADER_KEY = st.text(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=30)
_PRINTABLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
_HEADER_VALUE = st.builds(lambda a, b: f"{a} {b}" if b else a, _PRINTABLE, st.one_of(st.just(""), _PRINTABLE))
_QUERY_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40)
_SECRET_VALUE = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=":"), min_size=1, max_size=40
)


class Secrets:
    """The JSON keys of the one secret every reference of an example points at."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def ref(self, value: str) -> str:
        key = f"k{len(self.values)}"
        self.values[key] = value
        return f"{{{{resolve:secretsmanager:{SECRET_NAME}:SecretString:{key}}}}}"


@st.composite
def _parameters(draw: st.DrawFn, secrets: Secrets) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for list_name, keys, values in (
        ("HeaderParameters", _HEADER_KEY, _HEADER_VALUE),
        ("QueryStringParameters", _QUERY_TEXT, _QUERY_TEXT),
        ("BodyParameters", _QUERY_TEXT, _QUERY_TEXT),
    ):
        # Header names are case-insensitive: unique in lower case (validate/semantic.py).
        names = draw(st.lists(keys, max_size=3, unique_by=lambda k: k.lower()))
        if not names and draw(st.booleans()):
            continue
        items = []
        for key in names:
            secret = draw(st.booleans())
            item: dict[str, Any] = {"Key": key}
            item["Value"] = secrets.ref(draw(_SECRET_VALUE)) if secret else draw(values)
            if secret or draw(st.booleans()):
                item["IsValueSecret"] = secret
            items.append(item)
        block[list_name] = items
    return block


@st.composite
def valid_spec(draw: st.DrawFn, name: str, secrets: Secrets) -> dict[str, Any]:
    auth_type = draw(st.sampled_from(["API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS"]))
    spec: dict[str, Any] = {"Name": name}
    if draw(st.booleans()):
        spec["Description"] = draw(_DESCRIPTION)
    spec["AuthorizationType"] = auth_type
    auth: dict[str, Any] = {}
    if auth_type == "API_KEY":
        auth["ApiKeyAuthParameters"] = {"ApiKeyName": draw(_AUTH_TEXT), "ApiKeyValue": secrets.ref(draw(_SECRET_VALUE))}
    elif auth_type == "BASIC":
        auth["BasicAuthParameters"] = {"Username": draw(_AUTH_TEXT), "Password": secrets.ref(draw(_SECRET_VALUE))}
    else:
        oauth: dict[str, Any] = {
            "ClientParameters": {"ClientID": draw(_AUTH_TEXT), "ClientSecret": secrets.ref(draw(_SECRET_VALUE))},
            "AuthorizationEndpoint": "https://"
            + draw(
                st.from_regex(r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10}){0,2}(/[A-Za-z0-9_.~-]{1,10}){0,3}", fullmatch=True)
            ),
            "HttpMethod": draw(st.sampled_from(["GET", "POST", "PUT"])),
        }
        if draw(st.booleans()):
            oauth["OAuthHttpParameters"] = draw(_parameters(secrets))
        auth["OAuthParameters"] = oauth
    if draw(st.booleans()):
        auth["InvocationHttpParameters"] = draw(_parameters(secrets))
    spec["AuthParameters"] = auth
    return spec


@st.composite
def valid_world(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, str]]:
    secrets = Secrets()
    names = draw(st.lists(_NAME, min_size=1, max_size=3, unique=True))
    return [draw(valid_spec(name, secrets)) for name in names], secrets.values


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(world=valid_world())
def test_random_valid_specs_round_trip(
    world: tuple[list[dict[str, Any]], dict[str, str]],
    aws: TestEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    specs, values = world
    # The `aws` fixture set the environment once; each example starts from an empty account.
    aws.reset()
    folder = tmp_path / "example"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for index, spec in enumerate(specs):
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=float("inf"))
        (folder / f"s{index}.yaml").write_text(text, encoding="utf-8")
    secrets = boto3.session.Session().client("secretsmanager")
    secrets.create_secret(Name=SECRET_NAME, SecretString=json.dumps(values or {"unused": "x"}))

    applied = run(capsys, "apply", "--dir", str(folder), "--yes", "--wait-timeout", "10")
    assert applied.code == 0, applied.out + applied.err
    aws.reset_counters()
    planned = run(capsys, "plan", "--dir", str(folder))
    expected = HEADER + f"No changes: {len(specs)} connection(s) match the specs.\n"
    # A secret of 1-3 characters is masked wherever it stands as a whole word (README), even
    # in reconcile's own words: "2" or "s" in "No changes: 2 connection(s)".
    masked = Redactor()
    for value in values.values():
        masked.add(value)
    assert (planned.code, planned.out) == (0, masked.redact(expected)), planned.out + planned.err
    assert aws.write_calls() == 0


# --- hostile input ----------------------------------------------------------------------

VALID = api_key_spec().encode()
_MAX_SECONDS = 2.0
_MAX_BYTES = 50 << 20

_HOSTILE_TEXTS = [
    "[" * 100_000,
    "{a: " * 50_000,
    "- " * 10_000 + "x",
    "".join(f"{' ' * i}k{i}:\n" for i in range(200)),
    # Billion laughs: nine levels of nine aliases each.
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)),
    "Name: !!python/object/apply:os.system ['echo pwned']\n",
    "!!python/object/new:os.system [echo]\n",
    "Name: !!python/name:os.system\n",
    "Name: !!binary aGVsbG8=\nAuthorizationType: !!set {a, b}\n",
    "Name: &x a\n<<: *x\n",
    "? [a, b]\n: c\n",
    "Name: " + "x" * 900_000 + "\n",
    "Description: " + "a " * 300 + "\n",
    "Name: a\x00b\n",
    "\ufeffName: a\n\ufeffDescription: b\n",
    "Name: a\n\tDescription: b\n",
    "---\n...\n---\n- 1\n---\nName: [\n",
    "Name: .nan\nDescription: 1e400\nAuthorizationType: 2024-01-01\nAuthParameters: ~\n",
    "%YAML 9.9\n---\nName: a\n",
    "%TAG !e! tag:example.com,2000:\n---\nName: !e!x a\n",
    "Name: 0x_\nDescription: 0b_\n",
    "Name: " + "1" * 5000 + "\n",
]
_HOSTILE_BYTES = [
    b"\xff\xfe\x00N\x00a",
    b"Name: caf\xe9\n",
    b"\xef\xbb\xbf" + VALID,
    b"\x00" * 1000,
    bytes(range(256)),
    b"Name: \xed\xa0\x80\n",
]


def _wrong_types(data: Any, draw: st.DrawFn) -> Any:
    """The valid spec with one node, anywhere, replaced by a value of another type."""
    replacement = draw(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(max_size=20),
            st.lists(st.integers(), max_size=3),
            st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
        )
    )
    if isinstance(data, dict) and data and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(data)))
        return {**data, key: _wrong_types(data[key], draw)}
    if isinstance(data, list) and data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        return data[:index] + [_wrong_types(data[index], draw)] + data[index + 1 :]
    return replacement


@st.composite
def hostile_file(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["garbage", "text", "mutated", "wrong types", "scalars", "known"]))
    if kind == "scalars":
        # Plain scalars that YAML 1.1 may resolve as numbers, booleans, dates or nothing.
        scalar = st.from_regex(
            r"[-+]?(0x|0b|0o|0|\.)?[0-9a-fA-F_:.eE+-]{0,8}|[yYnN]|on|off|~|null|\.(nan|inf)|[0-9]{4}-[0-9]{2}-[0-9]{2}",
            fullmatch=True,
        )
        key = draw(st.sampled_from(["Name", "Description", "AuthorizationType", "AuthParameters"]))
        return VALID + f"{key}2: {draw(scalar)}\nX: [{draw(scalar)}, {{a: {draw(scalar)}}}]\n".encode()
    if kind == "garbage":
        return draw(st.binary(max_size=4096))
    if kind == "text":
        return draw(st.text(max_size=2000)).encode("utf-8", "surrogatepass")
    if kind == "mutated":
        raw = bytearray(VALID)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(raw)))
            action = draw(st.sampled_from(["insert", "delete", "replace"]))
            piece = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from(
                    [b"\t", b"\x00", b"\xef\xbb\xbf", b"&a ", b"*a", b"!!", b"{", b"[", b": ", b"\n  ", b"\xff"]
                )
            )
            if action == "insert":
                raw[at:at] = piece
            elif action == "delete":
                del raw[at : at + len(piece)]
            else:
                raw[at : at + len(piece)] = piece
        return bytes(raw)
    if kind == "wrong types":
        data = yaml.safe_load(VALID)
        data["AuthParameters"]["InvocationHttpParameters"] = {"HeaderParameters": [{"Key": "X-A", "Value": "1"}]}
        return yaml.safe_dump(_wrong_types(data, draw), allow_unicode=True).encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([t.encode("utf-8") for t in _HOSTILE_TEXTS] + _HOSTILE_BYTES))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=hostile_file())
@example(content=("[" * 100_000).encode())
@example(content=_HOSTILE_TEXTS[4].encode())
@example(content=("Name: " + "x" * 900_000).encode())
@example(content=b"Name: 0x_\n")
def test_hostile_yaml_is_a_clean_error(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "c"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "x.yaml").write_bytes(content)
    tracemalloc.start()
    # CPU time of this thread (validate runs in it), not wall time: four test workers share two
    # cores, and wall time measured the machine's load (2.1 s seen for work that takes less).
    started = time.thread_time()
    try:
        result = run(capsys, "validate", "--dir", "c")
        elapsed = time.thread_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert "\x1b" not in result.err  # nothing from the file can drive the terminal
    if result.code == 1:
        lines = result.err_lines
        assert lines[-1].startswith("reconcile: ") and lines[-1].endswith("nothing was written to AWS"), result.err
        assert all(line.startswith("c/x.yaml") for line in lines[:-1]), result.err
    assert elapsed < _MAX_SECONDS
    assert peak < _MAX_BYTES


def test_control_character_is_one_line_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.yaml").write_bytes("Name: ééé\n  ab\x01\n".encode())
    result = run(capsys, "validate", "--dir", "c")
    assert result.err_lines == [
        "c/x.yaml:2:5: invalid YAML: character #x0001: control characters are not allowed",
        "reconcile: 1 error(s) in 1 file(s); nothing was written to AWS",
    ]


def test_backtracking_pattern_does_not_stall_validate(tmp_path: Path) -> None:
    """200 blank-separated words ending in a control character: the model's pattern as
    written would backtrack for longer than the universe has existed; a regression hangs
    the child process and fails here at the timeout instead of stalling the suite."""
    (tmp_path / "c").mkdir()
    hostile = api_key_spec().replace("ApiKeyName: x-api-key", 'ApiKeyName: "' + "a " * 200 + '\\x01"')
    (tmp_path / "c" / "x.yaml").write_text(hostile)
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "--dir", "c"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "c/x.yaml:6:5: AuthParameters.ApiKeyAuthParameters.ApiKeyName: must not contain ':' or control characters"
    )


# --- files the walker meets -------------------------------------------------------------


def test_dangling_symlink_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.yaml").write_text(api_key_spec())
    (tmp_path / "c" / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = run(capsys, "validate", "--dir", "c")
    assert result.code == 1
    assert result.err_lines[0] == "c/gone.yaml: cannot read file: No such file or directory"


def test_folder_that_cannot_be_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can list any folder")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c" / "locked").mkdir(parents=True)
    (tmp_path / "c" / "a.yaml").write_text(api_key_spec())
    (tmp_path / "c" / "locked").chmod(0)
    try:
        result = run(capsys, "validate", "--dir", "c")
    finally:
        (tmp_path / "c" / "locked").chmod(0o755)
    assert result.code == 1
    assert result.err_lines[0] == "c/locked: cannot read folder: Permission denied"


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_special_and_huge_files_end_quickly(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    path = tmp_path / "c" / "x.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    elif kind == "device":
        path.symlink_to("/dev/zero")  # never ends
    else:
        with open(path, "wb") as handle:
            handle.truncate(4 << 30)  # sparse: 4 GiB that take no disk
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = run(capsys, "validate", "--dir", "c")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < _MAX_SECONDS
    assert peak < _MAX_BYTES
    assert result.code == 1
    expected = {
        "huge": "c/x.yaml: file is larger than 1024 KiB",
        "fifo": "c/x.yaml: not a regular file",
        # A link out of the specs folder's repository is refused before it is opened.
        "device": "c/x.yaml: symlink to /dev/zero, outside the repository (c); links in a specs folder must stay "
        "inside it",
    }[kind]
    assert result.err_lines[0] == expected
