"""Renderers read a plan value; their output is pinned by golden files in tests/golden/.

Regenerate after an intended change with: RECONCILE_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.model import Action, FieldChange, Op
from reconciler.plan.model import ConnectionPlan, Plan
from reconciler.render import RENDERERS

GOLDEN = Path(__file__).parent / "golden"


def sample_plan(targets: list[str] | None = None) -> Plan:
    return Plan([
        ConnectionPlan("legacy-hook", Action.DELETE, "default", None, [FieldChange("Name", Op.REMOVE, "legacy-hook", None, note="no spec declares it")],
                       state="AUTHORIZED", notes=["in use by API destination(s) orders: deleting it breaks them (apply refuses unless --force-delete-in-use)"]),
        ConnectionPlan("stripe", Action.CREATE, "default", "connections/stripe.yaml", [
            FieldChange("AuthorizationType", Op.ADD, None, "API_KEY"),
            FieldChange("AuthParameters.ApiKeyAuthParameters.ApiKeyName", Op.ADD, None, "Authorization"),
            FieldChange("AuthParameters.ApiKeyAuthParameters.ApiKeyValue", Op.ADD, None, "(secret: prod/stripe version 1a2b3c4d…)", secret=True),
        ]),
        ConnectionPlan("crm", Action.UPDATE, "default", "connections/crm.yaml", [
            FieldChange("AuthParameters.InvocationHttpParameters.HeaderParameters[X-Old]", Op.REMOVE, "1", None),
            FieldChange("AuthParameters.OAuthParameters.ClientParameters.ClientSecret", Op.CHANGE, "(secret)",
                        "(secret changed: prod/crm key client_secret version 1a2b3c4d… → 9f8e7d6c…)", secret=True),
            FieldChange("Description", Op.CHANGE, "old | pipe", "new"),
            FieldChange("ConnectionState", Op.CHANGE, "DEAUTHORIZED", "AUTHORIZED", note="StateReason: invalid_client"),
        ], state="DEAUTHORIZED", state_reason="invalid_client"),
        ConnectionPlan("partner", Action.NOOP, "default", "connections/partner.yaml", [], state="AUTHORIZED",
                       notes=["secret values not verified: the connection's managed secret could not be read (AccessDeniedException)"]),
        ConnectionPlan("quiet", Action.NOOP, "default", "connections/quiet.yaml", [], state="AUTHORIZED"),
    ], targets=targets or ["default"])


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_render_matches_golden(fmt: str, suffix: str) -> None:
    rendered = RENDERERS[fmt](sample_plan())
    golden = GOLDEN / f"plan.{suffix}"
    if os.environ.get("RECONCILE_UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def test_in_sync_plan_renders_as_no_changes() -> None:
    plan = Plan([ConnectionPlan("quiet", Action.NOOP, file="c.yaml")])
    assert RENDERERS["text"](plan) == "No changes: 1 connection(s) match the specs.\n"
    assert "✅ **No changes.** 1 connection(s) match the specs." in RENDERERS["markdown"](plan)


def test_secret_markers_are_the_only_secret_text() -> None:
    # A secret FieldChange only ever carries masked markers; renderers show them verbatim.
    for fmt in RENDERERS:
        rendered = RENDERERS[fmt](sample_plan())
        assert "(secret changed: prod/crm key client_secret version 1a2b3c4d… → 9f8e7d6c…)" in rendered


def test_markdown_fence_outlasts_backticks_in_values() -> None:
    plan = Plan([ConnectionPlan("c", Action.UPDATE, changes=[FieldChange("Description", Op.CHANGE, "a ``` b", "c")])])
    rendered = RENDERERS["markdown"](plan)
    assert "\n````diff\n" in rendered and "\n````\n" in rendered


def big_plan() -> Plan:
    changes = [FieldChange(f"AuthParameters.InvocationHttpParameters.HeaderParameters[H{i}]", Op.ADD, None, "x" * 200) for i in range(100)]
    return Plan([ConnectionPlan(f"conn-{n}", Action.CREATE, changes=changes) for n in range(20)])


def test_markdown_keeps_the_whole_plan() -> None:
    # Job summaries take far more than a comment; the comment is cut where it is posted.
    rendered = RENDERERS["markdown"](big_plan())
    assert len(rendered) > 65_536
    assert all(f"<code>+ conn-{n}</code>" in rendered for n in range(20))
