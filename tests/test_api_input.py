"""Bad input: every refused request answers with a 4xx problem+json that names
the offending field, and leaves the database exactly as it was.

Each case is one request against a world shared by the module (per engine);
the world is never changed by these cases, which each case checks by
comparing every row of every table, the record's events included.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from api_helpers import (
    API,
    World,
    assert_problem,
    assert_unchanged,
    names_for,
    ok,
    resolve,
    seed_world,
    snapshot,
    world_from_fixture,
)

HUGE = 10**20  # larger than any integer column
DEEP: list = []  # a list in a list in ... 300 deep
for _ in range(300):
    DEEP = [DEEP]


@pytest.fixture(scope="module")
def ctx(shared: World) -> dict[str, Any]:
    return names_for(shared)


Body = dict[str, Any] | list[Any] | bytes | None


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str  # formatted with the names, e.g. "{s}/impacts"
    body: Body  # JSON where "@name" strings stand for ids; bytes are sent as they are
    fields: tuple[str, ...]  # what the problem must name
    status: int = 422
    who: str | None = "owner"

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def cases(
    method: str, path: str, table: dict[str, tuple[Any, ...]], status: int = 422, who: str = "owner"
) -> list[Bad]:
    """Cases for one endpoint: {id: (body, *fields the problem names)}."""
    return [
        Bad(id_, method, path, body, tuple(fields), status, who)
        for id_, (body, *fields) in table.items()
    ]


STAMPS = {"created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"}
DOCUMENT = {
    "format": "agilegov.scope/1",
    "scope": {"name": "Imported", "kind": "service", **STAMPS},
    "cycle": {
        "stage": "analysis",
        "inner_iterations": 0,
        "outer_iterations": 0,
        "visit": 1,
        "stage_entered_at": "2024-01-01T00:00:00Z",
    },
    "stakeholders": [{"ref": "stakeholder-1", "name": "Users", "category": "user", **STAMPS}],
}


def doc(**sections: Any) -> dict[str, Any]:
    """A valid minimal import document with some sections replaced."""
    return {**DOCUMENT, **sections}


ORG = {"slug": "acme", "name": "Acme", "kind": "business"}
SCOPE = {"organization_id": "@business", "name": "S", "kind": "service"}
STAKEHOLDER = {"name": "Users", "category": "user"}
IMPACT = {"title": "Harm", "nature": "negative", "area": "privacy", "magnitude": 3}
CONDITION = {"title": "Law", "category": "regulation", "source": "gazette"}
RISK = {
    "title": "Leak",
    "inherent_likelihood": 3,
    "inherent_severity": 3,
    "residual_likelihood": 2,
    "residual_severity": 2,
    "treatment": "mitigate",
}
SPECIFIC = {"title": "Privacy", "level": "specific", "direction": "lower_is_better"}
INDICATOR = {"goal_id": "@goal", "key": "k", "name": "K", "data_source": "logs"}
TECHNOLOGY = {"kind": "technology", "title": "Filter"}
REVIEW = {"summary": "checked", "decisions": ["keep"], "evidence": ["logs"]}
OBSERVATION = {"indicator": "selection-ratio", "time": "2024-05-01T00:00:00Z", "value": 0.9}
NAN_OBSERVATION = (
    b'{"observations": [{"indicator": "selection-ratio", "value": NaN, "time": "%s"}]}'
)
IMPORT = f"{API}/scopes/import?organization_id={{business}}"
MEMBERS = f"{API}/organizations/{{business}}/members"

CASES = [
    *cases(
        "POST",
        f"{API}/organizations",
        {
            "org-missing-name": ({"slug": "acme", "kind": "business"}, "name"),
            "org-name-wrong-type": ({**ORG, "name": 5}, "name"),
            "org-unknown-kind": ({**ORG, "kind": "bank"}, "kind"),
            "org-bad-slug": ({**ORG, "slug": "Not A Slug"}, "slug"),
            "org-unknown-field": ({**ORG, "owner_id": 1}, "owner_id"),
            "org-bad-website": ({**ORG, "website": "javascript:alert(1)"}, "website"),
            "org-nul-character": ({**ORG, "name": "Ac\u0000me"}, "name"),
        },
    ),
    *cases(
        "POST",
        f"{API}/organizations",
        {"org-slug-taken": ({**ORG, "slug": "hireright"}, "slug")},
        409,
    ),
    *cases(
        "PATCH",
        f"{API}/organizations/{{business}}",
        {
            "org-patch-null-name": ({"name": None}, "name"),
            "org-patch-null-description": ({"description": None}, "description"),
            "org-patch-bad-slug": ({"slug": "B A D"}, "slug"),
            "org-patch-slug-taken": ({"slug": "ministry"}, "slug"),
        },
    ),
    *cases(
        "POST",
        f"{API}/scopes",
        {
            "scope-missing-kind": ({"organization_id": "@business", "name": "S"}, "kind"),
            "scope-unknown-org": ({**SCOPE, "organization_id": 99999}, "organization_id"),
            "scope-org-wrong-type": ({**SCOPE, "organization_id": "abc"}, "organization_id"),
            "scope-org-huge": ({**SCOPE, "organization_id": HUGE}, "organization_id"),
            "scope-bad-visibility": ({**SCOPE, "visibility": "secret"}, "visibility"),
            "scope-framework-no-version": ({**SCOPE, "frameworks": ["aigb"]}, "frameworks[0]"),
            "scope-framework-not-in-library": (
                {**SCOPE, "frameworks": ["no-such-framework@1"]},
                "frameworks",
            ),
        },
    ),
    *cases(
        "PATCH",
        "{s}",
        {
            "scope-patch-null-visibility": ({"visibility": None}, "visibility"),
            "scope-patch-null-status": ({"status": None}, "status"),
            "scope-patch-bad-kind": ({"kind": "toaster"}, "kind"),
            "scope-patch-organization": ({"organization_id": "@regulator"}, "organization_id"),
        },
    ),
    *cases(
        "POST",
        "{s}/stakeholders",
        {
            "stakeholder-missing-category": ({"name": "Users"}, "category"),
            "stakeholder-unknown-category": ({**STAKEHOLDER, "category": "alien"}, "category"),
            "stakeholder-name-too-long": ({**STAKEHOLDER, "name": "x" * 201}, "name"),
            "stakeholder-name-blank": ({**STAKEHOLDER, "name": "   "}, "name"),
            "stakeholder-unknown-org": (
                {**STAKEHOLDER, "organization_id": 99999},
                "organization_id",
            ),
            "stakeholder-unknown-field": ({**STAKEHOLDER, "email": "u@example.com"}, "email"),
        },
    ),
    *cases(
        "PATCH",
        "{s}/stakeholders/{stakeholder}",
        {
            "stakeholder-patch-null-name": ({"name": None}, "name"),
            "stakeholder-patch-null-description": ({"description": None}, "description"),
            "stakeholder-patch-empty-name": ({"name": ""}, "name"),
        },
    ),
    *cases(
        "POST",
        "{s}/impacts",
        {
            "impact-stakeholder-of-another-scope": (
                {**IMPACT, "stakeholder_id": "@public_stakeholder"},
                "stakeholder_id",
            ),
            "impact-stakeholder-of-another-org": (
                {**IMPACT, "stakeholder_id": "@foreign_stakeholder"},
                "stakeholder_id",
            ),
            "impact-stakeholder-huge": ({**IMPACT, "stakeholder_id": HUGE}, "stakeholder_id"),
            "impact-magnitude-6": (
                {**IMPACT, "stakeholder_id": "@stakeholder", "magnitude": 6},
                "magnitude",
            ),
            "impact-magnitude-0": (
                {**IMPACT, "stakeholder_id": "@stakeholder", "magnitude": 0},
                "magnitude",
            ),
            "impact-magnitude-text": (
                {**IMPACT, "stakeholder_id": "@stakeholder", "magnitude": "high"},
                "magnitude",
            ),
        },
    ),
    *cases(
        "PATCH",
        "{s}/impacts/{impact}",
        {
            "impact-patch-magnitude-6": ({"magnitude": 6}, "magnitude"),
            "impact-patch-null-stakeholder": ({"stakeholder_id": None}, "stakeholder_id"),
            "impact-patch-stakeholder-elsewhere": (
                {"stakeholder_id": "@public_stakeholder"},
                "stakeholder_id",
            ),
        },
    ),
    *cases(
        "POST",
        "{s}/conditions",
        {
            "condition-bad-date": ({**CONDITION, "review_by": "next spring"}, "review_by"),
            "condition-empty-source": (
                {**CONDITION, "source": "", "review_by": "2030-01-01"},
                "source",
            ),
            "condition-missing-review-by": (CONDITION, "review_by"),
        },
    ),
    *cases(
        "PATCH",
        "{s}/conditions/{condition}",
        {
            "condition-patch-null-review-by": ({"review_by": None}, "review_by"),
        },
    ),
    *cases(
        "POST",
        "{s}/risks",
        {
            "risk-likelihood-6": ({**RISK, "inherent_likelihood": 6}, "inherent_likelihood"),
            "risk-severity-0": ({**RISK, "residual_severity": 0}, "residual_severity"),
            "risk-unknown-treatment": ({**RISK, "treatment": "ignore"}, "treatment"),
            "risk-unknown-impact": ({**RISK, "impact_ids": [99999]}, "impact_ids"),
            "risk-condition-elsewhere": (
                {**RISK, "condition_ids": ["@condition", "@public_condition"]},
                "condition_ids",
            ),
            "risk-impacts-not-a-list": ({**RISK, "impact_ids": "1"}, "impact_ids"),
        },
    ),
    *cases(
        "PATCH",
        "{s}/risks/{risk}",
        {
            "risk-patch-likelihood-6": ({"inherent_likelihood": 6}, "inherent_likelihood"),
            "risk-patch-null-impacts": ({"impact_ids": None}, "impact_ids"),
        },
    ),
    *cases(
        "POST",
        "{s}/goals",
        {
            "goal-unknown-level": ({"title": "G", "level": "supreme"}, "level"),
            "goal-unknown-parent": (
                {"title": "G", "level": "core_value", "parent_id": 99999},
                "parent_id",
            ),
            "goal-parent-elsewhere": (
                {"title": "G", "level": "core_value", "parent_id": "@public_core_goal"},
                "parent_id",
            ),
            "goal-under-specific-goal": (
                {"title": "G", "level": "core_value", "parent_id": "@goal"},
                "parent_id",
            ),
            "goal-unknown-derivation": (
                {**SPECIFIC, "acceptable_level": 1, "derives_from_id": 99999},
                "derives_from_id",
            ),
            "goal-derives-from-unpublished": (
                {**SPECIFIC, "acceptable_level": 1, "derives_from_id": "@foreign_goal"},
                "derives_from_id",
            ),
            "goal-derives-from-own-organization": (
                {**SPECIFIC, "acceptable_level": 1, "derives_from_id": "@public_goal"},
                "derives_from_id",
            ),
            "goal-specific-without-level": (SPECIFIC, "acceptable_level"),
            "goal-level-without-direction": (
                {"title": "G", "level": "specific", "acceptable_level": 1},
                "direction",
            ),
            "goal-target-unacceptable": (
                {**SPECIFIC, "acceptable_level": 1, "target": 2},
                "target",
            ),
            "goal-level-nan": (
                b'{"title": "G", "level": "core_value", "direction": "lower_is_better", '
                b'"acceptable_level": NaN}',
                "acceptable_level",
            ),
        },
    ),
    *cases(
        "PATCH",
        "{s}/goals/{goal}",
        {
            "goal-patch-infinite-target": (b'{"target": Infinity}', "target"),
            "goal-patch-own-ancestor": ({"parent_id": "@goal"}, "parent_id"),
            "goal-patch-status": ({"status": "active"}, "status"),
            "goal-patch-null-title": ({"title": None}, "title"),
        },
    ),
    *cases(
        "POST",
        "{s}/indicators",
        {
            "indicator-unknown-goal": ({**INDICATOR, "goal_id": 99999}, "goal_id"),
            "indicator-goal-elsewhere": ({**INDICATOR, "goal_id": "@public_goal"}, "goal_id"),
            "indicator-bad-key": ({**INDICATOR, "key": "Has Spaces"}, "key"),
            "indicator-key-taken": ({**INDICATOR, "key": "selection-ratio"}, "key"),
            "indicator-window-0": ({**INDICATOR, "window_days": 0}, "window_days"),
            "indicator-weaker-than-goal": (
                {**INDICATOR, "acceptable_level": 0.5},
                "acceptable_level",
            ),
            "indicator-no-level-to-inherit": ({**INDICATOR, "goal_id": "@core_goal"}, "direction"),
            "indicator-missing-source": (
                {"goal_id": "@goal", "key": "k", "name": "K"},
                "data_source",
            ),
        },
    ),
    *cases(
        "PATCH",
        "{s}/indicators/{indicator}",
        {
            "indicator-patch-window-too-long": ({"window_days": 9999}, "window_days"),
            "indicator-patch-null-aggregate": ({"aggregate": None}, "aggregate"),
        },
    ),
    *cases(
        "POST",
        "{s}/trade-offs",
        {
            "trade-off-same-goal": (
                {"goal_a_id": "@goal", "goal_b_id": "@goal", "balance": "b"},
                "goal_b_id",
            ),
            "trade-off-missing-goal": ({"goal_a_id": "@goal", "balance": "b"}, "goal_b_id"),
            "trade-off-empty-balance": (
                {"goal_a_id": "@goal", "goal_b_id": "@core_goal", "balance": ""},
                "balance",
            ),
        },
    ),
    *cases(
        "PATCH",
        "{s}/trade-offs/{trade_off}",
        {
            "trade-off-patch-same-goal": ({"goal_a_id": "@goal"}, "goal_b_id"),
        },
    ),
    *cases(
        "POST",
        "{s}/allocations",
        {
            "allocation-unknown-layer": ({"goal_id": "@goal", "layer": "bogus"}, "layer"),
            "allocation-layer-taken": ({"goal_id": "@goal", "layer": "voluntary"}, "layer"),
            "allocation-unknown-org": (
                {"goal_id": "@goal", "layer": "market", "responsible_organization_id": 99999},
                "responsible_organization_id",
            ),
            "allocation-null-goal": ({"goal_id": None, "layer": "market"}, "goal_id"),
        },
    ),
    *cases(
        "POST",
        "{s}/measures",
        {
            "measure-rule-without-layer": ({"kind": "rule", "title": "Terms"}, "rule_layer"),
            "measure-layer-on-technology": (
                {**TECHNOLOGY, "rule_layer": "voluntary"},
                "rule_layer",
            ),
            "measure-unknown-risk": ({**TECHNOLOGY, "risk_ids": [99999]}, "risk_ids"),
            "measure-goal-elsewhere": ({**TECHNOLOGY, "goal_ids": ["@public_goal"]}, "goal_ids"),
            "measure-requirements-not-a-list": (
                {**TECHNOLOGY, "requirements": "aigb@1.1#C-2)"},
                "requirements",
            ),
            "measure-requirement-not-followed": (
                {**TECHNOLOGY, "requirements": ["aigb@1.1#C-2) ①"]},
                "requirements",
            ),
            "measure-unknown-status": ({**TECHNOLOGY, "status": "done"}, "status"),
        },
    ),
    *cases(
        "PATCH",
        "{s}/measures/{measure}",
        {
            "measure-patch-null-requirements": ({"requirements": None}, "requirements"),
            "measure-patch-null-status": ({"status": None}, "status"),
            "measure-patch-rule-without-layer": ({"kind": "rule"}, "rule_layer"),
        },
    ),
    *cases(
        "POST",
        "{s}/cycle/transitions",
        {
            "transition-unknown-stage": ({"to": "nowhere"}, "to"),
            "transition-missing-stage": ({"reason": "why not"}, "to"),
            "transition-not-allowed": ({"to": "operation"}, "to"),
            "transition-unknown-field": ({"to": "goals", "loop": "inner"}, "loop"),
            "transition-reason-wrong-type": ({"to": "goals", "reason": 5}, "reason"),
        },
    ),
    *cases(
        "POST",
        "{s}/cycle/triggers",
        {
            "trigger-unknown-kind": ({"kind": "earthquake", "cause": "c"}, "kind"),
            "trigger-manual-without-loop": ({"kind": "manual", "cause": "c"}, "facts.loop"),
            "trigger-manual-bad-loop": (
                {"kind": "manual", "cause": "c", "facts": {"loop": "up"}},
                "facts.loop",
            ),
            "trigger-empty-cause": ({"kind": "incident", "cause": ""}, "cause"),
            "trigger-bad-subject-type": (
                {"kind": "incident", "cause": "c", "subject_type": "Goal!"},
                "subject_type",
            ),
            "trigger-facts-not-an-object": (
                {"kind": "incident", "cause": "c", "facts": "x"},
                "facts",
            ),
            "trigger-nul-in-facts": (
                {"kind": "incident", "cause": "c", "facts": {"n": "\u0000"}},
                "facts",
            ),
            "trigger-facts-nest-too-deep": (
                {"kind": "incident", "cause": "c", "facts": {"n": DEEP}},
                "facts",
            ),
        },
    ),
    *cases(
        "POST",
        "{s}/reviews",
        {
            "review-missing-decisions": ({"summary": "s", "evidence": ["e"]}, "decisions"),
            "review-no-decisions": ({**REVIEW, "decisions": []}, "decisions"),
            "review-evidence-not-a-list": ({**REVIEW, "evidence": "logs"}, "evidence"),
            "review-unknown-goal-version": (
                {**REVIEW, "changes": [{"kind": "goal", "id": 99999, "version": 1}]},
                "changes[0]",
            ),
            "review-goal-version-elsewhere": (
                {**REVIEW, "changes": [{"kind": "goal", "id": "@public_goal", "version": 1}]},
                "changes[0]",
            ),
            "review-change-of-a-risk": (
                {**REVIEW, "changes": [{"kind": "risk", "id": "@risk", "version": 1}]},
                "changes[0].kind",
            ),
            "review-version-0": (
                {**REVIEW, "changes": [{"kind": "goal", "id": "@goal", "version": 0}]},
                "changes[0].version",
            ),
            "review-resolves-unknown-trigger": ({**REVIEW, "resolves": [99999]}, "resolves"),
        },
    ),
    *cases(
        "POST",
        "{s}/reviews",
        {"review-empty-summary": ({**REVIEW, "summary": ""}, "summary")},
        who="reviewer",
    ),
    *cases(
        "POST",
        "{s}/observations",
        {
            "observations-empty": ({"observations": []}, "observations"),
            "observations-missing": ({}, "observations"),
            "observation-unknown-indicator": (
                {"observations": [{**OBSERVATION, "indicator": "nope"}]},
                "observations[0].indicator",
            ),
            "observation-one-bad-of-two": (
                {"observations": [OBSERVATION, {**OBSERVATION, "indicator": "nope"}]},
                "observations[1].indicator",
            ),
            "observation-naive-time": (
                {"observations": [{**OBSERVATION, "time": "2024-05-01T00:00:00"}]},
                "observations[0].time",
            ),
            "observation-value-text": (
                {"observations": [{**OBSERVATION, "value": "high"}]},
                "observations[0].value",
            ),
            "observation-value-nan": (
                NAN_OBSERVATION % b"2024-05-01T00:00:00Z",
                "observations[0].value",
            ),
        },
    ),
    *cases(
        "POST", f"{API}/scopes/import", {"import-missing-organization": (doc(), "organization_id")}
    ),
    *cases(
        "POST",
        f"{API}/scopes/import?organization_id=99999",
        {
            "import-unknown-organization": (doc(), "organization_id"),
        },
    ),
    *cases(
        "POST",
        IMPORT,
        {
            "import-empty-document": ({}, "format", "scope", "cycle"),
            "import-wrong-format": (doc(format="agilegov.scope/2"), "format"),
            "import-unknown-section": (doc(consultations=[]), "consultations"),
            "import-stakeholder-without-name": (
                doc(stakeholders=[{"ref": "stakeholder-1", "category": "user", **STAMPS}]),
                "stakeholders[0].name",
            ),
            "import-stakeholder-unknown-field": (
                doc(stakeholders=[{**DOCUMENT["stakeholders"][0], "email": "u@example.com"}]),
                "stakeholders[0].email",
            ),
            "import-impact-unknown-ref": (
                doc(
                    impacts=[
                        {**IMPACT, "ref": "impact-1", "stakeholder_id": "stakeholder-9", **STAMPS}
                    ]
                ),
                "impacts[0].stakeholder_id",
            ),
            "import-bad-cycle-stage": (
                doc(cycle={**DOCUMENT["cycle"], "stage": "limbo"}),
                "cycle.stage",
            ),
        },
    ),
    *cases(
        "POST",
        IMPORT,
        {
            "import-public-by-editor": (
                doc(scope={**DOCUMENT["scope"], "visibility": "public"}),
                "scope.visibility",
            ),
        },
        status=403,
        who="editor",
    ),
    *cases(
        "POST",
        "{s}/stakeholders",
        {
            "malformed-json": (b'{"name": "Users", "category":', "body"),
            "json-array": ([STAKEHOLDER], "body"),
            "no-body": (None, "body"),
        },
    ),
    # query parameters
    Bad("limit-0", "GET", "{s}/stakeholders?limit=0", None, ("limit",)),
    Bad("limit-text", "GET", "{s}/stakeholders?limit=many", None, ("limit",)),
    Bad("offset-negative", "GET", "{s}/stakeholders?offset=-1", None, ("offset",)),
    Bad("offset-huge", "GET", f"{{s}}/stakeholders?offset={HUGE}", None, ("offset",)),
    Bad("events-scope-huge", "GET", f"{API}/events?scope_id={HUGE}", None, ("scope_id",)),
    Bad(
        "scopes-organization-text",
        "GET",
        f"{API}/scopes?organization_id=x",
        None,
        ("organization_id",),
    ),
    Bad("triggers-unknown-status", "GET", "{s}/cycle/triggers?status=pending", None, ("status",)),
    # members and tokens
    *cases(
        "POST",
        MEMBERS,
        {
            "member-bad-email": ({"email": "not-an-email", "role": "viewer"}, "email"),
            "member-unknown-role": ({"email": "outsider@example.com", "role": "admin"}, "role"),
            "member-unknown-user": ({"email": "nobody@example.com", "role": "viewer"}, "email"),
        },
    ),
    *cases(
        "POST",
        MEMBERS,
        {
            "member-already": (
                {"email": "viewer@example.com", "role": "editor"},
                "viewer@example.com",
            ),
        },
        409,
    ),
    *cases(
        "PATCH",
        MEMBERS + "/{membership}",
        {"member-patch-unknown-role": ({"role": "boss"}, "role")},
    ),
    *cases(
        "POST",
        f"{API}/tokens",
        {
            "token-without-name": ({}, "name"),
            "token-blank-name": ({"name": " "}, "name"),
        },
    ),
    # a scope's frameworks
    *cases(
        "PUT",
        "{s}/frameworks/applicability",
        {
            "applicability-no-requirement": ({"applicable": False, "reason": "x"}, "requirement"),
            "applicability-unknown-requirement": (
                {"requirement": "no-such@1#A.1", "applicable": True},
                "requirement",
            ),
            "applicability-not-a-bool": (
                {"requirement": "x@1#A", "applicable": "perhaps"},
                "applicable",
            ),
            "applicability-huge-reason": (
                {"requirement": "x@1#A", "applicable": False, "reason": "x" * 100_000},
                "reason",
            ),
        },
    ),
    *cases(
        "POST",
        "{s}/frameworks/move",
        {
            "move-no-target": ({"from": "aigb@1.0"}, "to"),
            "move-not-followed": ({"from": "aigb@1.0", "to": "aigb@1.1"}, "from"),
            "move-nested": ({"from": DEEP, "to": "aigb@1.1"}, "from"),
        },
    ),
    Bad(
        "applicability-by-a-viewer",
        "PUT",
        "{s}/frameworks/applicability",
        {"requirement": "x@1#A", "applicable": True},
        (),
        403,
        "viewer",
    ),
    Bad(
        "move-anonymous",
        "POST",
        "{s}/frameworks/move",
        {"from": "aigb@1.0", "to": "aigb@1.1"},
        (),
        404,  # a private scope does not exist for someone signed out
        None,
    ),
    Bad("dismiss-unknown-unresolved", "DELETE", "{s}/frameworks/unresolved/99999", None, (), 404),
    Bad("coverage-unknown-scope", "GET", f"{API}/scopes/99999/frameworks/coverage", None, (), 404),
    Bad("coverage-huge-scope", "GET", f"{API}/scopes/{HUGE}/frameworks", None, (), 404),
    # unknown routes and ids: 404 (405 for a known path), never 500
    Bad("unknown-route", "GET", f"{API}/unicorns", None, (), 404),
    Bad("unknown-kind", "GET", "{s}/unicorns", None, (), 404),
    Bad("unknown-scope", "GET", f"{API}/scopes/99999", None, (), 404),
    Bad("huge-scope", "GET", f"{API}/scopes/{HUGE}", None, (), 404),
    Bad("huge-item", "DELETE", f"{{s}}/stakeholders/{HUGE}", None, (), 404),
    Bad("scope-id-text", "GET", f"{API}/scopes/abc", None, ("scope_id",)),
    Bad("scope-id-superscript", "GET", f"{API}/scopes/\u00b2", None, ("scope_id",)),
    Bad("unknown-item", "GET", "{s}/risks/99999", None, (), 404),
    Bad("item-of-another-scope", "GET", "{s}/stakeholders/{public_stakeholder}", None, (), 404),
    Bad(
        "patch-elsewhere", "PATCH", "{s}/stakeholders/{public_stakeholder}", {"name": "M"}, (), 404
    ),
    Bad("delete-elsewhere", "DELETE", "{s}/goals/{public_goal}", None, (), 404),
    Bad(
        "create-in-unknown-scope", "POST", f"{API}/scopes/99999/stakeholders", STAKEHOLDER, (), 404
    ),
    Bad(
        "move-unknown-scope",
        "POST",
        f"{API}/scopes/99999/cycle/transitions",
        {"to": "goals"},
        (),
        404,
    ),
    Bad("unknown-organization", "GET", f"{API}/organizations/99999", None, (), 404),
    Bad("huge-organization", "PATCH", f"{API}/organizations/{HUGE}", {"name": "X"}, (), 404),
    Bad("unknown-membership", "PATCH", MEMBERS + "/99999", {"role": "viewer"}, (), 404),
    Bad("unknown-review", "GET", "{s}/reviews/99999", None, (), 404),
    Bad("unknown-indicator", "GET", "{s}/indicators/99999/observations", None, (), 404),
    Bad("unknown-goal-versions", "GET", "{s}/goals/99999/versions", None, (), 404),
    Bad("unknown-token", "DELETE", f"{API}/tokens/99999", None, (), 404),
    Bad("method-not-allowed", "PUT", "{s}", {"name": "S"}, (), 405),
]


def _request(world: World, case: Bad, names: dict[str, Any]) -> Any:
    headers = world.auth(case.who)
    if isinstance(case.body, bytes):
        headers = {**headers, "Content-Type": "application/json"}
        body = {"content": case.body}
    else:
        body = {} if case.body is None else {"json": resolve(case.body, names)}
    return world.client.request(case.method, case.path.format(**names), headers=headers, **body)


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_bad_input_is_refused_naming_the_field(shared: World, ctx: dict, case: Bad) -> None:
    before = snapshot(shared.engine)
    response = _request(shared, case, ctx)
    assert_problem(response, case.status, *case.fields)
    assert_unchanged(before, shared.engine)


def test_the_cases_name_distinct_ids() -> None:
    assert len({case.id for case in CASES}) == len(CASES)


def test_the_bases_of_the_cases_are_valid(database_url: str, engine: Engine, world: Any) -> None:
    """The bodies the cases vary are accepted as they are, so each case fails
    for the reason it names."""
    fresh = seed_world(world_from_fixture(database_url, engine, world), ("private",))
    names = names_for(fresh)
    client, owner, s = fresh.client, fresh.auth("owner"), names["s"]
    ok(client.post(f"{API}/organizations", json=ORG, headers=owner), 201)
    impact = {**IMPACT, "stakeholder_id": names["stakeholder"]}
    ok(client.post(f"{s}/impacts", json=impact, headers=owner), 201)
    ok(client.post(f"{s}/risks", json=RISK, headers=owner), 201)
    ok(client.post(f"{s}/goals", json={**SPECIFIC, "acceptable_level": 1}, headers=owner), 201)
    ok(client.post(f"{s}/reviews", json=REVIEW, headers=owner), 201)
    ok(client.post(f"{s}/observations", json={"observations": [OBSERVATION]}, headers=owner), 201)
    imported = ok(client.post(IMPORT.format(**names), json=doc(), headers=owner), 201)
    assert imported["organization_id"] == fresh.business_id
    assert (
        ok(client.get(f"{API}/scopes/{imported['id']}/stakeholders", headers=owner))["total"] == 1
    )


# ---------------------------------------------------------------- oversized bodies


def _oversized(world: World) -> bytes:
    limit = world.client.app.state.settings.max_body_bytes
    body = json.dumps({"name": "Users", "category": "user", "description": "x" * limit})
    assert len(body) > limit
    return body.encode()


def test_an_oversized_body_is_refused_by_its_length(shared: World, ctx: dict) -> None:
    body = _oversized(shared)
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{ctx['s']}/stakeholders",
        content=body,
        headers={**shared.auth("owner"), "Content-Type": "application/json"},
    )
    assert response.request.headers["content-length"] == str(len(body))
    problem = assert_problem(response, 413)
    assert str(shared.client.app.state.settings.max_body_bytes) in problem["detail"]
    assert_unchanged(before, shared.engine)


def test_an_oversized_streamed_body_is_refused(shared: World, ctx: dict) -> None:
    body = _oversized(shared)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{ctx['s']}/stakeholders",
        content=chunks(),
        headers={**shared.auth("owner"), "Content-Type": "application/json"},
    )
    # Streamed: no length is declared, so the limit is enforced while reading.
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_problem(response, 413)
    assert_unchanged(before, shared.engine)


def test_a_declared_length_that_is_not_a_number_is_refused(shared: World, ctx: dict) -> None:
    before = snapshot(shared.engine)
    response = shared.client.post(
        f"{ctx['s']}/stakeholders",
        content=b'{"name": "Users", "category": "user"}',
        headers={
            **shared.auth("owner"),
            "Content-Type": "application/json",
            "Content-Length": "-1",
        },
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert_unchanged(before, shared.engine)
