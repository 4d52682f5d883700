"""Renderers read a plan value; their output is pinned by golden files in tests/golden/.

Regenerate after an intended change with: RECONCILE_UPDATE_GOLDEN=1 python -m pytest tests/test_render.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.model import SECRET, Action, FieldChange, Masked, Op, Plan, ResourcePlan
from reconciler.render import RENDERERS

GOLDEN = Path(__file__).parent / "golden"


def sample_plan(targets: list[str] | None = None) -> Plan:
    return Plan(
        [
            ResourcePlan(
                "legacy-hook",
                Action.DELETE,
                "default",
                None,
                [FieldChange("Name", Op.REMOVE, "legacy-hook", None, note="no spec declares it")],
                state="AUTHORIZED",
                notes=[
                    "in use by API destination(s) orders: deleting it breaks them "
                    "(apply refuses unless --force-delete-in-use)"
                ],
            ),
            ResourcePlan(
                "stripe",
                Action.CREATE,
                "default",
                "connections/stripe.yaml",
                [
                    FieldChange("AuthorizationType", Op.ADD, None, "API_KEY"),
                    FieldChange("AuthParameters.ApiKeyAuthParameters.ApiKeyName", Op.ADD, None, "Authorization"),
                    FieldChange(
                        "AuthParameters.ApiKeyAuthParameters.ApiKeyValue",
                        Op.ADD,
                        None,
                        Masked("(secret: prod/stripe version 1a2b3c4d…)", "prod/stripe", "1a2b3c4d-full-version-id"),
                    ),
                ],
            ),
            ResourcePlan(
                "crm",
                Action.UPDATE,
                "default",
                "connections/crm.yaml",
                [
                    FieldChange(
                        "AuthParameters.InvocationHttpParameters.HeaderParameters[X-Old]", Op.REMOVE, "1", None
                    ),
                    FieldChange(
                        "AuthParameters.OAuthParameters.ClientParameters.ClientSecret",
                        Op.CHANGE,
                        SECRET,
                        Masked(
                            "(secret changed: prod/crm key client_secret version 1a2b3c4d… → 9f8e7d6c…)",
                            "prod/crm",
                            "9f8e7d6c-full-version-id",
                            "1a2b3c4d-full-version-id",
                        ),
                    ),
                    FieldChange("Description", Op.CHANGE, "old | pipe", "new"),
                    FieldChange(
                        "ConnectionState", Op.CHANGE, "DEAUTHORIZED", "AUTHORIZED", note="StateReason: invalid_client"
                    ),
                ],
                state="DEAUTHORIZED",
                state_reason="invalid_client",
                ignored=[
                    "AuthParameters.OAuthParameters.OAuthHttpParameters.HeaderParameters[X-Trace]",
                    "KmsKeyIdentifier",
                ],
            ),
            ResourcePlan(
                "partner",
                Action.NOOP,
                "default",
                "connections/partner.yaml",
                [],
                state="AUTHORIZED",
                notes=[
                    "secret values not verified: the connection's managed secret could not be read "
                    "(AccessDeniedException)"
                ],
            ),
            ResourcePlan("quiet", Action.NOOP, "default", "connections/quiet.yaml", [], state="AUTHORIZED"),
        ],
        targets=targets or ["default"],
    )


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_render_matches_golden(fmt: str, suffix: str) -> None:
    rendered = RENDERERS[fmt](sample_plan())
    golden = GOLDEN / f"plan.{suffix}"
    if os.environ.get("RECONCILE_UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def test_in_sync_plan_renders_as_no_changes() -> None:
    plan = Plan([ResourcePlan("quiet", Action.NOOP, file="c.yaml")])
    assert RENDERERS["text"](plan) == "No changes: 1 connection(s) match the specs.\n"
    assert "✅ **No changes.** 1 connection(s) match the specs." in RENDERERS["markdown"](plan)


def test_secret_markers_are_the_only_secret_text() -> None:
    # A secret FieldChange only ever carries masked markers; renderers show them verbatim.
    for fmt in RENDERERS:
        rendered = RENDERERS[fmt](sample_plan())
        assert "(secret changed: prod/crm key client_secret version 1a2b3c4d… → 9f8e7d6c…)" in rendered


def test_text_that_looks_like_a_marker_is_text() -> None:
    # Only a Masked value is a marker: a Description a user wrote is quoted like any text.
    plan = Plan(
        [
            ResourcePlan(
                "c",
                Action.UPDATE,
                changes=[
                    FieldChange("Description", Op.CHANGE, "(secret)", "(secret sauce) API"),
                    FieldChange(
                        "AuthParameters.InvocationHttpParameters.HeaderParameters[X-Old]", Op.REMOVE, "1", None
                    ),
                ],
            )
        ]
    )
    assert '~ Description: "(secret)" → "(secret sauce) API"' in RENDERERS["text"](plan)
    fields = json.loads(RENDERERS["json"](plan))["changes"][0]["fields"]
    assert [(f["before"], f["after"], f["secret"]) for f in fields] == [
        ("(secret)", "(secret sauce) API", False),
        ("1", None, False),
    ]
    assert all("secret_source" not in f for f in fields)


def test_json_secret_fields_name_their_source() -> None:
    fields = json.loads(RENDERERS["json"](sample_plan()))["changes"][2]["fields"]
    secret = next(f for f in fields if f["secret"])
    assert secret["secret_source"] == {
        "secret_id": "prod/crm",
        "version": "9f8e7d6c-full-version-id",
        "previous_version": "1a2b3c4d-full-version-id",
    }
    assert [f["secret"] for f in fields] == [False, True, False, False]


def test_markdown_fence_outlasts_backticks_in_values() -> None:
    plan = Plan([ResourcePlan("c", Action.UPDATE, changes=[FieldChange("Description", Op.CHANGE, "a ``` b", "c")])])
    rendered = RENDERERS["markdown"](plan)
    assert "\n````diff\n" in rendered and "\n````\n" in rendered


def big_plan() -> Plan:
    changes = [
        FieldChange(f"AuthParameters.InvocationHttpParameters.HeaderParameters[H{i}]", Op.ADD, None, "x" * 200)
        for i in range(100)
    ]
    return Plan([ResourcePlan(f"conn-{n}", Action.CREATE, changes=changes) for n in range(20)])


def test_markdown_keeps_the_whole_plan() -> None:
    # Job summaries take far more than a comment; the comment is cut where it is posted.
    rendered = RENDERERS["markdown"](big_plan())
    assert len(rendered) > 65_536
    assert all(f"<code>+ conn-{n}</code>" in rendered for n in range(20))
