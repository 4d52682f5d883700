"""Safe YAML loading that keeps source positions and rejects what PyYAML lets through.

PyYAML's safe loader silently keeps the last of two duplicate keys, expands alias
bombs without limit and resolves `!!set`/`!!binary`. We compose the node graph with
the safe loader (so no tag can build an object) and build plain data ourselves,
recording where every key and item stands so errors can say `file:line:col`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler.errors import Location, Problem

MAX_DEPTH = 64
# Nodes built per file, alias expansions included, so a "billion laughs" file stops early. Per
# file, not per document: a file of many small bombs (`---` between them) would otherwise
# multiply the budget (a 61 KB file of 200 documents of 46,000 nodes each took 140 s). A 1 MiB
# file of ordinary specs (connections/crm.yaml repeated) builds about 30,000 nodes.
MAX_NODES = 50_000
MAX_BYTES = 1 << 20

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"


@dataclass
class Document:
    data: Any
    index: int
    positions: dict[tuple[Any, ...], Location] = field(default_factory=dict)


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        super().__init__(message)


def _loc(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _mark_location(file: str, mark: Any) -> Location:
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


@dataclass
class _Budget:
    """Nodes built so far in one file, all its documents together."""

    nodes: int = 0


class _Builder:
    def __init__(self, file: str, problems: list[Problem], lines: list[str], budget: _Budget) -> None:
        self.file = file
        self.problems = problems
        self.lines = lines
        self.budget = budget
        self.positions: dict[tuple[Any, ...], Location] = {}

    def problem(self, node: yaml.Node, path: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(_loc(self.file, node), dotted(path), message))

    def build(self, node: yaml.Node, path: tuple[Any, ...], depth: int = 0) -> Any:
        self.budget.nodes += 1
        if self.budget.nodes > MAX_NODES:
            raise _TooBig(node, f"file has more than {MAX_NODES} YAML nodes (alias expansion included)")
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"nesting deeper than {MAX_DEPTH} levels")
        if path not in self.positions:  # a mapping's value is placed at its key, recorded already
            self.positions[path] = _loc(self.file, node)
        if isinstance(node, yaml.MappingNode) and node.flow_style and self._unquoted_reference(node):
            self.problem(node, path, UNQUOTED_REFERENCE)
            return None
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (_TAG + "map", _TAG + "seq"):
            self.problem(node, path, f"unsupported YAML tag {node.tag!r}")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _unquoted_reference(self, node: yaml.Node) -> bool:
        """`{{resolve:...}}` written without quotes: YAML's flow mapping inside a flow mapping."""
        mark = node.start_mark
        line = self.lines[mark.line] if mark.line < len(self.lines) else ""
        return line[mark.column :].startswith("{{resolve:")

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...], depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.problem(key_node, path, "merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                self.problem(key_node, path, "keys must be plain strings")
                continue
            key = key_node.value
            if key in result:
                first = self.positions.get(path + (key,))
                at = f" (first at line {first.line})" if first else ""
                self.problem(key_node, path + (key,), f"duplicate key{at}")
                continue
            self.positions[path + (key,)] = _loc(self.file, key_node)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        return result

    def _scalar(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        tag = node.tag
        if tag == _TAG + "str":
            return node.value
        if tag == _TAG + "null":
            return None
        if tag in (_TAG + "bool", _TAG + "int", _TAG + "float"):
            try:
                # The tag's own constructor, not construct_object(): that one caches every node
                # in the shared constructor for good, and leaves a node behind when it raises.
                return _constructor.yaml_constructors[tag](_constructor, node)
            except ValueError:
                # YAML 1.1 resolves "0x_" and "0b_" as ints that int() then rejects, and
                # Python refuses ints of more than 4,300 digits.
                kind = tag[len(_TAG) :]
                self.problem(node, path, f"not a valid {kind}; quote it if it is meant as text")
                return None
        if tag == _TAG + "timestamp":
            # A date in a Description is meant as text; keep what was written.
            return node.value
        self.problem(node, path, f"unsupported YAML tag {tag!r}")
        return None


def dotted(path: tuple[Any, ...]) -> str:
    """A path as people read it.

    `("AuthParameters", "InvocationHttpParameters", "HeaderParameters", 0)` →
    `AuthParameters.InvocationHttpParameters.HeaderParameters[0]`.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_printable(part)}" if out else _printable(part)
    return out


def _printable(key: Any) -> str:
    """Keys come from the file: a CR or an escape sequence in one would split the one-line
    message or drive the terminal, so those are shown escaped."""
    text = str(key)
    return text if text.isprintable() else repr(text)[1:-1]


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    if len(raw) > MAX_BYTES:
        return None, [Problem(Location(file), "", f"file is larger than {MAX_BYTES // 1024} KiB")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(Location(file, line, column), "", "not valid UTF-8 text")]


_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def _too_deep(text: str, file: str) -> Problem | None:
    """libyaml's composer recurses in C and crashes the process on deep nesting.

    Brackets and indentation bound the nesting depth from above, so the token scan
    (which stops at the first level past the limit) only runs on suspicious files.
    """
    brackets = text.count("[") + text.count("{")
    indent = max((len(line) - len(line.lstrip(" ")) for line in text.splitlines()), default=0)
    if brackets + indent <= MAX_DEPTH:
        return None
    depth = 0
    for token in yaml.scan(text, Loader=_Loader):
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                return Problem(_mark_location(file, token.start_mark), "", f"nesting deeper than {MAX_DEPTH} levels")
        elif isinstance(token, _CLOSE):
            depth -= 1
    return None


def _position_location(text: str, file: str, position: int) -> Location:
    if _Loader is not yaml.SafeLoader:
        # libyaml counts bytes of the UTF-8 text it was given; PyYAML's reader counts characters.
        position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    line = text.count("\n", 0, position) + 1
    return Location(file, line, position - (text.rfind("\n", 0, position) + 1) + 1)


def _character_problem(exc: yaml.reader.ReaderError) -> str:
    code = ord(exc.character) if isinstance(exc.character, str) else exc.character
    return f"character #x{code:04x}: {exc.reason}" if isinstance(code, int) else str(exc.reason)


TAB = "invalid YAML: a tab character in the indentation; YAML indents with spaces only"
INDENTATION = (
    "invalid YAML: bad indentation: this line lines up with no key or list item above it (keys of one mapping, and "
    "items of one list, start in the same column)"
)
COLON_IN_VALUE = "invalid YAML: a value holding ': ' must be quoted"
# What libyaml (and PyYAML) say when a line is indented wrongly: a key it didn't expect.
_INDENTATION_PROBLEMS = ("did not find expected key", "did not find expected '-' indicator", "expected <block end>")


def _in_plain_words(text: str, mark: Any, problem: str) -> tuple[tuple[int, int] | None, str]:
    """A YAML syntax error as people would put it, and where: (line, column) or None for the parser's mark."""
    lines = text.splitlines()
    if mark is None or not 0 <= mark.line < len(lines):
        return None, f"invalid YAML: {problem}"
    line = lines[mark.line]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent:
        return (mark.line + 1, indent.index("\t") + 1), TAB
    start = len(indent) + 1
    if problem.startswith(_INDENTATION_PROBLEMS) and mark.column + 1 == start:
        return (mark.line + 1, start), INDENTATION
    if problem == "mapping values are not allowed in this context":
        before = line[: mark.column].strip()
        # `  Key: value` nested under a plain value: the parser read the key as part of that value.
        if before and ":" not in before and not before.startswith(("-", "#", "{", "[")):
            return (mark.line + 1, start), INDENTATION
        return None, COLON_IN_VALUE
    return None, f"invalid YAML: {problem}"


UNQUOTED_REFERENCE = (
    'unquoted {{resolve:...}} reference: YAML reads "{" as the start of a mapping; quote it: "{{resolve:...}}"'
)


def load_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document of a YAML stream, or the problems that stopped it."""
    problems: list[Problem] = []
    documents: list[Document] = []
    lines = text.splitlines()
    try:
        deep = _too_deep(text, file)
        if deep is not None:
            return [], [deep]
        budget = _Budget()
        for index, node in enumerate(yaml.compose_all(text, Loader=_Loader)):
            if node is None:
                continue
            builder = _Builder(file, problems, lines, budget)
            try:
                data = builder.build(node, ())
            except _TooBig as exc:
                # The rest of the file is not read: the budget is the file's, and spent.
                problems.append(Problem(_loc(file, exc.node), "", str(exc)))
                break
            if data is None:
                continue
            documents.append(Document(data, index, builder.positions))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        where, plain = _in_plain_words(text, mark, what)
        problems.append(Problem(_mark_location(file, mark) if where is None else Location(file, *where), "", plain))
    except yaml.reader.ReaderError as exc:
        # Not a MarkedYAMLError: its str() spans two lines and names "<unicode string>".
        problems.append(
            Problem(_position_location(text, file, exc.position), "", f"invalid YAML: {_character_problem(exc)}")
        )
    except yaml.YAMLError as exc:
        problems.append(Problem(Location(file), "", "invalid YAML: " + " ".join(str(exc).split())))
    except RecursionError:
        problems.append(Problem(Location(file), "", "invalid YAML: nesting too deep"))
    return documents, problems
