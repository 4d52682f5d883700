"""Print a pip constraints file pinning each direct dependency of pyproject.toml (runtime and
extras) to its declared floor: `pip install -e '.[test]' -c <(python .ci/floors.py)` then
installs the lowest versions the project claims to support, so a false floor fails a test.

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_FLOOR = re.compile(r">=\s*([0-9][A-Za-z0-9.]*)")


def floors(pyproject: Path = PYPROJECT) -> dict[str, str]:
    """Each direct dependency's lowest declared version, by name; the project itself is skipped."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own = _normalized(project["name"])
    requirements = [*project.get("dependencies", []), *sum(project.get("optional-dependencies", {}).values(), [])]
    found: dict[str, str] = {}
    for requirement in requirements:
        name = _NAME.match(requirement)
        if name is None:
            raise SystemExit(f"floors: cannot read the requirement {requirement!r}")
        key = _normalized(name.group(1))
        if key == own:
            continue
        floor = _FLOOR.search(requirement.split(";", 1)[0])
        if floor is None:
            raise SystemExit(f"floors: {requirement!r} declares no lowest version (>=)")
        found[key] = floor.group(1)
    return found


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def main() -> int:
    sys.stdout.write("".join(f"{name}=={version}\n" for name, version in sorted(floors().items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
