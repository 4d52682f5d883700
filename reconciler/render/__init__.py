"""Renderers read the plan; they never re-derive it."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.model import Plan
from reconciler.render import json_format, markdown, text

RENDERERS: dict[str, Callable[[Plan], str]] = {
    "text": text.render,
    "json": json_format.render,
    "markdown": markdown.render,
}
